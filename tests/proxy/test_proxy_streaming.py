"""Streaming and hygiene: event streams pass through as they happen (keep-alives, resume
headers, disconnects), and no credential crosses the proxy in either direction."""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from flowscale import Flowscale
from flowscale.proxy import ProxyPolicy
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer, RunContext, Workflow

from .conftest import MakeProxy, bearer

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
HELD = "held-for-streams"


@pytest.fixture
def held(upstream: LocalServer) -> Iterator[threading.Event]:
    release = threading.Event()

    def wait(ctx: RunContext) -> dict[str, str]:
        ctx.progress(1, 2, node_id="3", node_type="KSampler")
        while not release.is_set():
            ctx.sleep(0.01)
        return {"note.txt": "done"}

    upstream.register_workflow(
        Workflow(
            id=HELD, name="Held", fn=wait, inputs={"prompt": "string"}, outputs={"note": "text"}
        )
    )
    yield release
    release.set()


def _start(http: httpx.Client, workflow: str, **inputs: str) -> str:
    reply = http.post(
        "/api/v1/runs",
        params={"workflow_id": workflow},
        files={k: (None, v) for k, v in inputs.items()},
    )
    assert reply.status_code == 200, reply.text
    run_id: str = reply.json()["data"]["run_id"]
    return run_id


def _frames(text: str) -> list[str]:
    """The stream's data frames, download links without their signature: links are signed
    when read (expiring at a whole second), so two reads a second apart differ there only."""
    return [_SIGNED.sub("?signed", f) for f in text.split("\n\n") if "data:" in f]


_SIGNED = re.compile(r"\?expires=\d+&sig=[0-9a-fA-F]+")


def test_events_flow_through_unbuffered_with_keepalives(
    proxy: ProxyServer, held: threading.Event, upstream: LocalServer
) -> None:
    with httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=10) as http:
        run_id = _start(http, HELD, prompt="x")
        with http.stream("GET", f"/api/v1/runs/{run_id}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            seen = ""
            chunks = stream.iter_raw()
            deadline = time.monotonic() + 10
            while ": keep-alive" not in seen or "progress" not in seen:
                assert time.monotonic() < deadline, seen
                seen += next(chunks).decode()
            # The run is still held: what arrived was relayed, not buffered to the end.
            assert "event: end" not in seen
            held.set()
            for chunk in chunks:
                seen += chunk.decode()
        assert "event: end" in seen


def test_resume_headers_pass_through(proxy: ProxyServer, upstream: LocalServer) -> None:
    direct = httpx.Client(base_url=upstream.base_url, headers={"X-API-KEY": upstream.api_key})
    via = httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=10)
    with direct, via:
        run_id = _start(via, TEXT_TO_IMAGE, text_51536="resume")
        Flowscale(base_url=proxy.url, proxy_mode=True, custom_headers=bearer("alice")).wait_for_run(
            run_id, timeout=30
        )
        path = f"/api/v1/runs/{run_id}/events"
        everything = _frames(direct.get(path).text)
        assert len(everything) > 3
        assert _frames(via.get(path, params={"from_seq": 3}).text) == everything[2:]
        assert _frames(via.get(path, headers={"Last-Event-ID": "2"}).text) == everything[2:]


def test_a_caller_that_leaves_closes_the_upstream_stream(
    proxy: ProxyServer, held: threading.Event, upstream: LocalServer
) -> None:
    hub = upstream._state.hub  # type: ignore[union-attr]
    with httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=10) as http:
        run_id = _start(http, HELD, prompt="x")
        with http.stream("GET", f"/api/v1/runs/{run_id}/events") as stream:
            assert stream.status_code == 200, stream.read()
            # Held, not dropped: a dropped iterator is closed at once, and with it the stream,
            # racing the check below (the proxy closes the upstream stream within ~1 ms).
            chunks = stream.iter_raw()
            next(chunks)
            deadline = time.monotonic() + 10
            while not hub._subscriptions.get(run_id):  # the upstream stream is open
                assert time.monotonic() < deadline, "the upstream stream never opened"
                time.sleep(0.01)
    deadline = time.monotonic() + 10
    while hub._subscriptions.get(run_id):
        assert time.monotonic() < deadline, "the upstream stream stayed open"
        time.sleep(0.02)


# ---- hygiene, against a recording upstream ------------------------------------------------


class Recorder:
    """A raw upstream that records what it receives and answers with what a test sets."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.requests: list[dict[str, str]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.requests.append(
            {k.decode().lower(): v.decode() for k, v in scope["headers"]} | {":path": scope["path"]}
        )
        if scope["path"].endswith("/queue"):
            body = json.dumps({"status": "error", "errors": "Upstream broke: queue"}).encode()
            await send({"type": "http.response.start", "status": 500, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        body = json.dumps(
            {"status": "success", "data": [{"container": f"echo {self.key}", "status": "idle"}]}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"connection", b"x-hop"),
            (b"x-hop", b"1"),
            (b"keep-alive", b"timeout=5"),
            (b"set-cookie", b"session=upstream"),
            (b"x-leak", self.key.encode()),
            (b"x-fine", b"yes"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def test_credentials_and_hop_by_hop_headers_stay_on_their_side(
    make_proxy: MakeProxy, upstream: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(upstream.api_key)  # the proxy holds upstream.api_key
    with ProxyServer(recorder) as fake:  # type: ignore[arg-type]
        proxy = make_proxy(
            ProxyPolicy(expose={"check_health", "get_queue"}, requests_per_second=None),
            upstream_url=fake.url,
        )
        caplog.set_level(logging.DEBUG)
        with httpx.Client(base_url=proxy.url, timeout=10) as http:
            reply = http.get(
                "/api/v1/comfy/health",
                headers={
                    **bearer("alice"),
                    "X-API-KEY": "the-callers-own-key",
                    "Cookie": "session=browser",
                    "Connection": "keep-alive, x-client-hop",
                    "X-Client-Hop": "1",
                    "Proxy-Authorization": "Basic xyz",
                    "X-Request-Id": "r-1",
                },
            )
            broken = http.get("/api/v1/comfy/queue", headers=bearer("bob"))
    received = recorder.requests[0]
    assert received["x-api-key"] == upstream.api_key
    for name in ("authorization", "cookie", "x-client-hop", "proxy-authorization"):
        assert name not in received, name
    assert received["x-request-id"] == "r-1"
    # The upstream's Set-Cookie for alice's request never goes back up with bob's.
    assert "cookie" not in recorder.requests[1]
    assert reply.status_code == 200
    for name in ("x-hop", "keep-alive", "set-cookie", "x-leak"):
        assert name not in reply.headers, name
    assert reply.headers["x-fine"] == "yes"
    assert upstream.api_key not in reply.text
    assert "[redacted]" in reply.text
    assert upstream.api_key not in str(reply.headers)
    # The upstream's errors come back in the API's own envelope, status kept.
    assert broken.status_code == 500
    assert broken.json() == {"status": "error", "errors": "Upstream broke: queue"}
    # Every log line of the proxy, uvicorn and httpx (httpcore's DEBUG traces are left out:
    # they quote the hostile upstream's own response headers, the x-leak above).
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("httpcore")]
    assert any("alice" in line for line in logged)
    assert all(upstream.api_key not in line for line in logged)


def test_an_unreachable_upstream_is_a_502_envelope(make_proxy: MakeProxy) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proxy = make_proxy(upstream_url=f"http://127.0.0.1:{port}")
    with httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=10) as http:
        reply = http.get("/api/v1/runs")
    assert reply.status_code == 502
    assert reply.json() == {"status": "error", "errors": "The upstream API is unreachable"}
