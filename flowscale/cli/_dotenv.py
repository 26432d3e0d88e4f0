"""Reading `FLOWSCALE_*` settings from a `.env` file in the current directory.

python-dotenv does the parsing (quotes, escapes, multi-line values, `export`, comments, CRLF);
the file is read as `utf-8-sig` so that a byte-order mark (Windows Notepad) does not hide the
first line. Only `FLOWSCALE_` variables are taken, and never over a variable already set: the
real environment and the command line win. No `${VAR}` interpolation: an API key is taken
verbatim, whatever characters it holds.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path

from dotenv import dotenv_values

__all__ = ["load_dotenv", "parse_dotenv"]

PREFIX = "FLOWSCALE_"


def parse_dotenv(text: str) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of a .env text; lines that are not assignments are skipped."""
    # python-dotenv logs a warning per line it cannot parse: a .env holds other tools'
    # settings too, and the CLI only wants its own.
    logger = logging.getLogger("dotenv.main")
    disabled, logger.disabled = logger.disabled, True
    try:
        values = dotenv_values(stream=io.StringIO(text.removeprefix("\ufeff")), interpolate=False)
    finally:
        logger.disabled = disabled
    for name, value in values.items():
        if value is not None:  # a bare `NAME` line sets nothing
            yield name, value


def load_dotenv(
    path: Path | None = None, environ: MutableMapping[str, str] | None = None
) -> list[str]:
    """Set the `FLOWSCALE_*` variables of `path` (default `./.env`) that are not set yet;
    returns their names."""
    target = os.environ if environ is None else environ
    path = Path(".env") if path is None else path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []  # no .env (or an unreadable one) is the usual case, not an error
    loaded = []
    for name, value in parse_dotenv(text):
        if name.startswith(PREFIX) and name not in target:
            target[name] = value
            loaded.append(name)
    return loaded
