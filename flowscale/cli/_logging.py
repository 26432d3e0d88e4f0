"""`-v` / `--debug`: the SDK's `flowscale` logger to stderr, with secrets blanked out.

The redaction is the core's (`flowscale._logs`), shared with `FLOWSCALE_LOG`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from .._logs import LOG_FORMAT, REDACTED, RedactingFormatter, logger

__all__ = ["REDACTED", "RedactingFormatter", "setup_logging"]

_HANDLER = "flowscale-cli"


def setup_logging(verbosity: int, debug: bool, secrets: Iterable[str]) -> RedactingFormatter:
    """Route the `flowscale` logger to stderr: INFO with -v, DEBUG with -vv or --debug."""
    formatter = RedactingFormatter(LOG_FORMAT, list(secrets))
    if not debug and verbosity <= 0:
        return formatter
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER)
    handler.setFormatter(formatter)
    level = logging.DEBUG if debug or verbosity >= 2 else logging.INFO
    for old in [h for h in logger.handlers if h.get_name() == _HANDLER]:
        logger.removeHandler(old)  # run twice in one process (tests): one handler, not two
    logger.addHandler(handler)
    logger.setLevel(level)
    return formatter
