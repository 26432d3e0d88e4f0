"""Wall-clock helpers: the API shows ISO-8601 UTC timestamps, the store keeps epoch seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now() -> float:
    return time.time()


def iso(ts: float | None) -> str | None:
    """``2024-01-15T10:30:00.123Z`` (millisecond precision, always UTC with a ``Z``)."""
    if ts is None:
        return None
    stamp = datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
