"""Reading `FLOWSCALE_*` settings from a `.env` file in the current directory.

A small parser rather than python-dotenv: only `KEY=VALUE` lines (with optional `export`,
quotes and comments) are needed, and one less dependency keeps the `cli` extra light. Only
`FLOWSCALE_` variables are taken, and never over a variable already set: the real
environment and the command line win.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, MutableMapping
from pathlib import Path

__all__ = ["load_dotenv", "parse_dotenv"]

PREFIX = "FLOWSCALE_"
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def parse_dotenv(text: str) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a .env text; lines that are not assignments are skipped."""
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        name, value = match.groups()
        if value[:1] == "'":
            end = value.find("'", 1)
            value = value[1:end] if end > 0 else value[1:]
        elif value[:1] == '"':
            value = _double_quoted(value)
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        yield name, value


def _double_quoted(value: str) -> str:
    """The content of a "..." value, with \\", \\\\ and \\n escapes."""
    out: list[str] = []
    escapes = {"n": "\n", '"': '"', "\\": "\\"}
    chars = iter(value[1:])
    for char in chars:
        if char == '"':
            break
        if char == "\\":
            following = next(chars, "")
            out.append(escapes.get(following, "\\" + following))
        else:
            out.append(char)
    return "".join(out)


def load_dotenv(
    path: Path | None = None, environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Set the `FLOWSCALE_*` variables of `path` (default `./.env`) that are not set yet;
    returns their names."""
    target = os.environ if environ is None else environ
    path = Path(".env") if path is None else path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # no .env (or an unreadable one) is the usual case, not an error
    loaded = []
    for name, value in parse_dotenv(text):
        if name.startswith(PREFIX) and name not in target:
            target[name] = value
            loaded.append(name)
    return loaded
