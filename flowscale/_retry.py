"""When to retry a request and how long to wait first (no I/O)."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping

import attrs
import httpx

__all__ = ["RetryBudget", "RetryPolicy", "parse_retry_after"]

# Statuses worth another try for requests that are safe to repeat.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Statuses by which the server says it did not process the request: safe even for a POST.
UNPROCESSED_STATUSES = frozenset({429, 503})
# Transport errors raised before any byte of the request reached the server.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    httpx.NetworkError,
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` (delta-seconds or HTTP-date), or None if absent or
    unreadable. A date in the past gives 0."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


@attrs.frozen(slots=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's `Retry-After` up to a cap.

    `idempotent` requests retry on transport errors and on 408/429/5xx. Others (starting a
    run) retry only when the request provably never reached the server, or the server said it
    did not process it (429, 503).
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25
    random: Callable[[], float] = attrs.field(default=random.random, eq=False, repr=False)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): 0.5, 1, 2, 4 ... capped, minus up
        to `jitter` of itself so that many clients do not retry in step."""
        delay = min(self.max_delay, self.initial_delay * (2 ** (attempt - 1)))
        return float(delay * (1.0 - self.jitter * self.random()))

    def delay_for_status(
        self, attempt: int, status: int, headers: Mapping[str, str], *, idempotent: bool
    ) -> float | None:
        """Seconds to wait before retrying after `status`, or None to give up."""
        if attempt > self.max_retries:
            return None
        allowed = RETRYABLE_STATUSES if idempotent else UNPROCESSED_STATUSES
        if status not in allowed:
            return None
        hint = parse_retry_after(headers)
        if hint is not None:
            return min(hint, self.max_retry_after)
        return self.backoff(attempt)

    def delay_for_error(self, attempt: int, error: Exception, *, idempotent: bool) -> float | None:
        """Seconds to wait before retrying after a transport error, or None to give up."""
        if attempt > self.max_retries:
            return None
        allowed = TRANSIENT_ERRORS if idempotent else NOT_SENT_ERRORS
        if not isinstance(error, allowed):
            return None
        return self.backoff(attempt)


@attrs.define(slots=True)
class RetryBudget:
    """The tries one logical request has made so far, shared by every layer that may repeat
    it (a download that breaks off mid-body, an event stream that reconnects), so that
    `max_retries` bounds the whole request: `max_retries + 1` attempts at most, not a
    product of nested loops."""

    attempts: int = 0

    def next_attempt(self) -> int:
        """Count one more attempt; returns its 1-based number."""
        self.attempts += 1
        return self.attempts

    def refund(self) -> None:
        """Take back the last attempt: it was answered with a redirect, not a failure."""
        self.attempts = max(0, self.attempts - 1)

    def reset(self) -> None:
        """Start over (the request made progress, e.g. a stream delivered an event)."""
        self.attempts = 0


def is_ambiguous(error: Exception) -> bool:
    """A request error after which the server may have processed the request."""
    return isinstance(error, httpx.RequestError) and not isinstance(error, NOT_SENT_ERRORS)
