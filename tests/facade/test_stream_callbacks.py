"""The callback style as in JS: `on_open` once the stream is open, `close()` from any thread
ends a blocking dispatch at once, and a handle that is done when the stream is."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from flowscale import AsyncFlowscale, EndEvent, Flowscale
from flowscale.server import LocalServer

from .conftest import SLOW

SILENT_REPLY = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Answers every request with the headers of an event stream, then sends nothing."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.sendall(SILENT_REPLY)
            held.append(conn)  # never another byte

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def test_on_open_comes_only_for_an_open_stream(client: Any, server: LocalServer) -> None:
    run_id = client.execute_workflow(SLOW, {"seconds": 0.05}).run_id
    seen: list[str] = []
    client.subscribe_run_events(run_id, from_seq=1).dispatch(
        on_open=lambda s: seen.append("open"),
        on_event=lambda e: seen.append(e.type),
        on_close=lambda s: seen.append("close"),
    )
    assert seen[0] == "open"
    assert seen[-2:] == ["end", "close"]
    assert seen.count("open") == 1

    server.faults.status(500, route="stream_run_events")
    refused: list[str] = []
    client.subscribe_run_events(run_id, from_seq=1, max_reconnects=0).dispatch(
        on_open=lambda s: refused.append("open"),
        on_error=lambda e: refused.append("error"),
        on_close=lambda s: refused.append("close"),
    )
    assert refused == ["error", "close"]  # as the JS SDK: open only "when the response opens"


def test_a_callback_that_is_not_callable_is_refused_before_any_request(
    client: Any, server: LocalServer
) -> None:
    server.reset()
    with pytest.raises(TypeError, match="on_open must be callable"):
        client.subscribe_run_events("r").dispatch(on_open="yes")
    assert server.counters()["requests"] == {}


def test_close_from_another_thread_ends_a_blocked_dispatch_at_once(silent_server: str) -> None:
    with Flowscale(api_key="k", base_url=silent_server, stream_read_timeout=60) as client:
        stream = client.subscribe_run_events("run-1")
        opened = threading.Event()
        closed: list[str] = []
        handle = stream.dispatch_in_background(
            on_open=lambda s: opened.set(), on_close=lambda s: closed.append("close")
        )
        assert isinstance(handle, concurrent.futures.Future)
        assert opened.wait(10)
        time.sleep(0.2)  # blocked in a read now: the server sends nothing
        assert not handle.done()
        started = time.monotonic()
        stream.close()
        handle.result(timeout=10)  # done, without an error: the caller closed it
        took = time.monotonic() - started
    # The read timeout is 60 s and no byte ever comes: only the close can have ended it.
    assert took < 5, f"close() took {took:.2f} s to end the dispatch"
    assert closed == ["close"]


def test_close_from_another_thread_ends_a_blocked_iteration(silent_server: str) -> None:
    with Flowscale(api_key="k", base_url=silent_server, stream_read_timeout=60) as client:
        stream = client.subscribe_run_events("run-1")
        events: list[Any] = []
        reader = threading.Thread(target=lambda: events.extend(stream))
        reader.start()
        time.sleep(0.5)
        started = time.monotonic()
        stream.close()
        reader.join(10)
        took = time.monotonic() - started
    assert not reader.is_alive()
    assert took < 5
    assert events == []


def test_the_async_handle_is_a_task(silent_server: str, server: LocalServer) -> None:
    async def main() -> None:
        async with AsyncFlowscale(api_key="k", base_url=silent_server) as client:
            stream = client.subscribe_run_events("run-1")
            task = stream.dispatch_in_background()
            assert isinstance(task, asyncio.Task)
            await asyncio.sleep(0.3)
            assert not task.done()
            await stream.aclose()
            await asyncio.wait_for(task, 10)
        async with AsyncFlowscale(api_key=server.api_key, base_url=server.base_url) as client:
            run_id = (await client.execute_workflow(SLOW, {"seconds": 0.05})).run_id
            events: list[Any] = []
            await client.subscribe_run_events(run_id).dispatch_in_background(on_event=events.append)
            assert isinstance(events[-1], EndEvent)

    asyncio.run(main())


def test_the_blocking_handle_reports_the_stream_error(server: LocalServer) -> None:
    server.faults.status(500, route="stream_run_events")
    with Flowscale(api_key=server.api_key, base_url=server.base_url, max_retries=0) as client:
        handle = client.subscribe_run_events("r").dispatch_in_background()
        with pytest.raises(Exception, match="kept failing"):
            handle.result(timeout=30)
