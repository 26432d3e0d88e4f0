"""Immutable value classes for what the API returns."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, overload

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


def _json_value(inst: object, field: attrs.Attribute[Any] | None, value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Mapping) and not attrs.has(type(value)):
        return dict(value)
    return value


def _not_raw(attribute: attrs.Attribute[Any], value: Any) -> bool:
    return attribute.name != "raw"


class _Value:
    """What every value class has: `raw`, the reply it was read from, and `to_dict()`."""

    __slots__ = ()
    if TYPE_CHECKING:
        __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]

    def to_dict(self) -> dict[str, Any]:
        """The value's fields as JSON-ready data (datetimes as ISO 8601 strings, tuples as
        lists, nested values as dicts), for `json.dumps` or a backend that relays results.

        Returns:
            A new dict; `raw` is not included (it is the server's own JSON).
        """
        result: dict[str, Any] = attrs.asdict(self, filter=_not_raw, value_serializer=_json_value)
        return result


def _raw() -> Any:
    # The JSON object of the reply a value was read from: fields the SDK does not model yet
    # are there. Not part of equality (two reads of one run compare equal).
    return attrs.field(factory=dict, eq=False, repr=False, kw_only=True)


@attrs.frozen(slots=True)
class ContainerHealth(_Value):
    """One ComfyUI container of the cluster. `container` falls back to the `url` field that
    some server versions send instead."""

    container: str | None
    status: str
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class QueueEntry(_Value):
    """One ComfyUI queue entry: its queue number and the run (prompt) id. `raw` is the
    entry as ComfyUI sends it, a JSON array."""

    number: int | None
    run_id: str | None
    raw: Sequence[Any] = attrs.field(factory=tuple, eq=False, repr=False, kw_only=True)


@attrs.frozen(slots=True)
class ContainerQueue(_Value):
    """The ComfyUI queue of one container: entries running now and entries waiting."""

    container: str | None
    running: tuple[QueueEntry, ...]
    pending: tuple[QueueEntry, ...]
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class Workflow(_Value):
    """A deployed workflow. `inputs` and `outputs` map field names to kinds (`"string"`,
    `"image"`, ...), decoded from the JSON strings the API sends."""

    id: str
    name: str
    description: str | None
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class SubmittedRun(_Value):
    """What `execute_workflow` returns: the new run's id and its workflow. `output_names` is
    only filled by servers of the older generation."""

    run_id: str
    workflow_id: str
    output_names: tuple[str, ...] = ()
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class RunInput(_Value):
    """One input of a run as the server recorded it: a value, or a file (`s3_key`, `url`)."""

    path: str
    value: str | None = None
    s3_key: str | None = None
    url: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class RunOutputFile(_Value):
    """One output file of a run as listed in the run's details."""

    filename: str
    s3_key: str | None = None
    url: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class RunFailure(_Value):
    """Why a run failed, as far as the server says."""

    message: str
    node_id: str | None = None
    node_type: str | None = None
    exception_type: str | None = None
    raw: Mapping[str, Any] = _raw()


@attrs.frozen(slots=True)
class Run(_Value):
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
    raw: Mapping[str, Any] = _raw()

    @property
    def run_id(self) -> str:
        """The run's id (the same as `id`, under the name the rest of the API uses)."""
        return self.id

    @property
    def is_finished(self) -> bool:
        """Whether the run has ended, whichever way (completed, failed, cancelled ...)."""
        return self.status in TERMINAL_STATUSES


@attrs.frozen(slots=True)
class RunPage(_Value):
    """One page of `get_runs`. Paging fields are None when the server does not send them."""

    runs: tuple[Run, ...]
    page: int
    page_size: int | None = None
    total_count: int | None = None
    total_pages: int | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    group_id: str | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def has_next(self) -> bool:
        """Whether a later page exists (False when the server sends no paging fields)."""
        if self.total_pages is not None:
            return self.page < self.total_pages
        # Servers without `meta` return everything at once.
        return False

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


@attrs.frozen(slots=True)
class Output(_Value):
    """One output of a run: a file behind `download_url`, or a text in `file_content`."""

    filename: str
    download_url: str | None = None
    file_content: str | None = None
    generation_status: str = "success"
    content_type: str | None = None
    size: int | None = None
    raw: Mapping[str, Any] = _raw()

    @property
    def is_text(self) -> bool:
        """Whether the output is a text carried inline (`file_content`), not a file."""
        return self.download_url is None and self.file_content is not None


@attrs.frozen(slots=True)
class RunResult(_Value):
    """What `execute_workflow_async` and `wait_for_run` return: every output of a completed
    run. Iterating it, `len()` and indexing go over `outputs`; `data` is the same tuple under
    the name the JS SDK's result uses."""

    run_id: str
    outputs: tuple[Output, ...]
    workflow_id: str | None = None
    status: str = "success"
    # The run's details as last read, when the wait read them (None when events sufficed).
    run: Run | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    @property
    def raw(self) -> Mapping[str, Any]:
        """The JSON of the run's details as last read (`run.raw`); {} if never read."""
        return self.run.raw if self.run is not None else {}

    @property
    def data(self) -> tuple[Output, ...]:
        """The outputs (`outputs`), under the name the JS SDK's result uses."""
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
        """The JS SDK 2.x result shape: `{"status": ..., "data": [{filename, ...}, ...]}`,
        JSON-ready (fields that are None are left out of each output)."""
        return {
            "status": self.status,
            "data": [{k: v for k, v in o.to_dict().items() if v is not None} for o in self.outputs],
        }
