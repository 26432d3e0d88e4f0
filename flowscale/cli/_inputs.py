"""`-i NAME=VALUE` workflow inputs: `@path` uploads a file, `@-` uploads stdin, `@@text` is
the literal text `@text`, anything else is text."""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Iterable
from typing import Any

from ._errors import CliError, ExitCode

__all__ = ["parse_inputs"]


def parse_inputs(items: Iterable[str]) -> dict[str, Any]:
    """The inputs mapping for `execute_workflow`. A str stays text (the SDK never reads a str
    as a path); files become `pathlib.Path`, checked here so a typo fails before any request."""
    inputs: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CliError(
                f"bad input {item!r}: expected NAME=VALUE",
                ExitCode.USAGE,
                "e.g. -i prompt='a red fox' or -i image=@photo.png",
            )
        if name in inputs:
            raise CliError(f"input {name!r} given twice", ExitCode.USAGE)
        inputs[name] = _value(name, value)
    return inputs


def _value(name: str, value: str) -> Any:
    if value.startswith("@@"):
        return value[1:]
    if not value.startswith("@"):
        return value
    where = value[1:]
    if where == "-":
        return sys.stdin.buffer.read()
    path = pathlib.Path(where).expanduser()
    if not path.is_file():
        what = "a directory" if path.is_dir() else "no such file"
        raise CliError(
            f"input {name!r}: {what}: {where}",
            ExitCode.USAGE,
            "use -i NAME=@@text for a text starting with @",
        )
    return path
