"""Progress updates passed to `on_intermediate_response`: the five kinds the JS SDK documents."""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from ._types import Output, Run, RunResult

__all__ = [
    "Completed",
    "OutputStatus",
    "PollRetry",
    "RunStatusUpdate",
    "Update",
    "WorkflowSubmitted",
]


@attrs.frozen(slots=True)
class WorkflowSubmitted:
    """The run was created."""

    type: ClassVar[Literal["workflow_submitted"]] = "workflow_submitted"
    run_id: str
    workflow_id: str | None


@attrs.frozen(slots=True)
class RunStatusUpdate:
    """The run's status (or queue position) changed. `run` is set when the update comes from
    reading the run (polling); `queue_position` while the server reports one."""

    type: ClassVar[Literal["run_status"]] = "run_status"
    run_id: str
    status: str
    queue_position: int | None = None
    run: Run | None = None


@attrs.frozen(slots=True)
class OutputStatus:
    """An output is known but not ready yet (`output` is None), or is ready."""

    type: ClassVar[Literal["output_status"]] = "output_status"
    run_id: str
    filename: str
    ready: bool
    output: Output | None = None


@attrs.frozen(slots=True)
class PollRetry:
    """Following the run failed for a moment; the SDK tries again after `delay` seconds.
    `attempt` counts consecutive failures from 1."""

    type: ClassVar[Literal["poll_retry"]] = "poll_retry"
    run_id: str
    attempt: int
    delay: float
    error: Exception


@attrs.frozen(slots=True)
class Completed:
    """The run completed; `result` is what the call returns."""

    type: ClassVar[Literal["completed"]] = "completed"
    run_id: str
    result: RunResult


Update = WorkflowSubmitted | RunStatusUpdate | OutputStatus | PollRetry | Completed
