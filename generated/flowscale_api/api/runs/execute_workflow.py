from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.execute_response import ExecuteResponse
from ...models.http_validation_error import HTTPValidationError
from ...models.workflow_inputs_form import WorkflowInputsForm
from ...models.workflow_inputs_multipart import WorkflowInputsMultipart
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: WorkflowInputsMultipart | WorkflowInputsForm | Unset = UNSET,
    workflow_id: str,
    group_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["workflow_id"] = workflow_id

    params["group_id"] = group_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/runs",
        "params": params,
    }

    if isinstance(body, WorkflowInputsMultipart):
        _kwargs["files"] = body.to_multipart()

        headers["Content-Type"] = "multipart/form-data; boundary=+++"
    if isinstance(body, WorkflowInputsForm):
        _kwargs["data"] = body.to_dict()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | ExecuteResponse | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = ExecuteResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorEnvelope.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | ExecuteResponse | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WorkflowInputsMultipart | WorkflowInputsForm | Unset = UNSET,
    workflow_id: str,
    group_id: str | Unset = UNSET,
) -> Response[ErrorEnvelope | ExecuteResponse | HTTPValidationError]:
    """Start a run of a workflow

     The workflow's inputs travel as form fields named after the workflow's input nodes
    (e.g. `text_51536`, `image_35728`). Text and numbers are plain fields, files are file
    parts. Both multipart/form-data and application/x-www-form-urlencoded are accepted; the
    latter cannot carry files. `workflow_id` and `group_id` are query parameters, not fields.
    The reply comes as soon as the run is queued.

    Args:
        workflow_id (str):
        group_id (str | Unset):
        body (WorkflowInputsMultipart): The workflow's input fields: a text value (numbers and
            booleans as text) is a plain
            field, a file is a file part with a file name and a content type.
        body (WorkflowInputsForm): The workflow's text inputs, urlencoded. Cannot carry files.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ExecuteResponse | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        workflow_id=workflow_id,
        group_id=group_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: WorkflowInputsMultipart | WorkflowInputsForm | Unset = UNSET,
    workflow_id: str,
    group_id: str | Unset = UNSET,
) -> ErrorEnvelope | ExecuteResponse | HTTPValidationError | None:
    """Start a run of a workflow

     The workflow's inputs travel as form fields named after the workflow's input nodes
    (e.g. `text_51536`, `image_35728`). Text and numbers are plain fields, files are file
    parts. Both multipart/form-data and application/x-www-form-urlencoded are accepted; the
    latter cannot carry files. `workflow_id` and `group_id` are query parameters, not fields.
    The reply comes as soon as the run is queued.

    Args:
        workflow_id (str):
        group_id (str | Unset):
        body (WorkflowInputsMultipart): The workflow's input fields: a text value (numbers and
            booleans as text) is a plain
            field, a file is a file part with a file name and a content type.
        body (WorkflowInputsForm): The workflow's text inputs, urlencoded. Cannot carry files.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ExecuteResponse | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
        workflow_id=workflow_id,
        group_id=group_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WorkflowInputsMultipart | WorkflowInputsForm | Unset = UNSET,
    workflow_id: str,
    group_id: str | Unset = UNSET,
) -> Response[ErrorEnvelope | ExecuteResponse | HTTPValidationError]:
    """Start a run of a workflow

     The workflow's inputs travel as form fields named after the workflow's input nodes
    (e.g. `text_51536`, `image_35728`). Text and numbers are plain fields, files are file
    parts. Both multipart/form-data and application/x-www-form-urlencoded are accepted; the
    latter cannot carry files. `workflow_id` and `group_id` are query parameters, not fields.
    The reply comes as soon as the run is queued.

    Args:
        workflow_id (str):
        group_id (str | Unset):
        body (WorkflowInputsMultipart): The workflow's input fields: a text value (numbers and
            booleans as text) is a plain
            field, a file is a file part with a file name and a content type.
        body (WorkflowInputsForm): The workflow's text inputs, urlencoded. Cannot carry files.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | ExecuteResponse | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
        workflow_id=workflow_id,
        group_id=group_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: WorkflowInputsMultipart | WorkflowInputsForm | Unset = UNSET,
    workflow_id: str,
    group_id: str | Unset = UNSET,
) -> ErrorEnvelope | ExecuteResponse | HTTPValidationError | None:
    """Start a run of a workflow

     The workflow's inputs travel as form fields named after the workflow's input nodes
    (e.g. `text_51536`, `image_35728`). Text and numbers are plain fields, files are file
    parts. Both multipart/form-data and application/x-www-form-urlencoded are accepted; the
    latter cannot carry files. `workflow_id` and `group_id` are query parameters, not fields.
    The reply comes as soon as the run is queued.

    Args:
        workflow_id (str):
        group_id (str | Unset):
        body (WorkflowInputsMultipart): The workflow's input fields: a text value (numbers and
            booleans as text) is a plain
            field, a file is a file part with a file name and a content type.
        body (WorkflowInputsForm): The workflow's text inputs, urlencoded. Cannot carry files.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | ExecuteResponse | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            workflow_id=workflow_id,
            group_id=group_id,
        )
    ).parsed
