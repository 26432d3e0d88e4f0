"""How `ProxyServer` writes replies: joined per turn of the loop, the last write of a reply
sent as soon as the reply is complete."""

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
        for _ in range(2):  # on a fresh connection, then on the kept-alive one
            reply = http.get("/")
            received.set()
            assert reply.json() == {"ok": True}
            assert reply.headers["content-length"] == "11"
            received.clear()
    assert seen_while_blocked == [True, True]
