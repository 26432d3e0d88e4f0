"""Low-level ASGI helpers: plain JSON replies, and cutting a connection without a response.

Faults need to break connections the way networks do (a reset after the request was read, a
stream that stops mid-body). ASGI has no message for that, so the outermost wrapper keeps the
connection's transport in the scope (uvicorn's ``send`` is a method of the request cycle that
owns it) and ``abort_connection`` resets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TRANSPORT_KEY = "flowscale.transport"


def error_body(message: str) -> dict[str, Any]:
    return {"status": "error", "errors": message}


async def send_json(
    send: Send,
    status: int,
    body: Any,
    headers: Sequence[tuple[str, str]] = (),
    *,
    head: bool = False,
) -> None:
    """Send a complete JSON response (no body at all for 204, as HTTP requires)."""
    payload = b"" if status == 204 else json.dumps(body, separators=(",", ":")).encode()
    raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if status != 204:
        raw_headers.append((b"content-type", b"application/json"))
        raw_headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": b"" if head else payload})


def capture_transport(app: ASGIApp) -> ASGIApp:
    """Outermost wrapper: remember the connection's transport in the scope."""

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        owner = getattr(send, "__self__", None)
        transport = getattr(owner, "transport", None)
        if transport is not None:
            scope[TRANSPORT_KEY] = transport
        await app(scope, receive, send)

    return wrapper


async def wait_for_disconnect(receive: Receive) -> None:
    """Read (and discard) the request until the client goes away."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def abort_connection(scope: Scope, receive: Receive, *, reset: bool = False) -> None:
    """Close the TCP connection now, whatever state the response is in.

    ``reset=False`` flushes what was already sent and closes (FIN): a body cut short, which
    the client sees as a protocol error. ``reset=True`` sends an RST, like a crashed peer (the
    client may then lose unread bytes, so use it only when nothing was sent). Then wait until
    the server has noticed the disconnect, so it does not try to answer the request itself (it
    would otherwise send a 500 for a response never started).
    """
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:  # not served by uvicorn: the best we can do is an error
        raise ConnectionAbortedError("fault: connection aborted")
    sock = transport.get_extra_info("socket")
    if reset and sock is not None:
        # SO_LINGER with a zero timeout turns close() into a reset (RST).
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
    else:
        transport.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wait_for_disconnect(receive), timeout=5)
