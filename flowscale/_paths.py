"""Where an output is saved, and the temporary name it is written under first (no I/O)."""

from __future__ import annotations

import os
import pathlib
import secrets
from collections.abc import Iterable

from ._types import Output

__all__ = ["output_filename", "target_path", "temp_path", "unique_targets"]


def output_filename(output: Output) -> str:
    """A safe local file name for an output: its base name, never a path outside the folder."""
    name = output.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    if name in ("", ".", ".."):
        name = "output"
    if output.is_text and "." not in name:
        name += ".txt"
    return name


def target_path(output: Output, destination: str | os.PathLike[str]) -> pathlib.Path:
    """`destination` itself, or `destination/<output name>` when it is a folder (an existing
    one, or a path written with a trailing separator)."""
    raw = os.fspath(destination)
    path = pathlib.Path(raw)
    if path.is_dir() or raw.endswith((os.sep, "/")):
        return path / output_filename(output)
    return path


def unique_targets(outputs: Iterable[Output], directory: pathlib.Path) -> list[pathlib.Path]:
    """One target per output in `directory`; repeated names get `-1`, `-2`... suffixes."""
    seen: set[str] = set()
    targets = []
    for output in outputs:
        name = output_filename(output)
        stem, dot, ext = name.partition(".")
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}"
        seen.add(candidate)
        targets.append(directory / candidate)
    return targets


def temp_path(target: pathlib.Path) -> pathlib.Path:
    """A hidden sibling of `target`: same folder, so the final rename is atomic."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
