"""A point in time by which a whole call must finish, and the timeouts that respect it."""

from __future__ import annotations

import time

import attrs
import httpx

__all__ = ["Deadline"]

_MIN = 0.001  # httpx treats 0 as "no wait at all"; keep a sliver so the error is a timeout


@attrs.frozen(slots=True)
class Deadline:
    """A point in time by which a whole call must finish (`at`, on `time.monotonic()`'s clock).

    `at=None` is no deadline. One deadline bounds a call's every request, retry and sleep.
    """

    at: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """The deadline `seconds` from now; no deadline for None."""
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        """Seconds left (negative once passed), or None without a deadline."""
        return None if self.at is None else self.at - time.monotonic()

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self.at is not None and time.monotonic() >= self.at

    def bound(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """`timeout` with no phase longer than the time left."""
        left = self.remaining()
        if left is None:
            return timeout
        left = max(left, _MIN)

        def cap(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cap(timeout.connect),
            read=cap(timeout.read),
            write=cap(timeout.write),
            pool=cap(timeout.pool),
        )

    def cap(self, delay: float) -> float:
        """`delay`, shortened so that sleeping it does not pass the deadline."""
        left = self.remaining()
        return delay if left is None else max(0.0, min(delay, left))


NO_DEADLINE = Deadline(None)
