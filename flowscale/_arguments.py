"""Checks of the arguments of a wait and of callbacks, before any request (no I/O).

Shared by both clients: they differ only in `blocking` (the blocking client cannot await a
coroutine function, the asyncio client awaits it).
"""

from __future__ import annotations

import inspect
from typing import Any

__all__ = ["check_callback", "check_timeout", "check_wait_arguments"]


def check_callback(name: str, callback: Any, *, blocking: bool) -> None:
    """Refuse, before any request, a callback that cannot be called."""
    if callback is None:
        return
    if not callable(callback):
        raise TypeError(f"{name} must be callable or None, not {callback!r}")
    if blocking and (
        inspect.iscoroutinefunction(callback)
        or inspect.iscoroutinefunction(getattr(callback, "__call__", None))  # noqa: B004
    ):
        raise TypeError(
            f"{name} {callback!r} is a coroutine function: the blocking Flowscale client "
            "cannot await it (use AsyncFlowscale, or a plain function)"
        )


# Values no one means in seconds: the vendor's 1.x SDK and the JS SDK take milliseconds.
SURELY_MS_POLL_INTERVAL = 100.0
SURELY_MS_TIMEOUT = 100_000.0


def check_wait_arguments(
    poll_interval: Any,
    timeout: Any,
    *,
    on_intermediate_response: Any,
    on_event: Any,
    cancel_on_timeout: Any,
    cancel_on_interrupt: Any,
    blocking: bool,
) -> tuple[float, float | None]:
    """Every argument of a wait, checked before any request: (poll interval, timeout).
    `blocking`: for the blocking client, which cannot await a coroutine function."""
    interval = _positive_seconds("poll_interval", poll_interval)
    if interval >= SURELY_MS_POLL_INTERVAL:
        raise ValueError(
            f"poll_interval is in seconds, not milliseconds: {interval:g} s between polls is "
            f"surely meant as {interval / 1000:g} s (the JS and 1.x SDKs take milliseconds)"
        )
    limit = None if timeout is None else _positive_seconds("timeout", timeout)
    if limit is not None and limit >= SURELY_MS_TIMEOUT:
        raise ValueError(
            f"timeout is in seconds, not milliseconds: {limit:g} s is surely meant as "
            f"{limit / 1000:g} s (the JS and 1.x SDKs take milliseconds); None waits "
            "without a limit"
        )
    check_callback("on_intermediate_response", on_intermediate_response, blocking=blocking)
    check_callback("on_event", on_event, blocking=blocking)
    for name, flag in (
        ("cancel_on_timeout", cancel_on_timeout),
        ("cancel_on_interrupt", cancel_on_interrupt),
    ):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be a bool, not {flag!r}")
    return interval, limit


def check_timeout(value: Any) -> float | None:
    """A call's `timeout`: None (no limit) or finite positive seconds."""
    return None if value is None else _positive_seconds("timeout", value)


def _positive_seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise TypeError(f"{name} must be a positive number of seconds, not {value!r}")
    if value != value or value == float("inf"):
        raise ValueError(f"{name} must be a finite number of seconds, not {value!r}")
    return float(value)
