"""Reading replies: generated models to the SDK's value classes, error replies to exceptions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, TypeVar

import httpx

from ._errors import (
    APIStatusError,
    AuthenticationError,
    FieldError,
    NotFoundError,
    OutputTimedOutError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    ValidationError,
)
from ._events import output_from_mapping
from ._operations import api_models, is_unset
from ._retry import parse_retry_after
from ._types import (
    ContainerHealth,
    ContainerQueue,
    Output,
    QueueEntry,
    Run,
    RunFailure,
    RunInput,
    RunOutputFile,
    RunPage,
    SubmittedRun,
    Workflow,
)

T = TypeVar("T")

OUTPUT_PATH = "/api/v1/runs/output"


def _opt(value: Any) -> Any:
    return None if is_unset(value) else value


def _opt_str(value: Any) -> str | None:
    value = _opt(value)
    return None if value is None else str(value)


def safe_url(url: httpx.URL) -> str:
    """The URL for messages and logs: no query on foreign hosts (signed links carry secrets)."""
    return str(url.copy_with(query=None, fragment=None))


def parse(response: httpx.Response, build: Callable[[Any], T]) -> T:
    """Run `build` on the JSON body; any shape problem becomes `ResponseValidationError`."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise ResponseValidationError(
            f"{response.request.method} {safe_url(response.request.url)} returned "
            f"{response.status_code} with a body that is not JSON: {response.text[:200]!r}",
            url=safe_url(response.request.url),
            status_code=response.status_code,
            body=response.text,
        ) from exc
    try:
        return build(body)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ResponseValidationError(
            f"{response.request.method} {safe_url(response.request.url)} returned a reply this "
            f"SDK cannot read ({type(exc).__name__}: {exc}): {json.dumps(body)[:300]}",
            url=safe_url(response.request.url),
            status_code=response.status_code,
            body=body,
        ) from exc


def _require_mapping(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise TypeError(f"expected a JSON object, got {type(body).__name__}")
    return body


# ---- success replies -----------------------------------------------------------------------


def health(body: Any) -> list[ContainerHealth]:
    reply = api_models().HealthResponse.from_dict(_require_mapping(body))
    return [
        ContainerHealth(
            container=_opt_str(item.container) or _opt_str(item.url), status=str(item.status)
        )
        for item in reply.data
    ]


def _entry(raw: Any) -> QueueEntry:
    items = list(raw) if isinstance(raw, list | tuple) else []
    number = items[0] if items and isinstance(items[0], int) else None
    run_id = str(items[1]) if len(items) > 1 and items[1] is not None else None
    return QueueEntry(number=number, run_id=run_id)


def queue(body: Any) -> list[ContainerQueue]:
    reply = api_models().QueueResponse.from_dict(_require_mapping(body))
    result = []
    for item in reply.data:
        running = _opt(item.queue.queue_running) or []
        pending = _opt(item.queue.queue_pending) or []
        result.append(
            ContainerQueue(
                container=_opt_str(item.container) or _opt_str(item.comfy_uri),
                running=tuple(_entry(e) for e in running),
                pending=tuple(_entry(e) for e in pending),
            )
        )
    return result


def _json_mapping(raw: Any) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if not raw:
        return {}
    decoded = json.loads(raw)
    if not isinstance(decoded, Mapping):
        raise ValueError(f"workflow inputs/outputs must be a JSON object, got {raw!r}")
    return dict(decoded)


def workflows(body: Any) -> list[Workflow]:
    reply = api_models().WorkflowsResponse.from_dict(_require_mapping(body))
    return [
        Workflow(
            id=str(item.id),
            name=str(item.name),
            description=_opt_str(item.description),
            inputs=_json_mapping(_opt(item.inputs)),
            outputs=_json_mapping(_opt(item.outputs)),
        )
        for item in reply.data
    ]


def submitted(body: Any, workflow_id: str) -> SubmittedRun:
    data = api_models().ExecuteResponse.from_dict(_require_mapping(body)).data
    return SubmittedRun(
        run_id=str(data.run_id),
        workflow_id=_opt_str(data.workflow_id) or workflow_id,
        output_names=tuple(str(n) for n in (_opt(data.output_names) or ())),
    )


def run_from_api(item: Any) -> Run:
    """A generated `flowscale_api.models.Run` as the SDK's `Run`."""
    error = _opt(item.error)
    return Run(
        id=str(item.field_id),
        status=str(item.status),
        workflow_id=_opt_str(item.workflow_id),
        group_id=_opt_str(item.group_id),
        team_id=_opt_str(item.team_id),
        inputs=tuple(
            RunInput(
                path=str(i.path),
                value=_opt_str(i.value),
                s3_key=_opt_str(i.s3_key),
                url=_opt_str(i.url),
            )
            for i in (_opt(item.inputs) or ())
        ),
        output_names=tuple(str(n) for n in (_opt(item.output_names) or ())),
        outputs=tuple(
            RunOutputFile(filename=str(o.filename), s3_key=_opt_str(o.s3_key), url=_opt_str(o.url))
            for o in (_opt(item.outputs) or ())
        ),
        created_at=_opt(item.created_at),
        started_at=_opt(item.started_at),
        completed_at=_opt(item.completed_at),
        error=None
        if error is None
        else RunFailure(
            message=str(error.message),
            node_id=_opt_str(error.node_id),
            node_type=_opt_str(error.node_type),
            exception_type=_opt_str(error.exception_type),
        ),
    )


def run(body: Any) -> Run:
    return run_from_api(api_models().RunResponse.from_dict(_require_mapping(body)).data)


def run_page(body: Any, page: int) -> RunPage:
    reply = api_models().RunListResponse.from_dict(_require_mapping(body))
    meta = _opt(reply.meta)
    runs = tuple(run_from_api(r) for r in reply.data.runs)
    if meta is None:
        return RunPage(runs=runs, page=page, group_id=_opt_str(reply.data.group_id))
    return RunPage(
        runs=runs,
        page=int(_opt(meta.page) or page),
        page_size=_opt(meta.page_size),
        total_count=_opt(meta.total_count),
        total_pages=_opt(meta.total_pages),
        sort_by=_opt_str(meta.sort_by),
        sort_order=_opt_str(meta.sort_order),
        group_id=_opt_str(meta.group_id),
    )


def output(body: Any, filename: str) -> Output:
    reply = api_models().OutputResponse.from_dict(_require_mapping(body))
    data = reply.data.to_dict()
    if not data.get("download_url") and data.get("file_content") is None:
        raise ValueError("the output has neither download_url nor file_content")
    return output_from_mapping(data, filename=str(data.get("filename") or filename))


def cancelled(body: Any) -> str:
    return str(api_models().CancelResponse.from_dict(_require_mapping(body)).data)


# ---- error replies -------------------------------------------------------------------------


def _error_text(body: Any) -> str:
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list):
            return "; ".join(str(e) for e in errors)
        if errors:
            return str(errors)
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        if isinstance(detail, list):
            return "; ".join(_detail_text(d) for d in detail)
    if isinstance(body, str):
        return body[:300]
    return ""


def _location(item: Mapping[str, Any]) -> tuple[str | int, ...]:
    loc = item.get("loc")
    if not isinstance(loc, list):
        return ()
    return tuple(p if isinstance(p, int) else str(p) for p in loc)


def _detail_text(item: Any) -> str:
    if not isinstance(item, Mapping):
        return str(item)
    where = ".".join(str(p) for p in _location(item))
    return f"{where}: {item.get('msg')}" if where else str(item.get("msg"))


def _field_errors(body: Any) -> list[FieldError]:
    detail = body.get("detail") if isinstance(body, Mapping) else None
    if not isinstance(detail, list):
        return []
    return [
        FieldError(
            loc=_location(d),
            msg=str(d.get("msg", "")),
            type=str(d.get("type", "")),
        )
        for d in detail
        if isinstance(d, Mapping)
    ]


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    408: OutputTimedOutError,
}

_HINTS: dict[int, str] = {
    401: " (send the API key: api_key=... or FLOWSCALE_API_KEY)",
    403: " (check the API key for this base URL)",
}


def status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error reply. The response body must have been read."""
    request = response.request
    try:
        body: Any = response.json()
    except (ValueError, UnicodeDecodeError):
        body = response.text
    try:
        reason = HTTPStatus(response.status_code).phrase
    except ValueError:
        reason = ""
    status = response.status_code
    text = _error_text(body)
    message = f"{request.method} {safe_url(request.url)} returned {status} {reason}".rstrip()
    message += (f": {text}" if text else "") + _HINTS.get(status, "")
    common: dict[str, Any] = {
        "method": request.method,
        "url": safe_url(request.url),
        "status_code": status,
        "body": body,
        "headers": dict(response.headers),
    }
    if status == 422:
        return ValidationError(message, errors=_field_errors(body), **common)
    if status == 429:
        return RateLimitError(message, retry_after=parse_retry_after(response.headers), **common)
    if status >= 500:
        return ServerError(message, **common)
    if status == 408 and not request.url.path.endswith(OUTPUT_PATH):
        return APIStatusError(message, **common)
    return _STATUS_ERRORS.get(status, APIStatusError)(message, **common)
