"""Where an output is saved, and the temporary name it is written under first (no I/O)."""

from __future__ import annotations

import hashlib
import os
import pathlib
import secrets
import unicodedata
from collections.abc import Iterable

from ._types import Output

__all__ = [
    "MAX_NAME_BYTES",
    "is_safe_name",
    "output_filename",
    "safe_name",
    "target_path",
    "temp_path",
    "unique_targets",
]

# File systems allow 255 bytes per name; the temporary sibling adds 15 (`.` + `.` + 8 hex +
# `.part`), and a repeated name `-NNN`: 200 leaves room for both.
MAX_NAME_BYTES = 200
# Names Windows maps to devices, with any extension (`CON.txt` is the console too).
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{port}{n}" for port in ("com", "lpt") for n in "123456789\u00b9\u00b2\u00b3"}
)
# Separators and the characters Windows refuses in names.
_FORBIDDEN = frozenset('/\\<>:"|?*')


def is_safe_name(name: str) -> bool:
    """Whether a string from a server can be one local path component as it is: not empty,
    not `.`/`..`, no separator, NUL, control or Windows-forbidden character, not a device
    name, no trailing dot or space, at most `MAX_NAME_BYTES` bytes of UTF-8."""
    if not isinstance(name, str) or name in ("", ".", ".."):
        return False
    if any(c in _FORBIDDEN or unicodedata.category(c)[0] == "C" for c in name):
        return False
    if name != name.strip() or name.endswith("."):
        return False
    if name.split(".", 1)[0].strip().lower() in _RESERVED:
        return False
    try:
        return len(name.encode("utf-8")) <= MAX_NAME_BYTES
    except UnicodeEncodeError:  # lone surrogates
        return False


def safe_name(name: str, *, fallback: str = "output") -> str:
    """`name` itself when `is_safe_name` accepts it, else a safe name derived from it: its
    allowed characters, shortened to fit, plus 8 hex digits of its hash, so that two
    different bad names never become the same file. The one check every local path built
    from a server string (run ids, output filenames) goes through."""
    if is_safe_name(name):
        return name
    raw = name if isinstance(name, str) else repr(name)
    digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    kept = "".join(
        c
        for c in raw.encode("utf-8", "replace").decode("utf-8")
        if c not in _FORBIDDEN and unicodedata.category(c)[0] != "C"
    )
    stem, dot, ext = kept.strip(" .").rpartition(".")
    if not dot:
        stem, ext = ext, ""
    ext = ext[:16]
    room = MAX_NAME_BYTES - len(ext.encode()) - 10
    stem = stem.strip(" .").encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
    if not stem or stem.split(".", 1)[0].lower() in _RESERVED:
        stem = fallback
    return f"{stem}-{digest}" + (f".{ext}" if ext else "")


def output_filename(output: Output) -> str:
    """A safe local file name for an output: its base name, never a path outside the folder."""
    name = output.filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*')
    if name in ("", ".", ".."):
        name = "output"
    if output.is_text and "." not in name:
        name += ".txt"
    return safe_name(name)


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
        # casefold: `A.png` and `a.png` are one file on macOS and Windows.
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{stem}-{n}{dot}{ext}"
        seen.add(candidate.casefold())
        targets.append(directory / candidate)
    return targets


def temp_path(target: pathlib.Path) -> pathlib.Path:
    """A hidden sibling of `target`: same folder, so the final rename is atomic."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
