"""`-v` / `--debug`: the SDK's `flowscale` logger to stderr, with secrets blanked out."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

__all__ = ["REDACTED", "RedactingFormatter", "setup_logging"]

REDACTED = "***"
_HANDLER = "flowscale-cli"
_MIN_SECRET = 4  # shorter values would blank out ordinary words


class RedactingFormatter(logging.Formatter):
    """Replaces every secret (API key, custom header values) in the formatted record,
    tracebacks included: a debug log is something people paste into bug reports."""

    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # Longest first, so a secret containing another is blanked whole.
        self._secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


def setup_logging(verbosity: int, debug: bool, secrets: Iterable[str]) -> RedactingFormatter:
    """Route the `flowscale` logger to stderr: INFO with -v, DEBUG with -vv or --debug."""
    formatter = RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    if not debug and verbosity <= 0:
        return formatter
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER)
    handler.setFormatter(formatter)
    level = logging.DEBUG if debug or verbosity >= 2 else logging.INFO
    logger = logging.getLogger("flowscale")
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER]:
        logger.removeHandler(old)  # run twice in one process (tests): one handler, not two
    logger.addHandler(handler)
    logger.setLevel(level)
    return formatter
