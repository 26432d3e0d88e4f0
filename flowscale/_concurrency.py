"""Adaptive concurrency for batches: additive increase, multiplicative decrease (no I/O).

A batch starts at its ceiling (`concurrency=N`). When the service says it is overloaded (429,
503) the limit halves, at most once per `cooldown` (a burst of 50 parallel 429s is one
signal, not 50) and new submissions pause for the `Retry-After` the service asked for. Each
submission that goes through adds one slot back, up to the ceiling. This is TCP's AIMD,
driven by submissions: a rate limit slows the batch down and never fails a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["AdaptiveLimit"]

DEFAULT_PAUSE = 1.0  # seconds, when the service gives no Retry-After
MAX_PAUSE = 60.0


class AdaptiveLimit:
    """How many rows may be in flight now, and until when new submissions must wait."""

    def __init__(
        self,
        ceiling: int,
        *,
        floor: int = 1,
        cooldown: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 1:
            raise ValueError(f"concurrency must be an int >= 1, not {ceiling!r}")
        self.ceiling: int = ceiling
        self.floor: int = min(floor, ceiling)
        self._limit = float(ceiling)
        self._cooldown = cooldown
        self._clock = clock
        self._paused_until = 0.0
        self._last_decrease = -float("inf")
        self.rate_limited: int = 0  # signals received, for the display and the summary

    @property
    def limit(self) -> int:
        return int(self._limit)

    def allows(self, slot: int) -> bool:
        """Whether worker number `slot` (0-based) may start a new row now."""
        return slot < self.limit and self.pause() == 0.0

    def pause(self) -> float:
        """Seconds until new submissions may go (0: now)."""
        return max(0.0, self._paused_until - self._clock())

    def on_success(self) -> None:
        """A start went through: give one slot back, up to the ceiling."""
        self._limit = min(float(self.ceiling), self._limit + 1.0)

    def on_overload(self, retry_after: float | None) -> None:
        """The service answered 429/503 (`retry_after`: its Retry-After in seconds, if any)."""
        now = self._clock()
        self.rate_limited += 1
        wait = DEFAULT_PAUSE if retry_after is None else min(max(retry_after, 0.0), MAX_PAUSE)
        self._paused_until = max(self._paused_until, now + wait)
        if now - self._last_decrease >= max(self._cooldown, wait):
            self._limit = max(float(self.floor), self._limit / 2.0)
            self._last_decrease = now

    def state(self) -> str:
        """One line for a live display: 'ok', or the limit and pause while backing off."""
        pause = self.pause()
        if pause == 0.0 and self.limit >= self.ceiling:
            return "ok"
        text = f"limited to {self.limit}/{self.ceiling}"
        return f"{text}, paused {pause:.1f}s" if pause else text
