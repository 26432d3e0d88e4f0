"""Ctrl-C while following a run: stop following, and cancel the run or say how to resume.

The process never keeps following in the background: after Ctrl-C it only decides the
run's fate (ask when a person is at the terminal, else obey --cancel-on-interrupt) and exits
with 130."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

import flowscale

from ._console import note
from ._errors import CliError, ExitCode

__all__ = ["after_interrupt"]


def after_interrupt(client: flowscale.Flowscale, run_id: str, cancel: bool) -> NoReturn:
    """Called once KeyboardInterrupt stopped the wait for `run_id`; always raises."""
    if not cancel and _can_ask():
        try:
            # Default yes: Ctrl-C means "stop"; Ctrl-C again at the prompt leaves it running.
            cancel = click.confirm(f"\nCancel run {run_id} on the server?", default=True, err=True)
        except click.Abort:
            note("")
            cancel = False
    if cancel:
        try:
            message = client.cancel_run(run_id)
        except flowscale.FlowscaleError as exc:
            raise CliError(
                f"interrupted; could not cancel run {run_id}: {exc}",
                ExitCode.INTERRUPTED,
                f"cancel it with: flowscale runs cancel {run_id}",
                run_id=run_id,
            ) from exc
        except KeyboardInterrupt:
            raise CliError(
                f"interrupted while cancelling run {run_id}; it may still be running",
                ExitCode.INTERRUPTED,
                f"check with: flowscale runs get {run_id}",
                run_id=run_id,
            ) from None
        raise CliError(
            f"interrupted; cancelled run {run_id} ({message})", ExitCode.INTERRUPTED, run_id=run_id
        )
    raise CliError(
        f"interrupted; run {run_id} is still going on the server",
        ExitCode.INTERRUPTED,
        f"resume with: flowscale runs wait {run_id}  (or stop it: flowscale runs cancel {run_id})",
        run_id=run_id,
    )


def _can_ask() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        return False
