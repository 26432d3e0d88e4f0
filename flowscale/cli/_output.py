"""Rendering results: JSON for scripts, rich tables and plain lines for people.

Everything here writes to stdout; progress and messages go to stderr (see _console)."""

from __future__ import annotations

import datetime
import enum
import json
import os
import pathlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
from rich.console import Console
from rich.table import Table
from rich.text import Text

__all__ = ["display_path", "jsonable", "print_json", "print_lines", "print_table", "run_json"]

import flowscale

# Piped tables are still read by people (and grep): do not wrap ids at 80 columns.
_PIPE_WIDTH = 200


def jsonable(value: Any) -> Any:
    """Plain JSON values for the SDK's attrs classes, dates, paths and enums."""
    if attrs.has(type(value)):
        return {f.name: jsonable(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return value


def run_json(run: flowscale.Run) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(run)
    data.pop("team_id", None)
    return data


def print_json(data: Any, *, one_line: bool = False) -> None:
    """`data` as JSON on stdout; `one_line` for error objects, which may follow JSONL output."""
    indent = None if one_line else 2
    sys.stdout.write(json.dumps(jsonable(data), indent=indent, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_lines(lines: Iterable[str]) -> None:
    for line in lines:
        sys.stdout.write(line + "\n")
    sys.stdout.flush()


def stdout_console() -> Console:
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=False, width=_PIPE_WIDTH)
    return console


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    empty: str = "(none)",
    whole: Sequence[int] = (),
) -> None:
    """A table on stdout. Cells of the `whole` columns (ids people copy) are never cut: when
    the terminal is too narrow for them, each row prints as a record instead, the first
    column on a line of its own and the others indented under it."""
    items = [tuple(row) for row in rows]
    console = stdout_console()
    if not items:
        console.print(empty, markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for index, name in enumerate(columns):
        table.add_column(name, no_wrap=index in whole)
    for row in items:
        # Cells are data, not markup: a name with [brackets] must print as is.
        table.add_row(*(Text(cell) for cell in row))
    with console.capture() as capture:
        console.print(table)
    # Cells are padded to the column width: drop the trailing blanks that leaves on each line.
    lines = [line.rstrip() for line in capture.get().splitlines()]
    if _intact(items, whole, lines):
        print_lines(lines)
    else:
        print_lines(_records(columns, items))


def _intact(rows: Sequence[Sequence[str]], whole: Sequence[int], lines: Sequence[str]) -> bool:
    """Whether the rendered `lines` show each `whole` cell on one line, and every word of the
    other cells unbroken (a narrow terminal makes rich fold words or drop columns)."""
    shown = "\n".join(lines)
    for row in rows:
        for index, cell in enumerate(row):
            pieces = [cell] if index in whole else cell.split()
            if not all(piece in shown for piece in pieces):
                return False
    return True


def _records(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Iterable[str]:
    for number, row in enumerate(rows):
        if number:
            yield ""
        yield row[0]
        for name, cell in zip(columns[1:], row[1:], strict=True):
            if cell:
                yield f"  {name.lower()}: {cell}"


def display_path(path: pathlib.Path) -> str:
    """`path` relative to the current directory when it is below it, else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(pathlib.Path.cwd()))
    except ValueError:
        return str(absolute) if path.is_absolute() else os.path.normpath(str(path))
