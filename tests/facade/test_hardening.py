"""Deadlines against chatty and trickling servers, credential hygiene on redirects, and
consistent errors between the two clients."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from flowscale import (
    AsyncFlowscale,
    DownloadError,
    Flowscale,
    Output,
    RunTimeoutError,
    ValidationError,
)
from flowscale.server import LocalServer

from .conftest import SLOW

Handler = Callable[[socket.socket, str], None]


@pytest.fixture
def raw_server() -> Iterator[Callable[[Handler], str]]:
    """A bare socket server on loopback, for replies no well-behaved server sends."""
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve_one(conn: socket.socket) -> None:
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                with contextlib.suppress(OSError):  # the client hung up: fine
                    handler(conn, data.split(b"\r\n\r\n")[0].decode("latin-1"))

        def accept() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()


def test_a_chatty_event_stream_does_not_outlive_the_timeout(client: Any) -> None:
    started = time.monotonic()
    with pytest.raises(RunTimeoutError):
        # Progress every 0.4 s: each read succeeds, only the deadline can stop the wait.
        client.execute_workflow_async(SLOW, {"seconds": 4}, timeout=1.0)
    assert time.monotonic() - started < 3.5


def test_a_trickling_server_does_not_outlive_the_timeout(raw_server: Any) -> None:
    body = b'{"status":"success","data":{"_id":"r","status":"running"}}'

    def trickle(conn: socket.socket, head: str) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        for byte in body:  # each byte well within the read timeout, the whole far beyond
            conn.sendall(bytes([byte]))
            time.sleep(0.2)

    base_url = raw_server(trickle)
    with Flowscale(api_key="k", base_url=base_url, timeout=1, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(RunTimeoutError):
            client.wait_for_run("r", timeout=1.5)
        assert time.monotonic() - started < 5


def test_a_redirect_back_to_the_api_gets_no_credentials(
    make_client: Any, server: LocalServer, raw_server: Any, tmp_path: Any
) -> None:
    target = f"{server.base_url}/api/v1/runs?page_size=100"

    def bounce(conn: socket.socket, head: str) -> None:
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: {target}\r\nContent-Length: 0\r\n\r\n".encode()
        )

    foreign = raw_server(bounce)
    client = make_client()
    with pytest.raises(DownloadError) as caught:
        client.download_output(Output("x.png", download_url=f"{foreign}/x.png"), tmp_path)
    assert caught.value.status_code == 401  # the API saw no key
    assert list(tmp_path.iterdir()) == []


def test_both_clients_raise_the_same_download_error(
    make_client: Any, server: LocalServer, tmp_path: Any
) -> None:
    client = make_client()
    broken = [
        Output("a.png", download_url=f"{server.files_url}/files/nope/a.png?expires=1&sig=0"),
        Output("b.png", download_url=f"{server.files_url}/files/nope/b.png?expires=1&sig=0"),
    ]
    with pytest.raises(DownloadError):
        client.download_outputs(broken, tmp_path)
    with pytest.raises(ValueError, match="concurrency"):
        client.download_outputs(broken, tmp_path, concurrency=0)
    with pytest.raises(DownloadError, match="not an absolute"):
        client.download_output(Output("c.png", download_url="/relative/c.png"), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_async_client_survives_a_new_event_loop(server: LocalServer) -> None:
    client = AsyncFlowscale(api_key=server.api_key, base_url=server.base_url)
    for _ in range(3):
        assert len(asyncio.run(client.check_health())) == 2
    asyncio.run(client.aclose())


def test_the_sync_client_refuses_coroutine_callbacks(server: LocalServer) -> None:
    async def on_update(update: Any) -> None:
        pass

    with (
        Flowscale(api_key=server.api_key, base_url=server.base_url) as client,
        pytest.raises(TypeError, match="coroutine function"),
    ):
        client.execute_workflow_async(SLOW, {"seconds": 0.1}, on_intermediate_response=on_update)


def test_with_options_clones_share_refreshed_headers(make_client: Any) -> None:
    client = make_client(custom_headers={"Authorization": "Bearer old"})
    clone = client.with_options(max_retries=0)
    client.update_custom_headers({"Authorization": "Bearer new"})
    assert clone.get_custom_headers() == {"Authorization": "Bearer new"}


def test_a_422_with_odd_locations_is_still_a_validation_error() -> None:
    body = {"detail": [{"loc": None, "msg": "bad", "type": "x"}, {"loc": 5, "msg": "worse"}]}
    http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(422, json=body)))
    client = Flowscale(api_key="k", base_url="http://api.invalid", http_client=http)
    with pytest.raises(ValidationError) as caught:
        client.execute_workflow("w", {"a": "b"})
    assert [e.msg for e in caught.value.errors] == ["bad", "worse"]
    assert caught.value.errors[0].loc == ()
