"""Event-stream bounds: a line or an event past its cap fails fast with a typed error, and
framing stays linear in the bytes received (no regrowing buffer per chunk)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from flowscale import AsyncFlowscale, EventStreamTooLargeError, Flowscale, ResponseValidationError
from flowscale._events import KEEPALIVE, SSEDecoder, SSELimitError

HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
    b"retry: 1000\n\n"
)
LINE_BYTES = 90 * 2**20


@pytest.fixture
def endless_line() -> Iterator[str]:
    """Answers with an event stream whose second line is 90 MiB without a newline."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def one(conn: socket.socket) -> None:
        piece = b"data: " + b"x" * (64 * 1024 - 6)
        try:
            conn.recv(65536)
            conn.sendall(HEAD)
            sent = 0
            while sent < LINE_BYTES and not stop.is_set():
                conn.sendall(piece)
                sent += len(piece)
                piece = b"x" * len(piece)
        except OSError:
            pass  # the client hung up, as it should
        finally:
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


def test_a_90_mib_line_fails_fast_with_a_typed_error_sync(endless_line: str) -> None:
    with Flowscale(api_key="k", base_url=endless_line, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(EventStreamTooLargeError) as caught:
            list(client.subscribe_run_events("run-1"))
        took = time.monotonic() - started
    assert isinstance(caught.value, ResponseValidationError)
    assert caught.value.limit == 16 * 2**20
    assert "longer than" in str(caught.value)
    assert took < 30  # quadratic framing took ~49 s for this line; linear is well under 1 s


def test_a_90_mib_line_fails_fast_with_a_typed_error_async(endless_line: str) -> None:
    async def main() -> None:
        async with AsyncFlowscale(api_key="k", base_url=endless_line, max_retries=0) as client:
            with pytest.raises(EventStreamTooLargeError):
                async for _ in client.subscribe_run_events("run-1"):
                    pass

    asyncio.run(main())


def test_the_decoder_is_linear_and_bounded() -> None:
    decoder = SSEDecoder(max_line=1000, max_event=3000)
    assert decoder.feed(b"data: {") == []
    assert decoder.feed(b'"a": 1}') == []
    assert decoder.feed(b"\n\n") == [("message", '{"a": 1}', None)]
    for _ in range(9):
        decoder.feed(b"y" * 100)  # 900 bytes of one line: still within the bound
    with pytest.raises(SSELimitError, match="a line"):
        decoder.feed(b"y" * 200)
    many = SSEDecoder(max_line=1000, max_event=3000)
    for _ in range(3):
        many.feed(b"data: " + b"z" * 900 + b"\n")
    with pytest.raises(SSELimitError, match="an event"):
        many.feed(b"data: " + b"z" * 900 + b"\n")
    # One line inside one big chunk is bounded too.
    with pytest.raises(SSELimitError):
        SSEDecoder(max_line=1000).feed(b"data: " + b"q" * 5000 + b"\n\n")
    # Frames cut anywhere decode the same.
    body = b'id: 1\nevent: log\ndata: {"seq": 1}\n\n: ping\n\nid: 2\ndata: x\ndata: y\n\n'
    for cut in range(1, len(body)):
        decoder = SSEDecoder()
        out = decoder.feed(body[:cut]) + decoder.feed(body[cut:])
        assert out == [("log", '{"seq": 1}', "1"), KEEPALIVE, ("message", "x\ny", "2")]
