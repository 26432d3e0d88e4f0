from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.http_validation_error import HTTPValidationError
from ...models.run_event_end import RunEventEnd
from ...models.run_event_log import RunEventLog
from ...models.run_event_output import RunEventOutput
from ...models.run_event_progress import RunEventProgress
from ...models.run_event_status import RunEventStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    run_id: str,
    *,
    from_seq: int | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    params: dict[str, Any] = {}

    params["from_seq"] = from_seq

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/runs/{run_id}/events".format(
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
    | None
):
    if response.status_code == 200:

        def _parse_response_200(
            data: object,
        ) -> RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_run_event_data_type_0 = RunEventStatus.from_dict(data)

                return componentsschemas_run_event_data_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_run_event_data_type_1 = RunEventProgress.from_dict(data)

                return componentsschemas_run_event_data_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_run_event_data_type_2 = RunEventOutput.from_dict(data)

                return componentsschemas_run_event_data_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_run_event_data_type_3 = RunEventLog.from_dict(data)

                return componentsschemas_run_event_data_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_run_event_data_type_4 = RunEventEnd.from_dict(data)

                return componentsschemas_run_event_data_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str, data)

        response_200 = _parse_response_200(response.text)

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    from_seq: int | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
]:
    """The run's events as a server-sent event stream

     The JS SDK 2.x documents this stream but not its wire format; this is the format this
    project defines, compatible with that description (events carry an id and data;
    `from_seq` replays from a sequence number).

    Framing (text/event-stream):
    - `id:` the event's sequence number: integers from 1, strictly increasing per run.
    - `event:` the event type, equal to `data.type`.
    - `data:` one line of JSON, an object carrying at least `seq`, `run_id`, `type` and
      `timestamp`; the other fields per type are the `RunEvent*` schemas in components.
    - `retry:` may be sent once, the reconnection delay the server suggests (ms).
    - Comment lines (`: keep-alive`) may arrive at any time and carry nothing.

    Event types: `status` (run status changes: queued, running, completed, failed,
    cancelled; open set), `progress` (node progress: node_id, value, max), `output` (an
    output is ready, with the same fields as the output endpoint), `log` (a log line), and
    `end`, the final event: the server closes the stream after it. Clients must pass
    through event types they do not know.

    Replay: the stream starts with every stored event from `from_seq` (inclusive; 0 and 1
    both mean "from the start", the default), then follows live events. A `Last-Event-ID: N`
    header resumes after N (from N+1) and takes precedence over `from_seq`. Asking for more
    than the run has, after it ended, gets an empty stream that closes at once.

    Args:
        run_id (str):
        from_seq (int | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        from_seq=from_seq,
        last_event_id=last_event_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    from_seq: int | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> (
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
    | None
):
    """The run's events as a server-sent event stream

     The JS SDK 2.x documents this stream but not its wire format; this is the format this
    project defines, compatible with that description (events carry an id and data;
    `from_seq` replays from a sequence number).

    Framing (text/event-stream):
    - `id:` the event's sequence number: integers from 1, strictly increasing per run.
    - `event:` the event type, equal to `data.type`.
    - `data:` one line of JSON, an object carrying at least `seq`, `run_id`, `type` and
      `timestamp`; the other fields per type are the `RunEvent*` schemas in components.
    - `retry:` may be sent once, the reconnection delay the server suggests (ms).
    - Comment lines (`: keep-alive`) may arrive at any time and carry nothing.

    Event types: `status` (run status changes: queued, running, completed, failed,
    cancelled; open set), `progress` (node progress: node_id, value, max), `output` (an
    output is ready, with the same fields as the output endpoint), `log` (a log line), and
    `end`, the final event: the server closes the stream after it. Clients must pass
    through event types they do not know.

    Replay: the stream starts with every stored event from `from_seq` (inclusive; 0 and 1
    both mean "from the start", the default), then follows live events. A `Last-Event-ID: N`
    header resumes after N (from N+1) and takes precedence over `from_seq`. Asking for more
    than the run has, after it ended, gets an empty stream that closes at once.

    Args:
        run_id (str):
        from_seq (int | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str
    """

    return sync_detailed(
        run_id=run_id,
        client=client,
        from_seq=from_seq,
        last_event_id=last_event_id,
    ).parsed


async def asyncio_detailed(
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    from_seq: int | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> Response[
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
]:
    """The run's events as a server-sent event stream

     The JS SDK 2.x documents this stream but not its wire format; this is the format this
    project defines, compatible with that description (events carry an id and data;
    `from_seq` replays from a sequence number).

    Framing (text/event-stream):
    - `id:` the event's sequence number: integers from 1, strictly increasing per run.
    - `event:` the event type, equal to `data.type`.
    - `data:` one line of JSON, an object carrying at least `seq`, `run_id`, `type` and
      `timestamp`; the other fields per type are the `RunEvent*` schemas in components.
    - `retry:` may be sent once, the reconnection delay the server suggests (ms).
    - Comment lines (`: keep-alive`) may arrive at any time and carry nothing.

    Event types: `status` (run status changes: queued, running, completed, failed,
    cancelled; open set), `progress` (node progress: node_id, value, max), `output` (an
    output is ready, with the same fields as the output endpoint), `log` (a log line), and
    `end`, the final event: the server closes the stream after it. Clients must pass
    through event types they do not know.

    Replay: the stream starts with every stored event from `from_seq` (inclusive; 0 and 1
    both mean "from the start", the default), then follows live events. A `Last-Event-ID: N`
    header resumes after N (from N+1) and takes precedence over `from_seq`. Asking for more
    than the run has, after it ended, gets an empty stream that closes at once.

    Args:
        run_id (str):
        from_seq (int | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        from_seq=from_seq,
        last_event_id=last_event_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    run_id: str,
    *,
    client: AuthenticatedClient | Client,
    from_seq: int | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> (
    ErrorEnvelope
    | HTTPValidationError
    | RunEventEnd
    | RunEventLog
    | RunEventOutput
    | RunEventProgress
    | RunEventStatus
    | str
    | None
):
    """The run's events as a server-sent event stream

     The JS SDK 2.x documents this stream but not its wire format; this is the format this
    project defines, compatible with that description (events carry an id and data;
    `from_seq` replays from a sequence number).

    Framing (text/event-stream):
    - `id:` the event's sequence number: integers from 1, strictly increasing per run.
    - `event:` the event type, equal to `data.type`.
    - `data:` one line of JSON, an object carrying at least `seq`, `run_id`, `type` and
      `timestamp`; the other fields per type are the `RunEvent*` schemas in components.
    - `retry:` may be sent once, the reconnection delay the server suggests (ms).
    - Comment lines (`: keep-alive`) may arrive at any time and carry nothing.

    Event types: `status` (run status changes: queued, running, completed, failed,
    cancelled; open set), `progress` (node progress: node_id, value, max), `output` (an
    output is ready, with the same fields as the output endpoint), `log` (a log line), and
    `end`, the final event: the server closes the stream after it. Clients must pass
    through event types they do not know.

    Replay: the stream starts with every stored event from `from_seq` (inclusive; 0 and 1
    both mean "from the start", the default), then follows live events. A `Last-Event-ID: N`
    header resumes after N (from N+1) and takes precedence over `from_seq`. Asking for more
    than the run has, after it ended, gets an empty stream that closes at once.

    Args:
        run_id (str):
        from_seq (int | Unset):
        last_event_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | RunEventEnd | RunEventLog | RunEventOutput | RunEventProgress | RunEventStatus | str
    """

    return (
        await asyncio_detailed(
            run_id=run_id,
            client=client,
            from_seq=from_seq,
            last_event_id=last_event_id,
        )
    ).parsed
