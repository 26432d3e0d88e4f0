"""Following a run to its end and saving its outputs: shared by `run`, `runs wait` and
`demo`, so all three show the same progress and print the same results."""

from __future__ import annotations

import math
import pathlib
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

import flowscale
from flowscale._deadline import Deadline
from flowscale._paths import safe_name

from ._console import err_console, interactive_stderr
from ._context import Session
from ._errors import CliError, ExitCode
from ._interrupt import after_interrupt
from ._output import display_path, print_json, print_lines
from ._progress import Mode, RunDisplay

__all__ = [
    "WaitOptions",
    "default_out_dir",
    "follow_and_save",
    "make_display",
    "time_left",
]

T = TypeVar("T")
DEFAULT_OUT_ROOT = pathlib.Path("flowscale-outputs")


@attrs.frozen(slots=True)
class WaitOptions:
    timeout: float | None = 600.0
    poll_interval: float = 2.0
    cancel_on_interrupt: bool = False
    cancel_on_timeout: bool = False


def time_left(deadline: Deadline) -> float | None:
    """The seconds left before `deadline` for the next call (None: no deadline), rounded
    down to a tenth, as error messages show them."""
    left = deadline.remaining()
    return None if left is None else max(math.floor(left * 10) / 10, 0.1)


def default_out_dir(run_id: str) -> pathlib.Path:
    """`flowscale-outputs/<run id>/`; a run id that is not a safe file name (`../..`, an
    absolute path, a device name) is replaced by one derived from it, inside that folder."""
    return DEFAULT_OUT_ROOT / safe_name(run_id, fallback="run")


def make_display(session: Session, title: str, *, enabled: bool = True) -> RunDisplay:
    mode: Mode = "off"
    if enabled and session.show_progress:
        mode = "live" if interactive_stderr() else "plain"
    return RunDisplay(err_console(), mode, title)


def follow_and_save(
    client: flowscale.Flowscale,
    session: Session,
    display: RunDisplay,
    run_id: str,
    *,
    workflow_id: str | None,
    options: WaitOptions,
    out_dir: pathlib.Path | None,
) -> list[pathlib.Path]:
    """Wait for `run_id` (inside `display`), save every output, print the saved paths (or the
    JSON result). Run errors propagate for the caller's exit code."""
    with display:
        if display.run_id is None:
            display.following(run_id)
        try:
            result = client.wait_for_run(
                run_id,
                poll_interval=options.poll_interval,  # only used when there is no event stream
                timeout=options.timeout,
                on_intermediate_response=display.on_update,
                on_event=display.on_event,
                cancel_on_timeout=options.cancel_on_timeout,
                workflow_id=workflow_id,
            )
        except KeyboardInterrupt:
            display.finish("interrupted")
            display.close()
            after_interrupt(client, run_id, options.cancel_on_interrupt)
        target = out_dir if out_dir is not None else default_out_dir(run_id)
        if result.outputs:
            count = len(result.outputs)
            display.set_phase(f"saving {count} output{'s' if count != 1 else ''}")
            progress = display.byte_progress("downloading")
            paths = interruptible(
                lambda: client.download_outputs(result, target, progress=progress)
            )
        else:
            paths = []
        display.finish("completed")
    _print_result(session, result, paths)
    return paths


def interruptible(fn: Callable[[], T]) -> T:
    """`fn()`, with Ctrl-C reported as an interrupt (no run to cancel any more)."""
    try:
        return fn()
    except KeyboardInterrupt:
        raise CliError("interrupted", ExitCode.INTERRUPTED) from None


def _print_result(session: Session, result: flowscale.RunResult, paths: list[pathlib.Path]) -> None:
    if session.json:
        print_json(result_json(result, paths))
        return
    if not paths:
        if not session.quiet:
            err_console().print("the run completed without outputs")
        return
    print_lines(display_path(path) for path in paths)


def result_json(result: flowscale.RunResult, paths: list[pathlib.Path]) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "workflow_id": result.workflow_id,
        "status": "completed",
        "outputs": [
            {
                "filename": output.filename,
                "path": str(path.absolute()),
                "content_type": output.content_type,
                "size": path.stat().st_size if path.exists() else output.size,
            }
            for output, path in zip(result.outputs, paths, strict=True)
        ],
    }
