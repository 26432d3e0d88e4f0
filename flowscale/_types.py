"""Immutable value classes for what the API returns."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator, Mapping
from typing import Any, overload

import attrs

__all__ = [
    "ContainerHealth",
    "ContainerQueue",
    "Output",
    "QueueEntry",
    "Run",
    "RunFailure",
    "RunInput",
    "RunOutputFile",
    "RunPage",
    "RunResult",
    "RunStatus",
    "SubmittedRun",
    "TERMINAL_STATUSES",
    "Workflow",
]


class RunStatus(enum.StrEnum):
    """The run statuses this SDK knows. Fields stay plain `str`: servers may add values."""

    QUEUED = "queued"
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    SUCCESS = "success"
    FAILED = "failed"
    ERROR = "error"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"


SUCCESS_STATUSES = frozenset({RunStatus.COMPLETED, RunStatus.SUCCESS})
FAILURE_STATUSES = frozenset({RunStatus.FAILED, RunStatus.ERROR, RunStatus.TIMEOUT})
CANCELLED_STATUSES = frozenset({RunStatus.CANCELLED, "canceled"})
TERMINAL_STATUSES: frozenset[str] = SUCCESS_STATUSES | FAILURE_STATUSES | CANCELLED_STATUSES


@attrs.frozen(slots=True)
class ContainerHealth:
    """One ComfyUI container of the cluster. `container` falls back to the `url` field that
    some server versions send instead."""

    container: str | None
    status: str


@attrs.frozen(slots=True)
class QueueEntry:
    """One ComfyUI queue entry: its queue number and the run (prompt) id."""

    number: int | None
    run_id: str | None


@attrs.frozen(slots=True)
class ContainerQueue:
    container: str | None
    running: tuple[QueueEntry, ...]
    pending: tuple[QueueEntry, ...]


@attrs.frozen(slots=True)
class Workflow:
    """A deployed workflow. `inputs` and `outputs` map field names to kinds (`"string"`,
    `"image"`, ...), decoded from the JSON strings the API sends."""

    id: str
    name: str
    description: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]


@attrs.frozen(slots=True)
class SubmittedRun:
    """What `execute_workflow` returns: the new run's id and its workflow. `output_names` is
    only filled by servers of the older generation."""

    run_id: str
    workflow_id: str
    output_names: tuple[str, ...] = ()


@attrs.frozen(slots=True)
class RunInput:
    path: str
    value: str | None = None
    s3_key: str | None = None
    url: str | None = None


@attrs.frozen(slots=True)
class RunOutputFile:
    filename: str
    s3_key: str | None = None
    url: str | None = None


@attrs.frozen(slots=True)
class RunFailure:
    """Why a run failed, as far as the server says."""

    message: str
    node_id: str | None = None
    node_type: str | None = None
    exception_type: str | None = None


@attrs.frozen(slots=True)
class Run:
    """One run. `status` is an open string: compare with `RunStatus` members."""

    id: str
    status: str
    workflow_id: str | None = None
    group_id: str | None = None
    team_id: str | None = None
    inputs: tuple[RunInput, ...] = ()
    output_names: tuple[str, ...] = ()
    outputs: tuple[RunOutputFile, ...] = ()
    created_at: datetime.datetime | None = None
    started_at: datetime.datetime | None = None
    completed_at: datetime.datetime | None = None
    error: RunFailure | None = None

    @property
    def run_id(self) -> str:
        return self.id

    @property
    def is_finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


@attrs.frozen(slots=True)
class RunPage:
    """One page of `get_runs`. Paging fields are None when the server does not send them."""

    runs: tuple[Run, ...]
    page: int
    page_size: int | None = None
    total_count: int | None = None
    total_pages: int | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    group_id: str | None = None

    @property
    def has_next(self) -> bool:
        if self.total_pages is not None:
            return self.page < self.total_pages
        # Servers without `meta` return everything at once.
        return False

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


@attrs.frozen(slots=True)
class Output:
    """One output of a run: a file behind `download_url`, or a text in `file_content`."""

    filename: str
    download_url: str | None = None
    file_content: str | None = None
    generation_status: str = "success"
    content_type: str | None = None
    size: int | None = None

    @property
    def is_text(self) -> bool:
        return self.download_url is None and self.file_content is not None


@attrs.frozen(slots=True)
class RunResult:
    """What `execute_workflow_async` and `wait_for_run` return: every output of a completed
    run. Iterating it, `len()` and indexing go over `outputs`; `data` is the same tuple under
    the name the JS SDK's result uses."""

    run_id: str
    outputs: tuple[Output, ...]
    workflow_id: str | None = None
    status: str = "success"

    @property
    def data(self) -> tuple[Output, ...]:
        return self.outputs

    def __iter__(self) -> Iterator[Output]:
        return iter(self.outputs)

    def __len__(self) -> int:
        return len(self.outputs)

    @overload
    def __getitem__(self, index: int) -> Output: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Output, ...]: ...
    def __getitem__(self, index: int | slice) -> Output | tuple[Output, ...]:
        return self.outputs[index]

    def to_dict(self) -> dict[str, Any]:
        """The JS SDK 2.x result shape: `{"status": ..., "data": [{filename, ...}, ...]}`."""
        return {
            "status": self.status,
            "data": [
                {k: v for k, v in attrs.asdict(o).items() if v is not None} for o in self.outputs
            ],
        }
