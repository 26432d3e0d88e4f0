"""What a workflow function sees of its run: inputs, progress and log reporting, cancellation."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from ._models import InputFile, RunCancelled

Emit = Callable[[str, dict[str, Any]], None]


class RunContext:
    """Handed to ``Workflow.fn`` in its worker thread.

    ``progress``, ``log`` and ``sleep`` are cancellation points: once the run is cancelled (or
    the server stops) they raise ``RunCancelled``, which the function should let propagate.
    """

    def __init__(
        self,
        *,
        run_id: str,
        workflow_id: str,
        inputs: Mapping[str, str | InputFile],
        step_delay: float,
        emit: Emit,
        cancelled: threading.Event,
    ) -> None:
        self.run_id = run_id
        self.workflow_id = workflow_id
        self.inputs: dict[str, str | InputFile] = dict(inputs)
        self.step_delay = step_delay
        self._emit = emit
        self._cancelled = cancelled

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def check_cancelled(self) -> None:
        """Raise ``RunCancelled`` if the run was cancelled."""
        if self._cancelled.is_set():
            raise RunCancelled(self.run_id)

    def progress(
        self,
        value: float,
        max: float,
        node_id: str = "3",
        node_type: str | None = "KSampler",
    ) -> None:
        """Report node progress (a ``progress`` event)."""
        self.check_cancelled()
        self._emit(
            "progress", {"node_id": node_id, "node_type": node_type, "value": value, "max": max}
        )

    def log(self, message: str, level: str = "info", node_id: str | None = None) -> None:
        """Emit a ``log`` event."""
        self.check_cancelled()
        self._emit("log", {"level": level, "message": message, "node_id": node_id})

    def sleep(self, seconds: float) -> None:
        """Sleep, but wake up and raise ``RunCancelled`` as soon as the run is cancelled."""
        if self._cancelled.wait(max(0.0, seconds)):
            raise RunCancelled(self.run_id)

    def step(self) -> None:
        """Sleep one step of the server's ``step_delay`` (a cancellation point)."""
        self.sleep(self.step_delay)
