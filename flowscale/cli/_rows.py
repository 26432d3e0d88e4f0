"""The rows of `flowscale batch`: a CSV or JSONL file (or a folder of files), read lazily,
each row checked on its own so that one bad row is reported with its line number and never
stops the others."""

from __future__ import annotations

import csv
import json
import pathlib
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from flowscale._batch import BatchRow

from ._errors import CliError, ExitCode

__all__ = ["each_file_rows", "file_rows"]


def file_rows(path: pathlib.Path, known_inputs: Collection[str] | None) -> Iterator[BatchRow]:
    """One `BatchRow` per data line of a .csv or .jsonl file; `@path` values are files
    relative to the rows file (opened only when the row is submitted). Empty CSV cells are
    not sent. `key` is "line N"."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson"):
        raise CliError(f"--rows {path}: expected a .csv or .jsonl file", ExitCode.USAGE)
    if not path.is_file():
        raise CliError(f"--rows {path}: no such file", ExitCode.USAGE)
    base = path.parent
    reader = _csv_rows(path) if suffix == ".csv" else _jsonl_rows(path)
    for index, (line, values, error) in enumerate(reader):
        key = f"line {line}"
        if error is None:
            inputs, error = _inputs(values, base, known_inputs)
        else:
            inputs = {}
        yield BatchRow(index, inputs, key=key, error=None if error is None else f"{key}: {error}")


def each_file_rows(
    folder: pathlib.Path, name: str, known_inputs: Collection[str] | None
) -> Iterator[BatchRow]:
    """One row per file of `folder` (sorted by name, not recursive), the file as input
    `name`; the key is the file's name."""
    if not folder.is_dir():
        raise CliError(f"--each-file {folder}: not a folder", ExitCode.USAGE)
    if known_inputs is not None and name not in known_inputs:
        raise CliError(
            f"--as {name!r}: the workflow has no such input",
            ExitCode.USAGE,
            f"its inputs: {', '.join(sorted(known_inputs))}",
        )
    files = (p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith("."))
    for index, file in enumerate(files):
        yield BatchRow(index, {name: file}, key=file.name)


def _csv_rows(path: pathlib.Path) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if not header:
            return
        for record in reader:
            line = reader.line_num
            if None in record:
                yield line, {}, f"{len(record[None])} more cells than the header's {len(header)}"
                continue
            missing = [name for name, value in record.items() if value is None]
            if missing:
                yield line, {}, f"missing column {', '.join(map(repr, missing))}"
                continue
            yield line, {k: v for k, v in record.items() if v != ""}, None


def _jsonl_rows(path: pathlib.Path) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    with path.open(encoding="utf-8") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except ValueError as exc:
                yield line, {}, f"not JSON ({exc})"
                continue
            if not isinstance(value, dict):
                yield line, {}, f"expected a JSON object, not {type(value).__name__}"
                continue
            yield line, value, None


def _inputs(
    values: Mapping[str, Any], base: pathlib.Path, known: Collection[str] | None
) -> tuple[dict[str, Any], str | None]:
    inputs: dict[str, Any] = {}
    if known is not None:
        unknown = sorted(name for name in values if name not in known)
        if unknown:
            return {}, f"unknown input {', '.join(map(repr, unknown))}"
    for name, value in values.items():
        if isinstance(value, str) and value.startswith("@@"):
            inputs[name] = value[1:]
        elif isinstance(value, str) and value.startswith("@"):
            file = (base / value[1:]).expanduser()
            if not file.is_file():
                return {}, f"input {name!r}: no such file: {value[1:]}"
            inputs[name] = file
        elif isinstance(value, str | int | float | bool):
            inputs[name] = value
        elif value is None:
            continue
        else:
            inputs[name] = value  # a JSON object or list: sent as JSON
    return inputs, None
