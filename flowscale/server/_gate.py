"""The ASGI middleware in front of both origins: route naming, counters, faults and the API key.

Requests are named after the spec's operationIds (``download`` on the file host) so faults
and counters can target them; which of them need the key is the spec's security too (both from
one table, ``flowscale._spec_operations``). Order per request: count it, apply gate faults
(latency, 429, status codes, hang), then check the key, then hand over to the routes.
``/_admin/`` requests need the key too but are never counted nor faulted: the control plane.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Final

from .._route_table import Operation, RouteTable
from .._spec_operations import API_TABLE
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

# The API's routes, names and auth are the spec's operations (generated from the spec: see
# scripts/spec-routes); the file host's one route is not part of the API spec.
API_ROUTES: Final[RouteTable] = API_TABLE
FILE_ROUTES: Final[RouteTable] = RouteTable(
    [Operation("download", "GET", "/files/{token}/{filename}", security=())]
)

ADMIN_PREFIX: Final = "/_admin/"
MISSING_KEY: Final = "Missing API key: send it in the X-API-KEY header"
WRONG_KEY: Final = "Invalid API key"


def route_name(routes: RouteTable, method: str, path: str) -> str | None:
    match = routes.match(method, path)
    return match.operation.operation_id if match is not None else None


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
    app: ASGIApp, state: ServerState, routes: RouteTable, *, guard_admin: bool, record: bool
) -> ASGIApp:
    """Wrap ``app``: operations whose spec entry has a security requirement need the key, and
    so does ``/_admin/`` when ``guard_admin``; unknown paths fall through (to a 404)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path: str = scope["path"]
        if record:
            state.telemetry.record_file_request(scope["headers"])
        is_admin = path.startswith(ADMIN_PREFIX)
        match = None if is_admin else routes.match(scope["method"], path)
        route = match.operation.operation_id if match is not None else None
        if route is not None:
            state.telemetry.count_request(route)
            plan = state.faults.take_gate(route)
            if plan.delay and await _sleep_unless_stopping(state, plan.delay):
                await abort_connection(scope, receive)
                return
            if plan.action is not None:
                await _act(state, plan.action, scope, receive, send)
                return
        needs_key = match.operation.needs_auth if match is not None else guard_admin and is_admin
        if needs_key:
            key = _header(scope, b"x-api-key")
            if key is None:
                await send_json(send, 401, error_body(MISSING_KEY))
                return
            if not hmac.compare_digest(key.encode(), state.api_key.encode()):
                await send_json(send, 403, error_body(WRONG_KEY))
                return
        await app(scope, receive, send)

    return capture_transport(middleware)
