"""Scriptable misbehaviour: the faults a test or benchmark can switch on, and their bookkeeping.

Each fault has a kind, an optional route (an operationId of the spec, or ``download`` for the
file host; None matches any route) and an optional count (None: until cleared; otherwise the
next ``count`` matching requests, then it expires). Faults of the "gate" kinds act before the
request is handled; the others act inside the handler they concern (execute, the event stream,
the file host) and are only consumed when that handler reaches the point they alter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Final

import attrs

ROUTES: Final = frozenset(
    {
        "check_health",
        "get_queue",
        "get_workflows",
        "execute_workflow",
        "get_runs",
        "get_run",
        "get_output",
        "cancel_run",
        "stream_run_events",
        "download",
    }
)

# Kinds applied before the handler runs, and kinds bound to one route and applied inside it.
GATE_KINDS: Final = frozenset({"latency", "rate_limit", "status", "hang"})
HANDLER_KINDS: Final = {
    "reset_after_create": "execute_workflow",
    "drop_stream": "stream_run_events",
    "slow_download": "download",
    "wrong_content_length": "download",
}


@attrs.define(slots=True)
class Fault:
    """One scripted misbehaviour: its `kind`, the `route` it applies to (None: any), how many
    more requests it hits (`remaining`, None: all) and its parameters."""

    kind: str
    route: str | None
    remaining: int | None
    params: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API lists it: kind, route, count and parameters."""
        return {"kind": self.kind, "route": self.route, "count": self.remaining, **self.params}


@attrs.frozen(slots=True)
class GatePlan:
    """What the gate must do to one request: wait ``delay`` seconds, then ``action`` if any."""

    delay: float = 0.0
    action: Fault | None = None


def _check_route(route: str | None) -> None:
    if route is not None and route not in ROUTES:
        raise ValueError(f"unknown route {route!r}; expected one of {sorted(ROUTES)}")


def _check_count(count: int | None) -> None:
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer or None")


def _bound_route(kind: str, route: str | None) -> str:
    """The one route a handler kind acts on; ``route`` may only repeat it."""
    bound = HANDLER_KINDS[kind]
    if route not in (None, bound):
        raise ValueError(f"{kind} only applies to route {bound!r}")
    return bound


class Faults:
    """Fault controls of a LocalServer (``server.faults``). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def _add(self, kind: str, route: str | None, count: int | None, **params: Any) -> Fault:
        _check_route(route)
        _check_count(count)
        fault = Fault(kind=kind, route=route, remaining=count, params=params)
        with self._lock:
            self._faults.append(fault)
        return fault

    # ---- the controls ---------------------------------------------------------------------
    def latency(
        self, seconds: float, *, route: str | None = None, count: int | None = None
    ) -> None:
        """Delay matching requests by ``seconds`` before handling them."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self._add("latency", route, count, seconds=float(seconds))

    def rate_limit(
        self, retry_after: str = "1", *, route: str | None = None, count: int | None = None
    ) -> None:
        """Answer 429 with ``Retry-After: <retry_after>`` (seconds or an HTTP-date, verbatim)."""
        self._add("rate_limit", route, count, retry_after=str(retry_after))

    def status(self, code: int, *, route: str | None = None, count: int | None = None) -> None:
        """Answer ``code`` (e.g. 500, 502, 503, 504; also 204 or 408) with the error envelope."""
        if not 200 <= int(code) <= 599:
            raise ValueError("code must be an HTTP status code")
        self._add("status", route, count, code=int(code))

    def reset_after_create(self, count: int | None = 1, *, route: str | None = None) -> None:
        """On execute: create the run (it will run), then reset the connection, no response."""
        self._add("reset_after_create", _bound_route("reset_after_create", route), count)

    def drop_stream(
        self, after_events: int, *, count: int | None = None, route: str | None = None
    ) -> None:
        """On the event stream: send ``after_events`` events, then abort the connection."""
        if after_events < 0:
            raise ValueError("after_events must be >= 0")
        route = _bound_route("drop_stream", route)
        self._add("drop_stream", route, count, after_events=int(after_events))

    def hang(self, *, route: str | None = None, count: int | None = None) -> None:
        """Accept matching requests and never answer (until the server stops)."""
        self._add("hang", route, count)

    def slow_download(
        self, bytes_per_second: int, *, count: int | None = None, route: str | None = None
    ) -> None:
        """File host: trickle the body at ``bytes_per_second``."""
        if bytes_per_second < 1:
            raise ValueError("bytes_per_second must be >= 1")
        route = _bound_route("slow_download", route)
        self._add("slow_download", route, count, bytes_per_second=int(bytes_per_second))

    def wrong_content_length(
        self, delta: int = 100, *, count: int | None = None, route: str | None = None
    ) -> None:
        """File host: declare Content-Length = real size + ``delta``, send the real bytes.

        A negative delta declares fewer bytes than the file has: the body is cut there.
        """
        route = _bound_route("wrong_content_length", route)
        self._add("wrong_content_length", route, count, delta=int(delta))

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def add(self, kind: str, **params: Any) -> None:
        """Add a fault by kind name with the method's keyword parameters (the admin API)."""
        methods: dict[str, Callable[..., None]] = {
            "latency": self.latency,
            "rate_limit": self.rate_limit,
            "status": self.status,
            "reset_after_create": self.reset_after_create,
            "drop_stream": self.drop_stream,
            "hang": self.hang,
            "slow_download": self.slow_download,
            "wrong_content_length": self.wrong_content_length,
        }
        method = methods.get(kind)
        if method is None:
            raise ValueError(f"unknown fault kind {kind!r}")
        method(**params)

    def active(self) -> list[dict[str, Any]]:
        """The faults still in force, as `Fault.to_json` describes them."""
        with self._lock:
            return [fault.to_json() for fault in self._faults]

    # ---- consumption ----------------------------------------------------------------------
    def _consume(self, fault: Fault) -> None:
        # Caller holds the lock.
        if fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self._faults.remove(fault)

    def take_gate(self, route: str) -> GatePlan:
        """Consume what applies to a request on ``route`` before its handler runs.

        Every matching latency adds up; then the first matching fault of another gate kind
        (in the order they were added) is the action.
        """
        delay = 0.0
        action: Fault | None = None
        with self._lock:
            for fault in list(self._faults):
                if fault.kind not in GATE_KINDS or fault.route not in (None, route):
                    continue
                if fault.kind == "latency":
                    delay += float(fault.params["seconds"])
                    self._consume(fault)
                elif action is None:
                    action = attrs.evolve(fault, params=dict(fault.params))
                    self._consume(fault)
        return GatePlan(delay=delay, action=action)

    def take(self, kind: str) -> Fault | None:
        """Consume the first fault of a handler kind, if any is active."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind:
                    taken = attrs.evolve(fault, params=dict(fault.params))
                    self._consume(fault)
                    return taken
        return None
