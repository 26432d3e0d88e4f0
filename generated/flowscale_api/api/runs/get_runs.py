from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.get_runs_sort_by import GetRunsSortBy
from ...models.get_runs_sort_order import GetRunsSortOrder
from ...models.http_validation_error import HTTPValidationError
from ...models.run_list_response import RunListResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    group_id: str | Unset = UNSET,
    sort_by: GetRunsSortBy | Unset = GetRunsSortBy.CREATED_AT,
    sort_order: GetRunsSortOrder | Unset = GetRunsSortOrder.DESC,
    page: int | Unset = 1,
    page_size: int | Unset = 10,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["group_id"] = group_id

    json_sort_by: str | Unset = UNSET
    if not isinstance(sort_by, Unset):
        json_sort_by = sort_by.value

    params["sort_by"] = json_sort_by

    json_sort_order: str | Unset = UNSET
    if not isinstance(sort_order, Unset):
        json_sort_order = sort_order.value

    params["sort_order"] = json_sort_order

    params["page"] = page

    params["page_size"] = page_size

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | HTTPValidationError | RunListResponse | None:
    if response.status_code == 200:
        response_200 = RunListResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | HTTPValidationError | RunListResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    group_id: str | Unset = UNSET,
    sort_by: GetRunsSortBy | Unset = GetRunsSortBy.CREATED_AT,
    sort_order: GetRunsSortOrder | Unset = GetRunsSortOrder.DESC,
    page: int | Unset = 1,
    page_size: int | Unset = 10,
) -> Response[ErrorEnvelope | HTTPValidationError | RunListResponse]:
    """List runs, newest first by default

     One page of the team's runs, optionally only those of one `group_id`. `meta` says how
    many runs and pages there are; older servers send `group_id` and `count` in `data`
    instead.

    Args:
        group_id (str | Unset):
        sort_by (GetRunsSortBy | Unset):  Default: GetRunsSortBy.CREATED_AT.
        sort_order (GetRunsSortOrder | Unset):  Default: GetRunsSortOrder.DESC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | RunListResponse]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        sort_by=sort_by,
        sort_order=sort_order,
        page=page,
        page_size=page_size,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    group_id: str | Unset = UNSET,
    sort_by: GetRunsSortBy | Unset = GetRunsSortBy.CREATED_AT,
    sort_order: GetRunsSortOrder | Unset = GetRunsSortOrder.DESC,
    page: int | Unset = 1,
    page_size: int | Unset = 10,
) -> ErrorEnvelope | HTTPValidationError | RunListResponse | None:
    """List runs, newest first by default

     One page of the team's runs, optionally only those of one `group_id`. `meta` says how
    many runs and pages there are; older servers send `group_id` and `count` in `data`
    instead.

    Args:
        group_id (str | Unset):
        sort_by (GetRunsSortBy | Unset):  Default: GetRunsSortBy.CREATED_AT.
        sort_order (GetRunsSortOrder | Unset):  Default: GetRunsSortOrder.DESC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | RunListResponse
    """

    return sync_detailed(
        client=client,
        group_id=group_id,
        sort_by=sort_by,
        sort_order=sort_order,
        page=page,
        page_size=page_size,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    group_id: str | Unset = UNSET,
    sort_by: GetRunsSortBy | Unset = GetRunsSortBy.CREATED_AT,
    sort_order: GetRunsSortOrder | Unset = GetRunsSortOrder.DESC,
    page: int | Unset = 1,
    page_size: int | Unset = 10,
) -> Response[ErrorEnvelope | HTTPValidationError | RunListResponse]:
    """List runs, newest first by default

     One page of the team's runs, optionally only those of one `group_id`. `meta` says how
    many runs and pages there are; older servers send `group_id` and `count` in `data`
    instead.

    Args:
        group_id (str | Unset):
        sort_by (GetRunsSortBy | Unset):  Default: GetRunsSortBy.CREATED_AT.
        sort_order (GetRunsSortOrder | Unset):  Default: GetRunsSortOrder.DESC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | RunListResponse]
    """

    kwargs = _get_kwargs(
        group_id=group_id,
        sort_by=sort_by,
        sort_order=sort_order,
        page=page,
        page_size=page_size,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    group_id: str | Unset = UNSET,
    sort_by: GetRunsSortBy | Unset = GetRunsSortBy.CREATED_AT,
    sort_order: GetRunsSortOrder | Unset = GetRunsSortOrder.DESC,
    page: int | Unset = 1,
    page_size: int | Unset = 10,
) -> ErrorEnvelope | HTTPValidationError | RunListResponse | None:
    """List runs, newest first by default

     One page of the team's runs, optionally only those of one `group_id`. `meta` says how
    many runs and pages there are; older servers send `group_id` and `count` in `data`
    instead.

    Args:
        group_id (str | Unset):
        sort_by (GetRunsSortBy | Unset):  Default: GetRunsSortBy.CREATED_AT.
        sort_order (GetRunsSortOrder | Unset):  Default: GetRunsSortOrder.DESC.
        page (int | Unset):  Default: 1.
        page_size (int | Unset):  Default: 10.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | RunListResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            group_id=group_id,
            sort_by=sort_by,
            sort_order=sort_order,
            page=page,
            page_size=page_size,
        )
    ).parsed
