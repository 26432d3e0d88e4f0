"""The ASGI middleware in front of both origins: route naming, counters, faults and the API key.

Requests are named after the spec's operationIds (``download`` on the file host) so faults
and counters can target them. Order per request: count it, apply gate faults (latency, 429,
status codes, hang), then check the key, then hand over to the routes. ``/_admin/`` requests
need the key too but are never counted nor faulted: they are the control plane.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Sequence
from typing import Final

from ._asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    abort_connection,
    capture_transport,
    error_body,
    send_json,
    wait_for_disconnect,
)
from ._faults import Fault
from ._state import ServerState

RouteTable = Sequence[tuple[frozenset[str], re.Pattern[str], str]]

_GET: Final = frozenset({"GET", "HEAD"})
_POST: Final = frozenset({"POST"})

API_ROUTES: Final[RouteTable] = (
    (_GET, re.compile(r"/api/v1/comfy/health"), "check_health"),
    (_GET, re.compile(r"/api/v1/comfy/queue"), "get_queue"),
    (_GET, re.compile(r"/api/v1/comfy/workflows"), "get_workflows"),
    (_POST, re.compile(r"/api/v1/runs"), "execute_workflow"),
    (_GET, re.compile(r"/api/v1/runs"), "get_runs"),
    (_GET, re.compile(r"/api/v1/runs/output"), "get_output"),
    (_GET, re.compile(r"/api/v1/runs/[^/]+"), "get_run"),
    (_POST, re.compile(r"/api/v1/runs/[^/]+/cancel"), "cancel_run"),
    (_GET, re.compile(r"/api/v1/runs/[^/]+/events"), "stream_run_events"),
)
FILE_ROUTES: Final[RouteTable] = ((_GET, re.compile(r"/files/[^/]+/[^/]+"), "download"),)

ADMIN_PREFIX: Final = "/_admin/"
MISSING_KEY: Final = "Missing API key: send it in the X-API-KEY header"
WRONG_KEY: Final = "Invalid API key"


def route_name(routes: RouteTable, method: str, path: str) -> str | None:
    for methods, pattern, name in routes:
        if method in methods and pattern.fullmatch(path):
            return name
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _sleep_unless_stopping(state: ServerState, seconds: float) -> bool:
    """Sleep; True if the server started stopping meanwhile."""
    try:
        await asyncio.wait_for(state.stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def _hang(state: ServerState, scope: Scope, receive: Receive) -> None:
    """Never answer: wait for the client to give up, or reset the connection on shutdown."""
    gone = asyncio.ensure_future(wait_for_disconnect(receive))
    stop = asyncio.ensure_future(state.stopping.wait())
    done, pending = await asyncio.wait({gone, stop}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if gone not in done:
        await abort_connection(scope, receive)


async def _act(
    state: ServerState, fault: Fault, scope: Scope, receive: Receive, send: Send
) -> None:
    head = scope["method"] == "HEAD"
    if fault.kind == "hang":
        await _hang(state, scope, receive)
    elif fault.kind == "rate_limit":
        retry_after = str(fault.params["retry_after"])
        body = error_body("Too many requests: rate limit exceeded")
        await send_json(send, 429, body, [("Retry-After", retry_after)], head=head)
    elif fault.kind == "status":
        code = int(fault.params["code"])
        headers = [("Retry-After", "1")] if code == 503 else []
        body = error_body(f"Injected fault: HTTP {code}")
        await send_json(send, code, body, headers, head=head)


def gate(
    app: ASGIApp, state: ServerState, routes: RouteTable, *, check_key: bool, record: bool
) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        if record:
            state.telemetry.record_file_request(scope["headers"])
        is_admin = path.startswith(ADMIN_PREFIX)
        route = None if is_admin else route_name(routes, scope["method"], path)
        if route is not None:
            state.telemetry.count_request(route)
            plan = state.faults.take_gate(route)
            if plan.delay and await _sleep_unless_stopping(state, plan.delay):
                await abort_connection(scope, receive)
                return
            if plan.action is not None:
                await _act(state, plan.action, scope, receive, send)
                return
        if check_key and (route is not None or is_admin):
            key = _header(scope, b"x-api-key")
            if key is None:
                await send_json(send, 401, error_body(MISSING_KEY))
                return
            if not hmac.compare_digest(key.encode(), state.api_key.encode()):
                await send_json(send, 403, error_body(WRONG_KEY))
                return
        await app(scope, receive, send)

    return capture_transport(middleware)
