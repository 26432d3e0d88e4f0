"""Progress updates passed to `on_intermediate_response`: the five kinds the JS SDK documents."""

from __future__ import annotations

from typing import ClassVar, Literal

import attrs

from ._types import Output, Run, RunResult

__all__ = [
    "Completed",
    "EventsMissed",
    "OutputStatus",
    "PollRetry",
    "RunStatusUpdate",
    "Update",
    "WorkflowSubmitted",
]


@attrs.frozen(slots=True)
class WorkflowSubmitted:
    """The run was created (the first update of `execute_workflow_async`).

    Attributes:
        type: `"workflow_submitted"`.
        run_id: The new run's id.
        workflow_id: The workflow it runs, when the server says.
    """

    type: ClassVar[Literal["workflow_submitted"]] = "workflow_submitted"
    run_id: str
    workflow_id: str | None


@attrs.frozen(slots=True)
class RunStatusUpdate:
    """The run's status (or queue position) changed.

    Attributes:
        type: `"run_status"`.
        run_id: The run.
        status: Its status now (compare with `RunStatus`).
        queue_position: Its place in the queue, while the server reports one.
        run: The whole run, when the update comes from reading it (polling); None when it
            comes from the event stream.
    """

    type: ClassVar[Literal["run_status"]] = "run_status"
    run_id: str
    status: str
    queue_position: int | None = None
    run: Run | None = None


@attrs.frozen(slots=True)
class OutputStatus:
    """An output is known but not ready yet, or is ready.

    Attributes:
        type: `"output_status"`.
        run_id: The run.
        filename: The output's name.
        ready: Whether it can be downloaded now.
        output: The output once ready, else None.
    """

    type: ClassVar[Literal["output_status"]] = "output_status"
    run_id: str
    filename: str
    ready: bool
    output: Output | None = None


@attrs.frozen(slots=True)
class PollRetry:
    """Following the run failed for a moment; the SDK tries again after `delay` seconds.

    Also sent once when the event stream keeps failing and the wait continues by polling.

    Attributes:
        type: `"poll_retry"`.
        run_id: The run.
        attempt: Consecutive failures so far, from 1.
        delay: Seconds until the next try.
        error: What failed (a `FlowscaleError` in practice).
    """

    type: ClassVar[Literal["poll_retry"]] = "poll_retry"
    run_id: str
    attempt: int
    delay: float
    error: Exception


@attrs.frozen(slots=True)
class EventsMissed:
    """`on_event` will not get the run's events after `after_seq`: they could not be had.

    While a wait follows the run by polling it keeps reopening the event stream from the
    last event delivered, so a stream that fails for a while costs no event. This update
    says that it did cost some: the server has no event stream (`reason="unavailable"`),
    or the run ended and the stream still could not be reopened to replay what was missed
    (`reason="failed"`). It is sent at most once per wait, and only to a wait given an
    `on_event` callback; the wait itself goes on and returns the run's result.

    Attributes:
        type: `"events_missed"`.
        run_id: The run.
        after_seq: Sequence number of the last event `on_event` received (0: none).
        reason: `"unavailable"` or `"failed"`.
        error: The last error of the event stream.
    """

    type: ClassVar[Literal["events_missed"]] = "events_missed"
    run_id: str
    after_seq: int
    reason: Literal["unavailable", "failed"]
    error: Exception | None = None


@attrs.frozen(slots=True)
class Completed:
    """The run completed: the last update.

    Attributes:
        type: `"completed"`.
        run_id: The run.
        result: What the waiting call returns.
    """

    type: ClassVar[Literal["completed"]] = "completed"
    run_id: str
    result: RunResult


Update = WorkflowSubmitted | RunStatusUpdate | OutputStatus | PollRetry | EventsMissed | Completed
"""Any update `on_intermediate_response` receives; tell them apart by class or by `type`."""
