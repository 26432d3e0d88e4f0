"""How `ProxyServer` writes replies: a reply's head with what follows it, the rest as it is
written, the last write of a reply as soon as the reply is complete."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from flowscale.proxy._serve import ProxyServer


def test_a_complete_reply_is_sent_before_the_app_goes_on() -> None:
    received = threading.Event()
    seen_while_blocked: list[bool] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b'{"ok":true}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"11")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        # Work after the reply that does not give the loop a turn (as the proxy's
        # bookkeeping after a run reply): the caller has its reply meanwhile.
        seen_while_blocked.append(received.wait(timeout=10))

    with (
        ProxyServer(app) as server,  # type: ignore[arg-type]
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        # On a fresh connection, on the kept-alive one, and a reply without a body (its
        # head goes out when the reply completes).
        for method in ("GET", "GET", "HEAD"):
            reply = http.request(method, "/")
            received.set()
            assert reply.headers["content-length"] == "11"
            assert reply.content == (b'{"ok":true}' if method == "GET" else b"")
            received.clear()
    assert seen_while_blocked == [True, True, True]


def test_a_streamed_reply_goes_out_part_by_part() -> None:
    first_part_seen = threading.Event()
    seen_while_blocked: list[bool] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"text/event-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for part in (b"data: one\n\n", b"data: two\n\n"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            # The loop gets no turn here: the caller has the head and this part meanwhile.
            seen_while_blocked.append(first_part_seen.wait(timeout=10))
            first_part_seen.clear()
        await send({"type": "http.response.body", "body": b""})

    with (
        ProxyServer(app) as server,  # type: ignore[arg-type]
        httpx.Client(base_url=server.url, timeout=30) as http,
        http.stream("GET", "/") as reply,
    ):
        assert reply.headers["content-type"] == "text/event-stream"
        received = b""
        for chunk in reply.iter_raw():
            received += chunk
            first_part_seen.set()
    assert received == b"data: one\n\ndata: two\n\n"
    assert seen_while_blocked == [True, True]
