"""The progress display of a run: fed by the facade's `on_event` / `on_intermediate_response`
callbacks, drawn on stderr.

Three modes: `live` (a rich Live panel, redrawn in place: status, queue position, the current
node's progress bar, outputs, elapsed time) when a person watches a terminal; `plain` (one
line per change, for logs and CI) when stderr is not a terminal; `off` with `--json` or
`--quiet`. Callbacks run on the waiting thread; the Live refresh thread only reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Literal

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

import flowscale

from ._durations import format_duration

__all__ = ["Mode", "RunDisplay", "format_bytes"]

Mode = Literal["live", "plain", "off"]
Outcome = Literal["completed", "failed", "cancelled", "timeout", "interrupted"]

_MARKS: dict[Outcome, tuple[str, str]] = {
    "completed": ("✓", "green"),
    "failed": ("✗", "red"),
    "cancelled": ("■", "yellow"),
    "timeout": ("⏱", "yellow"),
    "interrupted": ("■", "yellow"),
}
_STATUS_STYLES = {"queued": "cyan", "pending": "cyan", "running": "blue"}
_BAR_WIDTH = 30


class RunDisplay:
    """Follows one run on stderr. Use as a context manager around the wait."""

    def __init__(self, console: Console, mode: Mode, title: str) -> None:
        self._console = console
        self._mode = mode
        self._title = title
        self._started = time.monotonic()
        self._ended: float | None = None
        self.run_id: str | None = None
        self.status: str | None = None
        self.queue_position: int | None = None
        self.phase: str | None = "starting"
        self.node: flowscale.ProgressEvent | None = None
        self.outputs: list[str] = []
        self.last_log: str | None = None
        self.outcome: Outcome | None = None
        self._spinner = Spinner("dots", style="cyan")
        self._live: Live | None = None
        # The bytes of the current upload or download, from the SDK's progress callbacks.
        self.transfer: tuple[str, int, int | None] | None = None
        self._transfer_step = -1

    # ---- lifetime ---------------------------------------------------------------------------

    def __enter__(self) -> RunDisplay:
        # Re-entrant: `run` enters it before the upload and follow_and_save enters it again;
        # the first exit closes the live region, later ones find nothing to close.
        if self._mode == "live" and self._live is None:
            self._live = Live(
                self,
                console=self._console,
                refresh_per_second=10,
                transient=False,  # the final frame stays: status, bar and elapsed time
                redirect_stdout=False,  # stdout is for results only
                redirect_stderr=False,
            )
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.outcome is None and exc is not None:
            self.finish(_outcome_of(exc))
        self.close()

    def close(self) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None

    # ---- what happened ----------------------------------------------------------------------

    def submitted(self, run_id: str) -> None:
        self.transfer = None  # the upload is over
        self.run_id = run_id
        self.phase = None
        self._plain(f"run {run_id} started")

    def following(self, run_id: str) -> None:
        self.run_id = run_id
        self.phase = None
        self._plain(f"following run {run_id}")

    def on_update(self, update: flowscale.Update) -> None:
        """`on_intermediate_response`: status changes and outputs, from events or polling."""
        if isinstance(update, flowscale.WorkflowSubmitted):
            self.submitted(update.run_id)
        elif isinstance(update, flowscale.RunStatusUpdate):
            changed = update.status != self.status or update.queue_position != self.queue_position
            self.status, self.queue_position = update.status, update.queue_position
            if changed:
                self._plain(self._status_text())
        elif isinstance(update, flowscale.OutputStatus) and update.ready:
            if update.filename not in self.outputs:
                self.outputs.append(update.filename)
                self._plain(f"output ready: {update.filename}")
        elif isinstance(update, flowscale.PollRetry):
            self.last_log = f"connection trouble, retrying ({update.error})"

    def on_event(self, event: flowscale.RunEvent) -> None:
        """`on_event`: node progress and log lines, which only the event stream carries."""
        if isinstance(event, flowscale.ProgressEvent):
            self.node = event
        elif isinstance(event, flowscale.LogEvent):
            self.last_log = event.message
            self._plain(f"log: {event.message}")

    def set_phase(self, text: str | None) -> None:
        """A step of ours rather than the server's (downloading outputs)."""
        self.phase = text
        if text:
            self._plain(text)

    def byte_progress(self, label: str) -> Callable[[int, int | None], None]:
        """A `progress(bytes_done, total)` callback for the SDK that draws a byte bar labelled
        `label` (plain mode: a line at every quarter, and at the end)."""
        self._transfer_step = -1

        def progress(done: int, total: int | None) -> None:
            self.transfer = (label, done, total)
            if self._mode != "plain" or not total:
                return
            step = min(4, done * 4 // total)
            if step > self._transfer_step:
                self._transfer_step = step
                self._plain(f"{label}: {format_bytes(done)} of {format_bytes(total)}")

        return progress

    def finish(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.phase = None
        self._ended = time.monotonic()
        word = "done" if outcome == "completed" else outcome
        self._plain(f"{word} after {format_duration(self.elapsed)}")
        if self._live is not None:
            self._live.refresh()

    # ---- drawing ----------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return (self._ended or time.monotonic()) - self._started

    def _status_text(self) -> str:
        status = self.status or "submitted"
        position = self.queue_position
        if position is not None and status in ("queued", "pending"):
            # 0-based among waiting runs, as the API documents it.
            ahead = "next in line" if position == 0 else f"{position} ahead in the queue"
            return f"{status}, {ahead}"
        return status

    def _plain(self, message: str) -> None:
        if self._mode == "plain":
            self._console.print(
                Text(f"[{format_duration(self.elapsed):>6}] {message}"), highlight=False
            )

    def __rich__(self) -> RenderableType:
        head = Text()
        head.append(self._title, style="bold")
        if self.run_id:
            head.append(f"  run {self.run_id}", style="dim")
        head.append("  ")
        if self.outcome is not None:
            head.append(self.outcome, style=_MARKS[self.outcome][1])
        elif self.phase:
            head.append(self.phase, style="magenta")
        else:
            head.append(self._status_text(), style=_STATUS_STYLES.get(self.status or "", ""))
        head.append(f"  {format_duration(self.elapsed)}", style="dim")
        lines: list[RenderableType] = []
        if self.outcome is not None:
            mark, style = _MARKS[self.outcome]
            lines.append(Text.assemble((mark + " ", style), head))
        else:
            self._spinner.update(text=head)
            lines.append(self._spinner)
        if self.node is not None:
            lines.append(self._node_line(self.node))
        if self.transfer is not None and self.outcome is None:
            lines.append(_transfer_line(*self.transfer))
        if self.outputs:
            lines.append(Text("  outputs: " + ", ".join(self.outputs), style="green"))
        if self.last_log and self.outcome is None:
            lines.append(Text("  " + self.last_log, style="dim", overflow="ellipsis", no_wrap=True))
        return Group(*lines)

    def _node_line(self, node: flowscale.ProgressEvent) -> RenderableType:
        grid = Table.grid(padding=(0, 1))
        grid.add_column()
        grid.add_column()
        grid.add_column()
        name = (
            f"{node.node_type} (node {node.node_id})" if node.node_type else f"node {node.node_id}"
        )
        done = f"{node.value:g}/{node.max:g}"
        grid.add_row(
            Text("  " + name),
            ProgressBar(total=node.max or 1, completed=node.value, width=_BAR_WIDTH),
            Text(done, style="dim"),
        )
        return grid


def format_bytes(n: int) -> str:
    """`n` bytes for people: 512 B, 3.4 KiB, 12.0 MiB, 1.5 GiB."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def _transfer_line(label: str, done: int, total: int | None) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column()
    grid.add_column()
    grid.add_column()
    amount = (
        format_bytes(done) if total is None else f"{format_bytes(done)} / {format_bytes(total)}"
    )
    bar = ProgressBar(
        total=float(total) if total else None, completed=float(done), width=_BAR_WIDTH
    )
    grid.add_row(Text(f"  {label}", style="cyan"), bar, Text(amount, style="dim"))
    return grid


def _outcome_of(exc: BaseException) -> Outcome:
    if isinstance(exc, flowscale.RunCancelledError):
        return "cancelled"
    if isinstance(exc, flowscale.RunTimeoutError):
        return "timeout"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return "failed"
