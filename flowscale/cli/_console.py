"""stderr: where progress, notes and errors go, so stdout stays clean for results."""

from __future__ import annotations

import functools
import sys

from rich.console import Console
from rich.text import Text

__all__ = ["err_console", "interactive_stderr", "note"]


@functools.cache
def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def interactive_stderr() -> bool:
    """Whether a person is watching stderr: then the live display is worth drawing."""
    console = err_console()
    return console.is_terminal and not console.is_dumb_terminal and sys.stderr.isatty()


def note(message: str, *, style: str | None = None) -> None:
    """One line for the person at the terminal (not markup: messages carry user data)."""
    err_console().print(Text(message, style=style or ""))
