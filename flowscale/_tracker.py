"""What is known of a run being waited for, fed by events or by polls (no I/O).

The sync and async waiters both drive one `RunTracker`: it turns what they observe into the
updates the caller sees, and decides when the wait is over and how it ended.
"""

from __future__ import annotations

from ._errors import RunCancelledError, RunFailedError
from ._events import EndEvent, OutputEvent, RunEvent, StatusEvent
from ._types import (
    CANCELLED_STATUSES,
    FAILURE_STATUSES,
    SUCCESS_STATUSES,
    Output,
    Run,
    RunFailure,
    RunResult,
)
from ._updates import Completed, OutputStatus, RunStatusUpdate, Update

__all__ = ["RunTracker"]


class RunTracker:
    def __init__(self, run_id: str, workflow_id: str | None = None) -> None:
        self.run_id = run_id
        self.workflow_id = workflow_id
        self.status: str | None = None
        self.queue_position: int | None = None
        self.failure: RunFailure | None = None
        self.run: Run | None = None
        self.last_seq = 0
        self.events_complete = False  # the stream's final event was seen: no event is left
        self._outputs: dict[str, Output | None] = {}  # name -> None while not ready
        self._ended = False

    # ---- what the waiter observed ---------------------------------------------------------

    def on_event(self, event: RunEvent) -> list[Update]:
        self.last_seq = max(self.last_seq, event.seq)
        if isinstance(event, StatusEvent):
            if event.error is not None:
                self.failure = event.error
            return self._status(event.status, event.queue_position)
        if isinstance(event, OutputEvent):
            return self._ready(event.output)
        if isinstance(event, EndEvent):
            updates = self._status(event.status, None)
            self._ended = True
            self.events_complete = True
            return updates
        return []

    def on_run(self, run: Run) -> list[Update]:
        """A polled run detail."""
        self.run = run
        self.workflow_id = self.workflow_id or run.workflow_id
        if run.error is not None:
            self.failure = run.error
        updates: list[Update] = []
        if run.status != self.status:
            self.status = run.status
            updates.append(RunStatusUpdate(self.run_id, run.status, None, run))
        for name in run.output_names:
            if name not in self._outputs and not self._known_as_file(name):
                self._outputs[name] = None
                updates.append(OutputStatus(self.run_id, name, ready=False))
        if self.finished_status:
            self._ended = True
        return updates

    def on_output(self, name: str, output: Output | None) -> list[Update]:
        """A polled output: None while the server says it is not ready (204)."""
        if output is None:
            return []
        self._outputs.pop(name, None)
        return self._ready(output)

    # ---- what the waiter should do next ---------------------------------------------------

    @property
    def finished_status(self) -> bool:
        return self.status is not None and (
            self.status in SUCCESS_STATUSES
            or self.status in FAILURE_STATUSES
            or self.status in CANCELLED_STATUSES
        )

    @property
    def pending_outputs(self) -> list[str]:
        """Output names known but not fetched yet (polling only)."""
        return [name for name, out in self._outputs.items() if out is None]

    @property
    def done(self) -> bool:
        """Whether the wait is over: the run ended, and if it succeeded every output is in."""
        if not self._ended:
            return False
        return self.status not in SUCCESS_STATUSES or not self.pending_outputs

    def result(self) -> RunResult:
        """The outputs of a completed run, or the error of a run that did not complete."""
        status = self.status or ""
        if status in SUCCESS_STATUSES:
            outputs = tuple(o for o in self._outputs.values() if o is not None)
            return RunResult(
                run_id=self.run_id, outputs=outputs, workflow_id=self.workflow_id, run=self.run
            )
        if status in CANCELLED_STATUSES:
            raise RunCancelledError(
                f"run {self.run_id} was cancelled", run_id=self.run_id, run=self.run
            )
        failure = self.failure
        where = ""
        if failure is not None and failure.node_id:
            where = f" in node {failure.node_id}" + (
                f" ({failure.node_type})" if failure.node_type else ""
            )
        reason = f": {failure.message}" if failure is not None else ""
        raise RunFailedError(
            f"run {self.run_id} {status or 'failed'}{where}{reason}",
            run_id=self.run_id,
            run=self.run,
            error=failure.message if failure else None,
            node_id=failure.node_id if failure else None,
            node_type=failure.node_type if failure else None,
        )

    def completed(self, result: RunResult) -> Completed:
        return Completed(self.run_id, result)

    # ---- internals ------------------------------------------------------------------------

    def _status(self, status: str, queue_position: int | None) -> list[Update]:
        if status == self.status and queue_position == self.queue_position:
            return []
        if _stage(status) < _stage(self.status):
            # An event replayed after polling got ahead (the stream resumed late): its status
            # is history, not news.
            return []
        self.status = status
        self.queue_position = queue_position
        return [RunStatusUpdate(self.run_id, status, queue_position)]

    def _ready(self, output: Output) -> list[Update]:
        if self._outputs.get(output.filename) is not None:
            return []  # already reported (by a poll, or by the stream before a resume)
        self._outputs[output.filename] = output
        return [OutputStatus(self.run_id, output.filename, ready=True, output=output)]

    def _known_as_file(self, name: str) -> bool:
        # Output events name the file with its extension; run details may list it without.
        return any(known.rsplit(".", 1)[0] == name for known, out in self._outputs.items() if out)


def _stage(status: str | None) -> int:
    """How far along a status is: unknown or queued, running, finished."""
    if status is None:
        return -1
    if status in SUCCESS_STATUSES or status in FAILURE_STATUSES or status in CANCELLED_STATUSES:
        return 2
    return 1 if status == "running" else 0
