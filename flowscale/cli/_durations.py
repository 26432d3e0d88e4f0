"""Durations on the command line: `90s`, `10m`, `1h30m`, `2.5` (seconds), `none`."""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_NO_LIMIT = frozenset({"none", "never", "inf", "0"})


def parse_duration(text: str, *, allow_none: bool = False) -> float | None:
    """Seconds in `text`; None for "no limit" (`none`, `0`) when `allow_none`.

    Raises ValueError with a message fit for the user.
    """
    raw = text.strip().lower()
    if allow_none and raw in _NO_LIMIT:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = _compound(raw, text)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"{text!r} is not a positive duration")
    return seconds


def _compound(raw: str, text: str) -> float:
    compact = raw.replace(" ", "")
    position, total = 0, 0.0
    for match in _PART.finditer(compact):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(compact) or not compact:
        raise ValueError(
            f"{text!r} is not a duration: use seconds (90) or units such as 90s, 10m, 1h30m"
        )
    return total


def format_duration(seconds: float) -> str:
    """`0.4s`, `12.3s`, `4m05s`, `1h02m`: short and stable, for progress and summaries."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
