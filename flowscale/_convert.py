"""Reading replies into the SDK's value classes, once, straight from the reply's JSON (no I/O).

Each reply is decoded once and each value class keeps the JSON object it was read from
(`raw`), so a field the server adds reaches users before the SDK models it. `MAPPED` and
`UNMAPPED` say, for every schema of the spec the facade reads, which property becomes which
attribute and which are left out on purpose: tests/unit/test_drift.py fails when the generated
models have a property in neither, so a spec change cannot be dropped silently.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from ._errors import ResponseValidationError
from ._events import output_from_mapping
from ._status import safe_url
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
JSON = Mapping[str, Any]

_ENVELOPE = {"data": "(the value itself)"}
_ENVELOPE_UNMAPPED = {
    "status": "always 'success' on a 2xx reply",
    "errors": "only set on error replies, which become exceptions",
}
_ENVELOPE_META_UNMAPPED = {
    **_ENVELOPE_UNMAPPED,
    "meta": "the vendor's free-form reply metadata (no documented fields); read it via `raw`",
}

# Schema -> {JSON property: the facade attribute it fills}.
MAPPED: Mapping[str, Mapping[str, str]] = {
    "HealthResponse": _ENVELOPE,
    "ContainerHealth": {
        "container": "ContainerHealth.container",
        "url": "ContainerHealth.container (fallback)",
        "status": "ContainerHealth.status",
    },
    "QueueResponse": _ENVELOPE,
    "ContainerQueue": {
        "container": "ContainerQueue.container",
        "comfy_uri": "ContainerQueue.container (fallback)",
        "queue": "ContainerQueue.running / pending",
    },
    "ComfyQueue": {
        "queue_running": "ContainerQueue.running",
        "queue_pending": "ContainerQueue.pending",
    },
    "WorkflowsResponse": _ENVELOPE,
    "Workflow": {
        "id": "Workflow.id",
        "name": "Workflow.name",
        "description": "Workflow.description",
        "inputs": "Workflow.inputs",
        "outputs": "Workflow.outputs",
    },
    "ExecuteResponse": _ENVELOPE,
    "RunCreated": {
        "run_id": "SubmittedRun.run_id",
        "workflow_id": "SubmittedRun.workflow_id",
        "output_names": "SubmittedRun.output_names",
    },
    "RunResponse": _ENVELOPE,
    "Run": {
        "_id": "Run.id",
        "team_id": "Run.team_id",
        "workflow_id": "Run.workflow_id",
        "group_id": "Run.group_id",
        "status": "Run.status",
        "inputs": "Run.inputs",
        "output_names": "Run.output_names",
        "outputs": "Run.outputs",
        "created_at": "Run.created_at",
        "started_at": "Run.started_at",
        "completed_at": "Run.completed_at",
        "error": "Run.error",
    },
    "RunInput": {
        "path": "RunInput.path",
        "value": "RunInput.value",
        "s3_key": "RunInput.s3_key",
        "url": "RunInput.url",
    },
    "RunOutput": {
        "filename": "RunOutputFile.filename",
        "s3_key": "RunOutputFile.s3_key",
        "url": "RunOutputFile.url",
    },
    "RunError": {
        "message": "RunFailure.message",
        "node_id": "RunFailure.node_id",
        "node_type": "RunFailure.node_type",
        "exception_type": "RunFailure.exception_type",
    },
    "RunListResponse": {"data": "RunPage.runs", "meta": "RunPage paging fields"},
    "RunList": {"runs": "RunPage.runs", "group_id": "RunPage.group_id"},
    "RunListMeta": {
        "sort_by": "RunPage.sort_by",
        "sort_order": "RunPage.sort_order",
        "page": "RunPage.page",
        "page_size": "RunPage.page_size",
        "group_id": "RunPage.group_id",
        "total_count": "RunPage.total_count",
        "total_pages": "RunPage.total_pages",
    },
    "OutputResponse": _ENVELOPE,
    "OutputData": {
        "download_url": "Output.download_url",
        "file_content": "Output.file_content",
        "generation_status": "Output.generation_status",
        "filename": "Output.filename",
        "content_type": "Output.content_type",
        "size": "Output.size",
    },
    "CancelResponse": {"data": "cancel_run's return value (the server's message)"},
}

# Schema -> {JSON property: why the facade does not map it} (still readable through `raw`).
UNMAPPED: Mapping[str, Mapping[str, str]] = {
    **{
        name: _ENVELOPE_UNMAPPED
        for name in ("WorkflowsResponse", "RunListResponse", "CancelResponse")
    },
    **{
        name: _ENVELOPE_META_UNMAPPED
        for name in (
            "HealthResponse",
            "QueueResponse",
            "ExecuteResponse",
            "RunResponse",
            "OutputResponse",
        )
    },
    "RunCreated": {
        "number": "ComfyUI's queue number at submission: stale at once (use get_queue)",
        "node_errors": "always empty on success; a failed submission is an error reply",
    },
    "RunList": {"count": "the page's length: len(page)"},
}


def parse(response: httpx.Response, build: Callable[[Any], T]) -> T:
    """Run `build` on the JSON body; any shape problem becomes `ResponseValidationError`."""
    try:
        body = json.loads(response.content)
    except RecursionError:
        raise ResponseValidationError(
            f"{response.request.method} {safe_url(response.request.url)} returned "
            f"{response.status_code} with JSON nested too deeply to read",
            url=safe_url(response.request.url),
            status_code=response.status_code,
            body=None,
        ) from None
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
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as exc:
        raise ResponseValidationError(
            f"{response.request.method} {safe_url(response.request.url)} returned a reply this "
            f"SDK cannot read ({type(exc).__name__}: {exc}): {json.dumps(body)[:300]}",
            url=safe_url(response.request.url),
            status_code=response.status_code,
            body=body,
        ) from exc


# ---- shapes ---------------------------------------------------------------------------------


def _object(value: object, what: str = "a JSON object") -> JSON:
    # `type(...) is dict` first: what json.loads makes, and far cheaper than the ABC check.
    if type(value) is not dict and not isinstance(value, Mapping):
        raise TypeError(f"expected {what}, got {type(value).__name__}")
    return value


def _list(value: object, what: str) -> Sequence[Any]:
    if value is None:
        return ()
    if type(value) is not list and not isinstance(value, list):
        raise TypeError(f"{what} must be a JSON array, got {type(value).__name__}")
    return value


def _str(value: object) -> str:
    return value if type(value) is str else str(value)


def _opt_str(value: object) -> str | None:
    return None if value is None else _str(value)


def _required_str(body: JSON, key: str) -> str:
    value = body[key]  # KeyError: a required property is missing
    if value is None:
        raise TypeError(f"{key} must not be null")
    return _str(value)


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _time(value: object) -> datetime.datetime | None:
    if type(value) is not str and not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


def _data(body: object) -> Any:
    return _object(body)["data"]


# ---- success replies ------------------------------------------------------------------------


def health(body: object) -> list[ContainerHealth]:
    """`check_health`'s reply."""
    result = []
    for item in _list(_data(body), "data"):
        item = _object(item)
        result.append(
            ContainerHealth(
                container=_opt_str(item.get("container")) or _opt_str(item.get("url")),
                status=_required_str(item, "status"),
                raw=item,
            )
        )
    return result


def _entry(raw: object) -> QueueEntry:
    items = list(raw) if isinstance(raw, list | tuple) else []
    number = items[0] if items and isinstance(items[0], int) else None
    run_id = str(items[1]) if len(items) > 1 and items[1] is not None else None
    return QueueEntry(number=number, run_id=run_id, raw=tuple(items))


def queue(body: object) -> list[ContainerQueue]:
    """`get_queue`'s reply."""
    result = []
    for item in _list(_data(body), "data"):
        item = _object(item)
        entries = _object(item["queue"])
        result.append(
            ContainerQueue(
                container=_opt_str(item.get("container")) or _opt_str(item.get("comfy_uri")),
                running=tuple(_entry(e) for e in _list(entries.get("queue_running"), "running")),
                pending=tuple(_entry(e) for e in _list(entries.get("queue_pending"), "pending")),
                raw=item,
            )
        )
    return result


def _json_mapping(raw: object) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if not raw:
        return {}
    if not isinstance(raw, str):
        raise TypeError(f"workflow inputs/outputs must be JSON text, got {type(raw).__name__}")
    decoded = json.loads(raw)
    if not isinstance(decoded, Mapping):
        raise ValueError(f"workflow inputs/outputs must be a JSON object, got {raw!r}")
    return dict(decoded)


def workflows(body: object) -> list[Workflow]:
    """`get_workflows`' reply."""
    result = []
    for item in _list(_data(body), "data"):
        item = _object(item)
        result.append(
            Workflow(
                id=_required_str(item, "id"),
                name=_required_str(item, "name"),
                description=_opt_str(item.get("description")),
                inputs=_json_mapping(item.get("inputs")),
                outputs=_json_mapping(item.get("outputs")),
                raw=item,
            )
        )
    return result


def submitted(body: object, workflow_id: str) -> SubmittedRun:
    """`execute_workflow`'s reply."""
    data = _object(_data(body))
    return SubmittedRun(
        run_id=_required_str(data, "run_id"),
        workflow_id=_opt_str(data.get("workflow_id")) or workflow_id,
        output_names=tuple(_str(n) for n in _list(data.get("output_names"), "output_names")),
        raw=data,
    )


def _failure(value: object) -> RunFailure | None:
    if value is None:
        return None
    error = _object(value, "error to be a JSON object")
    return RunFailure(
        message=_required_str(error, "message"),
        node_id=_opt_str(error.get("node_id")),
        node_type=_opt_str(error.get("node_type")),
        exception_type=_opt_str(error.get("exception_type")),
        raw=error,
    )


# The run readers below are on every get_run and every poll: positional arguments (in field
# order) and `_opt_str` inlined as `str`-or-None checks keep them lean; the checks are those of
# the helpers above.


def _run_input(value: object) -> RunInput:
    item = _object(value)
    get = item.get
    v, key, url = get("value"), get("s3_key"), get("url")
    return RunInput(
        _required_str(item, "path"),
        v if v is None or type(v) is str else str(v),
        key if key is None or type(key) is str else str(key),
        url if url is None or type(url) is str else str(url),
        raw=item,
    )


def _run_output(value: object) -> RunOutputFile:
    item = _object(value)
    get = item.get
    key, url = get("s3_key"), get("url")
    return RunOutputFile(
        _required_str(item, "filename"),
        key if key is None or type(key) is str else str(key),
        url if url is None or type(url) is str else str(url),
        raw=item,
    )


def run_from_mapping(value: object) -> Run:
    """One run object of the API (`Run` schema)."""
    item = _object(value)
    get = item.get
    workflow_id, group_id, team_id = get("workflow_id"), get("group_id"), get("team_id")
    error = get("error")
    return Run(
        _required_str(item, "_id"),
        _required_str(item, "status"),
        workflow_id if workflow_id is None or type(workflow_id) is str else str(workflow_id),
        group_id if group_id is None or type(group_id) is str else str(group_id),
        team_id if team_id is None or type(team_id) is str else str(team_id),
        tuple([_run_input(i) for i in _list(get("inputs"), "inputs")]),
        tuple([_str(n) for n in _list(get("output_names"), "output_names")]),
        tuple([_run_output(o) for o in _list(get("outputs"), "outputs")]),
        _time(get("created_at")),
        _time(get("started_at")),
        _time(get("completed_at")),
        None if error is None else _failure(error),
        raw=item,
    )


def run(body: object) -> Run:
    """`get_run`'s reply."""
    return run_from_mapping(_data(body))


def run_page(body: object, page: int) -> RunPage:
    """`get_runs`' reply; `page` is the page asked for (servers without `meta` omit it)."""
    reply = _object(body)
    data = _object(reply["data"])
    runs = tuple(run_from_mapping(r) for r in _list(data["runs"], "runs"))
    meta = reply.get("meta")
    if meta is None:
        return RunPage(runs=runs, page=page, group_id=_opt_str(data.get("group_id")), raw=reply)
    meta = _object(meta)
    return RunPage(
        runs=runs,
        page=_opt_int(meta.get("page")) or page,
        page_size=_opt_int(meta.get("page_size")),
        total_count=_opt_int(meta.get("total_count")),
        total_pages=_opt_int(meta.get("total_pages")),
        sort_by=_opt_str(meta.get("sort_by")),
        sort_order=_opt_str(meta.get("sort_order")),
        group_id=_opt_str(meta.get("group_id")),
        raw=reply,
    )


def output(body: object, filename: str) -> Output:
    """`get_output`'s reply; `filename` is the name asked for."""
    data = _object(_data(body))
    if not data.get("download_url") and data.get("file_content") is None:
        raise ValueError("the output has neither download_url nor file_content")
    return output_from_mapping(data, filename=str(data.get("filename") or filename))


def cancelled(body: object) -> str:
    """`cancel_run`'s reply: the server's message."""
    return _required_str(_object(body), "data")
