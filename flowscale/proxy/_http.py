"""ASGI plumbing of the proxy: envelopes, header hygiene, and streaming bodies (no policy)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]

# RFC 9110 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# The caller's credentials and browser state are for the proxy, never for the upstream; Host
# and Accept-Encoding are the proxy's own to choose (it relays bodies as they come).
NOT_FORWARDED_UP = HOP_BY_HOP | {
    b"host",
    b"x-api-key",
    b"authorization",
    b"cookie",
    b"origin",
    b"referer",
    b"accept-encoding",
}
# The upstream's cookies and server identity are not the caller's business.
NOT_FORWARDED_DOWN = HOP_BY_HOP | {b"set-cookie", b"server", b"date"}


def error_body(message: str) -> dict[str, Any]:
    """The API's own error envelope."""
    return {"status": "error", "errors": message}


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> set[bytes]:
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return tokens


def filter_headers(headers: Iterable[tuple[bytes, bytes]], drop: frozenset[bytes]) -> RawHeaders:
    """``headers`` without ``drop`` and without what the Connection header names."""
    headers = list(headers)
    named = _connection_tokens(headers)
    return [(k, v) for k, v in headers if k.lower() not in drop and k.lower() not in named]


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def send_bytes(
    send: Send,
    status: int,
    body: bytes,
    headers: Sequence[tuple[bytes, bytes]],
    *,
    head: bool = False,
) -> None:
    raw = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    if status not in (204, 304):
        raw.append((b"content-length", str(len(body)).encode()))
    else:
        body = b""
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def send_json(
    send: Send,
    status: int,
    body: Any,
    headers: Sequence[tuple[bytes, bytes]] = (),
    *,
    head: bool = False,
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    raw = [*headers, (b"content-type", b"application/json")]
    await send_bytes(send, status, payload, raw, head=head)


class BodyTooLarge(Exception):
    """The request body passed the upload limit (raised inside the upload stream)."""


class ClientGone(Exception):
    """The caller disconnected while its request body was being forwarded."""


async def request_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives, never more than ``limit`` bytes of it."""
    received = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk: bytes = message.get("body", b"")
        received += len(chunk)
        if received > limit:
            raise BodyTooLarge
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def until_disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def first_of(work: Awaitable[None], receive: Receive) -> bool:
    """Run ``work`` until it ends or the client disconnects; True if it ran to its end."""
    task = asyncio.ensure_future(work)
    gone = asyncio.ensure_future(until_disconnected(receive))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, gone):
            if not pending.done():
                pending.cancel()
        await asyncio.gather(task, gone, return_exceptions=True)
    if task.done() and not task.cancelled():
        task.result()  # re-raise what the work raised
        return True
    return False
