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


# The __init__ is written out rather than generated with attrs converters: a converter's
# field shows up in type checkers as a synthesized descriptor class without a docstring.
@attrs.frozen(slots=True, kw_only=True, init=False)
class ProxyPolicy:
    """The proxy's rules: which workflows, how much, how often, from which browser origins.

    Args:
        workflows: The global workflow allow-list (None: every workflow). A principal's own
            list (`Principal.workflows`) narrows it further.
        max_upload_bytes: The largest request body, counted while it streams (413 beyond).
        max_runs_in_flight: Runs a principal may have queued or running (429 beyond; None:
            no limit).
        requests_per_second: A principal's request rate (429 beyond; None: no limit).
        burst: Requests a principal may make at once before the rate applies.
        retry_after: The Retry-After (seconds) of a 429 for runs in flight.
        cors_origins: Browser origins allowed to call, like ``https://app.example`` (none: no
            CORS headers at all).
        expose: Cluster operations offered to signed-in users, e.g. ``{"check_health",
            "get_queue"}`` (none by default: they describe the whole deployment, not one
            user's runs).

    Raises:
        ValueError: A CORS origin that is a wildcard, has no scheme or ends in ``/``.
        TypeError: ``workflows`` or ``expose`` is one string rather than a collection of ids.
    """

    workflows: frozenset[str] | None
    max_upload_bytes: int
    max_runs_in_flight: int | None
    requests_per_second: float | None
    burst: int
    retry_after: int
    cors_origins: tuple[str, ...]
    expose: frozenset[str]

    def __init__(
        self,
        *,
        workflows: Iterable[str] | None = None,
        max_upload_bytes: int = 64 * MIB,
        max_runs_in_flight: int | None = 4,
        requests_per_second: float | None = 20.0,
        burst: int = 40,
        retry_after: int = 2,
        cors_origins: Iterable[str] = (),
        expose: Iterable[str] = frozenset(),
    ) -> None:
        self.__attrs_init__(
            workflows=_optional_ids(workflows),
            max_upload_bytes=max_upload_bytes,
            max_runs_in_flight=max_runs_in_flight,
            requests_per_second=requests_per_second,
            burst=burst,
            retry_after=retry_after,
            cors_origins=_origins(cors_origins),
            expose=_ids(expose),
        )

    def allows_workflow(self, principal: Principal, workflow_id: str) -> bool:
        """Whether the principal may run the workflow: on the global list and their own.

        Args:
            principal: The caller.
            workflow_id: The workflow asked for.

        Returns:
            True when neither allow-list leaves it out.
        """
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
