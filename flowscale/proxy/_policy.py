"""What the proxy allows: the policy settings, and the per-user rate limiter (no I/O)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

import attrs

from ._auth import Principal, _ids, _optional_ids

__all__ = ["ProxyPolicy", "RateLimiter"]

MIB = 1024 * 1024


def _origins(value: Iterable[str]) -> tuple[str, ...]:
    origins = tuple(value)
    for origin in origins:
        if origin == "*" or origin.endswith("/") or "://" not in origin:
            raise ValueError(f"CORS origins are explicit, like https://app.example: {origin!r}")
    return origins


@attrs.frozen(slots=True, kw_only=True)
class ProxyPolicy:
    """The proxy's rules.

    - ``workflows``: the global workflow allow-list (None: every workflow). A principal's own
      list (``Principal.workflows``) narrows it further.
    - ``max_upload_bytes``: the largest request body, counted while it streams (413 beyond).
    - ``max_runs_in_flight``: runs a principal may have queued or running (429 beyond).
    - ``requests_per_second`` and ``burst``: a principal's request rate (429 beyond).
    - ``retry_after``: the Retry-After (seconds) of a 429 for runs in flight.
    - ``cors_origins``: browser origins allowed to call (none: no CORS headers at all).
    - ``expose``: cluster operations offered to signed-in users, e.g. {"check_health",
      "get_queue"} (none by default: they describe the whole deployment, not one user's runs).
    """

    workflows: frozenset[str] | None = attrs.field(default=None, converter=_optional_ids)
    max_upload_bytes: int = 64 * MIB
    max_runs_in_flight: int | None = 4
    requests_per_second: float | None = 20.0
    burst: int = 40
    retry_after: int = 2
    cors_origins: tuple[str, ...] = attrs.field(default=(), converter=_origins)
    expose: frozenset[str] = attrs.field(default=frozenset(), converter=_ids)

    def allows_workflow(self, principal: Principal, workflow_id: str) -> bool:
        if self.workflows is not None and workflow_id not in self.workflows:
            return False
        return principal.workflows is None or workflow_id in principal.workflows


class RateLimiter:
    """A token bucket per principal: ``rate`` tokens a second, up to ``burst`` saved.

    Buckets of idle principals are forgotten beyond ``max_principals`` (the oldest first); a
    forgotten bucket is a full one, which is what an idle principal's bucket would be anyway.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_principals: int = 100_000,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._max = max_principals
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, principal_id: str) -> float:
        """Take a token: 0.0 if allowed, else the seconds until one is available."""
        now = self._clock()
        tokens, last = self._buckets.pop(principal_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._buckets[principal_id] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[principal_id] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return wait


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, at least 1 (Retry-After has no fractions)."""
    return str(max(1, math.ceil(seconds)))
