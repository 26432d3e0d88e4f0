"""`FlowscaleAPI`: code written for the vendor's Python SDK 1.x, run unchanged on `Flowscale`.

The 1.x SDK (PyPI `flowscale` 1.0.1 and 1.1.4) returned the API's JSON as dicts and took its
timeouts in milliseconds. This class keeps those names, parameters and dict shapes, and does
every request, retry, wait and upload through a `Flowscale` client: it holds no policy of its
own, only the translation of arguments in and of typed values back to 1.x dicts.

One 1.x behaviour is not kept: a `str` that names an existing file was uploaded as that file,
so a prompt that happened to match a file name leaked the file. Here such a `str` raises
`ValueError` saying how to pass a file; nothing is uploaded and nothing is sent as text.
"""

from __future__ import annotations

import datetime
import os
import warnings
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, TypedDict

from ._inputs import numbered_inputs
from ._sync._client import Flowscale
from ._types import Output, Run

__all__ = ["FlowscaleAPI"]

SortBy = Literal["created_at", "started_at", "completed_at"]
SortOrder = Literal["asc", "desc"]


# ---- the 1.x result shapes (flowscale 1.1.4, flowscale/types.py) ----------------------------


class ContainerStatus(TypedDict):
    """One container's health in 1.x's `check_health()` result."""

    container: str | None
    status: str


class HealthCheckResponse(TypedDict):
    """1.x's `check_health()` result: `{"status": "success", "data": [ContainerStatus, ...]}`."""

    status: str
    data: list[ContainerStatus]


class QueueItem(TypedDict):
    """One container's queue in 1.x's `get_queue()` result (`queue_running`, `queue_pending`)."""

    container: str | None
    queue: dict[str, Any]


class QueueResponse(TypedDict):
    """1.x's `get_queue()` result: `{"status": "success", "data": [QueueItem, ...]}`."""

    status: str
    data: list[QueueItem]


class ExecuteWorkflowResponseData(TypedDict):
    """The `data` of 1.x's `execute_workflow()` result: the new run's id and its workflow."""

    run_id: str
    workflow_id: str


class ExecuteWorkflowResponse(TypedDict):
    """1.x's `execute_workflow()` result: `{"status": "success", "data": {run_id, workflow_id}}`."""

    status: str
    data: ExecuteWorkflowResponseData


class GetOutputResponse(TypedDict):
    """1.x's `get_output()` result: `data` holds `download_url`
    (or `file_content`) and `generation_status`.
    """

    status: str
    data: dict[str, Any]  # download_url (or file_content) and generation_status


class RunDetailResponse(TypedDict):
    """1.x's `get_run()` result: `data` is the run as the API sends it
    (`_id`, `status`, `inputs`, `outputs`, ...).
    """

    status: str
    data: dict[str, Any]  # _id, team_id, workflow_id, group_id, status, inputs, outputs, ...


class RunListResponse(TypedDict):
    """1.x's `get_runs()` result: paging in `meta`, the runs in `data["runs"]`."""

    status: str
    meta: dict[str, Any]
    data: dict[str, Any]  # {"runs": [...]}


class CancelRunResponse(TypedDict):
    """1.x's `cancel_run()` result: `data` is the server's message."""

    status: str
    data: str


class ExecuteWorkflowAsyncOutput(TypedDict):
    """1.x's `execute_workflow_async()` result: every output by filename, their
    count and the status.
    """

    run_id: str
    workflow_id: str
    outputs: dict[str, GetOutputResponse]
    total_outputs: int
    status: str


# ---- arguments in -----------------------------------------------------------------------------


def _looks_like_file(value: Any) -> bool:
    return callable(getattr(value, "read", None))


def _check_not_a_path(name: str, value: str) -> str:
    try:
        is_file = os.path.isfile(value)
    except (ValueError, OSError):  # NUL bytes, names too long: not a file
        is_file = False
    if is_file:
        raise ValueError(
            f"input {name!r}: the text {value!r} names an existing file. FlowscaleAPI 1.x "
            "uploaded such a text as the file; this SDK never reads a str as a path. To upload "
            f"the file, pass pathlib.Path({value!r}) or open({value!r}, 'rb'); to send the text "
            "itself, use flowscale.Flowscale, where a str is always text."
        )
    return value


def _legacy_inputs(data: Mapping[str, Any]) -> dict[str, Any]:
    """1.x's form rules: a list or tuple becomes fields `name_0`, `name_1`, ...; None is left
    out (as `requests` did). Everything else is `Flowscale`'s encoding."""
    if not isinstance(data, Mapping):
        raise TypeError(f"data must be a dict of input name to value, not {type(data).__name__}")
    inputs: dict[str, Any] = {}

    def add(name: str, value: Any) -> None:
        if value is None:
            return
        inputs[name] = _check_not_a_path(name, value) if isinstance(value, str) else value

    for name, value in data.items():
        if isinstance(value, list | tuple):
            for numbered, item in numbered_inputs(name, value):
                add(numbered, item)
        else:
            add(name, value)
    return inputs


def _seconds(name: str, value: Any, per_second: int) -> float:
    """`value` (in 1/`per_second` of a second) as seconds; a `TypeError` naming the unit."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        unit = "milliseconds" if per_second == 1000 else "seconds"
        raise TypeError(f"{name} must be a positive number of {unit}, not {value!r}")
    return float(value) / per_second


def _wait_seconds(
    timeout_ms: Any, poll_interval_ms: Any, legacy: Mapping[str, Any]
) -> tuple[float, float]:
    """(timeout, poll interval) in seconds from 1.1.4's `timeout_ms`/`poll_interval_ms`, or
    1.0's `timeout`/`polling_interval` (seconds, still shown in the 1.1.4 README)."""
    unknown = set(legacy) - {"timeout", "polling_interval"}
    if unknown:
        raise TypeError(
            f"execute_workflow_async() got unexpected keyword argument(s) {sorted(unknown)}"
        )
    timeout = _seconds("timeout_ms", timeout_ms, 1000)
    interval = _seconds("poll_interval_ms", poll_interval_ms, 1000)
    if "timeout" in legacy:
        timeout = _seconds("timeout", legacy["timeout"], 1)
    if "polling_interval" in legacy:
        interval = _seconds("polling_interval", legacy["polling_interval"], 1)
    return timeout, interval


# ---- results out ----------------------------------------------------------------------------


def _timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _run_dict(run: Run) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "_id": run.id,
        "team_id": run.team_id,
        "workflow_id": run.workflow_id,
        "group_id": run.group_id,
        "status": run.status,
        "inputs": [
            {"path": i.path, "value": i.value, "s3_key": i.s3_key, "url": i.url} for i in run.inputs
        ],
        "outputs": [
            {"filename": o.filename, "s3_key": o.s3_key, "url": o.url} for o in run.outputs
        ],
        "output_names": list(run.output_names),
        "created_at": _timestamp(run.created_at),
        "started_at": _timestamp(run.started_at),
        "completed_at": _timestamp(run.completed_at),
    }
    if run.error is not None:
        detail["error"] = {
            key: value
            for key, value in (
                ("message", run.error.message),
                ("node_id", run.error.node_id),
                ("node_type", run.error.node_type),
                ("exception_type", run.error.exception_type),
            )
            if value is not None
        }
    return detail


def _output_dict(output: Output) -> GetOutputResponse:
    data: dict[str, Any] = {"generation_status": output.generation_status}
    if output.download_url is not None:
        data["download_url"] = output.download_url
    if output.file_content is not None:
        data["file_content"] = output.file_content
    data["filename"] = output.filename
    return {"status": "success", "data": data}


# ---- the client -------------------------------------------------------------------------------


class FlowscaleAPI:
    """The vendor's 1.x client, for code written against it. Deprecated: use `Flowscale`.

    `FlowscaleAPI(api_key, base_url)` as in 1.x (both default to `FLOWSCALE_API_KEY` /
    `FLOWSCALE_API_URL`); other keyword arguments go to `Flowscale` (`timeout`, `max_retries`,
    ...). Methods return the 1.x dicts; errors are `flowscale.FlowscaleError` subclasses
    (1.x raised bare `Exception`, which `except Exception` still catches). The underlying
    `Flowscale` is `.client`.
    """

    def __init__(
        self, api_key: str | None = None, base_url: str | None = None, **options: Any
    ) -> None:
        warnings.warn(
            "flowscale.FlowscaleAPI is the 1.x interface, kept so that old code runs; use "
            "flowscale.Flowscale (typed results, seconds for timeouts). See docs/migration.md.",
            DeprecationWarning,
            stacklevel=2,
        )
        self._client = Flowscale(api_key, base_url, **options)

    @property
    def client(self) -> Flowscale:
        return self._client

    @property
    def base_url(self) -> str:
        return self._client.base_url

    def __repr__(self) -> str:
        return f"FlowscaleAPI({self._client!r})"

    def close(self) -> None:
        """Close the underlying `Flowscale` client and its connections."""
        self._client.close()

    def __enter__(self) -> FlowscaleAPI:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def check_health(self) -> HealthCheckResponse:
        """Each container's health, as 1.x returned it (`HealthCheckResponse`).

        Raises:
            FlowscaleError: the request failed (see `Flowscale.check_health`).
        """
        return {
            "status": "success",
            "data": [
                {"container": c.container, "status": c.status} for c in self._client.check_health()
            ],
        }

    def get_queue(self) -> QueueResponse:
        """Each container's running and pending queue, as 1.x returned it (`QueueResponse`).

        Raises:
            FlowscaleError: the request failed (see `Flowscale.get_queue`).
        """
        return {
            "status": "success",
            "data": [
                {
                    "container": c.container,
                    "queue": {
                        "queue_running": [[e.number, e.run_id] for e in c.running],
                        "queue_pending": [[e.number, e.run_id] for e in c.pending],
                    },
                }
                for c in self._client.get_queue()
            ],
        }

    def execute_workflow(
        self, workflow_id: str, data: dict[str, Any], group_id: str | None = None
    ) -> ExecuteWorkflowResponse:
        """Start a run of `workflow_id` with the inputs `data`.

        Lists become fields `name_0`, `name_1`, ..., as in 1.x.

        Returns:
            `{"status": "success", "data": {"run_id": ..., "workflow_id": ...}}`.

        Raises:
            ValueError: a `str` value names an existing file (pass `pathlib.Path` to upload it).
            FlowscaleError: the request failed; `RunMayExistError` when the run may exist.
        """
        submitted = self._client.execute_workflow(workflow_id, _legacy_inputs(data), group_id)
        return {
            "status": "success",
            "data": {"run_id": submitted.run_id, "workflow_id": submitted.workflow_id},
        }

    def execute_workflow_async(
        self,
        workflow_id: str,
        data: dict[str, Any],
        group_id: str | None = None,
        timeout_ms: int = 600000,
        poll_interval_ms: int = 2000,
        **legacy_seconds: Any,
    ) -> ExecuteWorkflowAsyncOutput:
        """Start a run, wait for every output and return them by name, as 1.1.4 did.

        `timeout_ms`/`poll_interval_ms` as in 1.1.4; `timeout=`/`polling_interval=` (seconds)
        as in 1.0. A failed or cancelled run raises `RunFailedError`/`RunCancelledError`, a
        timeout `RunTimeoutError`.
        """
        timeout, interval = _wait_seconds(timeout_ms, poll_interval_ms, legacy_seconds)
        result = self._client.execute_workflow_async(
            workflow_id, _legacy_inputs(data), group_id, poll_interval=interval, timeout=timeout
        )
        return {
            "run_id": result.run_id,
            "workflow_id": result.workflow_id or workflow_id,
            "outputs": {output.filename: _output_dict(output) for output in result},
            "total_outputs": len(result),
            "status": "completed",
        }

    def get_output(self, filename: str) -> GetOutputResponse | None:
        """The output named `filename` (`GetOutputResponse`), or None while it is not ready.

        Raises:
            FlowscaleError: the request failed (see `Flowscale.get_output`).
        """
        output = self._client.get_output(filename)
        return None if output is None else _output_dict(output)

    def cancel_run(self, run_id: str) -> CancelRunResponse:
        """Cancel the run `run_id`; `data` is the server's message.

        Raises:
            NotFoundError: there is no such run.
        """
        return {"status": "success", "data": self._client.cancel_run(run_id)}

    def get_run(self, run_id: str) -> RunDetailResponse:
        """The run `run_id` as 1.x returned it (`RunDetailResponse`).

        Raises:
            NotFoundError: there is no such run.
        """
        return {"status": "success", "data": _run_dict(self._client.get_run(run_id))}

    def get_runs(
        self,
        group_id: str | None = None,
        sort_by: SortBy = "created_at",
        sort_order: SortOrder = "desc",
        page: int = 1,
        page_size: int = 10,
    ) -> RunListResponse:
        """One page of runs, optionally of one group, as 1.x returned it (`RunListResponse`).

        Raises:
            FlowscaleError: the request failed (see `Flowscale.get_runs`).
        """
        result = self._client.get_runs(
            group_id, sort_by=sort_by, sort_order=sort_order, page=page, page_size=page_size
        )
        return {
            "status": "success",
            "meta": {
                "sort_by": result.sort_by or sort_by,
                "sort_order": result.sort_order or sort_order,
                "page": result.page,
                "group_id": result.group_id,
                "page_size": result.page_size if result.page_size is not None else page_size,
                "total_count": result.total_count
                if result.total_count is not None
                else len(result),
                "total_pages": result.total_pages if result.total_pages is not None else 1,
            },
            "data": {"runs": [_run_dict(run) for run in result]},
        }
