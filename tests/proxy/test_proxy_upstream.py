"""The proxy's upstream client (`flowscale.proxy._upstream`) against raw loopback servers.

Each test runs a small asyncio server that answers with exactly the bytes a case needs
(keep-alive, early close, informational replies, malformed replies, silence), so the client's
framing, reuse, retry, timeout and buffering rules are pinned down without the proxy around it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from flowscale.proxy._upstream import (
    HIGH_WATER,
    MAX_HEAD_BYTES,
    Upstream,
    UpstreamError,
    UpstreamReply,
    UpstreamTimeout,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


async def body_of(reply: UpstreamReply) -> bytes:
    try:
        return b"".join([chunk async for chunk in reply.aiter_raw()])
    finally:
        await reply.aclose()


async def serving(
    handler: Handler, accepted: list[int] | None = None
) -> tuple[asyncio.Server, str, list[int]]:
    """A server on 127.0.0.1 calling ``handler`` per connection; the list counts connections."""
    accepted = [] if accepted is None else accepted

    async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(1)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://127.0.0.1:{port}", accepted


@asynccontextmanager
async def upstream_for(
    handler: Handler, accepted: list[int] | None = None, suffix: str = "", **options: Any
) -> AsyncIterator[tuple[Upstream, list[int]]]:
    """An `Upstream` pointed at a fresh `serving` server; both closed at the end."""
    server, url, accepted = await serving(handler, accepted)
    upstream = Upstream(url + suffix, **options)
    try:
        yield upstream, accepted
    finally:
        await upstream.aclose()
        server.close()


def run(case: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(case(), 20))


def test_one_connection_carries_request_after_request() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_head(reader)
            writer.write(OK)
            await writer.drain()

    async def case() -> None:
        async with upstream_for(handler) as (upstream, accepted):
            for _ in range(5):
                reply = await upstream.open("GET", "/api/v1/runs", [])
                assert reply.status_code == 200
                assert await body_of(reply) == b"ok"
            assert len(accepted) == 1

    run(case)


def test_a_pooled_connection_closed_by_the_upstream_is_retried_for_a_get_only() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(OK)
        await writer.drain()
        await reader.read(1)  # the next request arrives: hang up without a reply

    async def case() -> None:
        async with upstream_for(handler) as (upstream, accepted):
            assert await body_of(await upstream.open("GET", "/a", [])) == b"ok"
            assert await body_of(await upstream.open("GET", "/b", [])) == b"ok"
            assert len(accepted) == 2  # the second GET went again, on a fresh connection

            async def body() -> AsyncIterator[bytes]:
                yield b"x"

            with pytest.raises(UpstreamError):  # a POST may have started a run: not resent
                await upstream.open("POST", "/c", [(b"content-length", b"1")], body())
            assert len(accepted) == 2

    run(case)


def test_a_body_delimited_by_the_end_of_the_connection_and_informational_replies() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nx-one: 1\r\n\r\nall of ")
        await writer.drain()
        writer.write(b"it")
        await writer.drain()

    async def case() -> None:
        async with upstream_for(handler) as (upstream, _):
            reply = await upstream.open("GET", "/", [])
            assert (reply.status_code, reply.raw_headers) == (200, [(b"x-one", b"1")])
            assert await body_of(reply) == b"all of it"

    run(case)


def test_requests_are_framed_and_checked_before_anything_is_sent() -> None:
    received: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        rest = await reader.readuntil(b"0\r\n\r\n")
        received.append(head + rest)
        writer.write(OK)
        await writer.drain()

    async def case() -> None:
        async def body() -> AsyncIterator[bytes]:
            yield b"hello "
            yield b"world"

        async with upstream_for(handler, suffix="/prefix/") as (upstream, accepted):
            host = upstream._host_header  # 127.0.0.1:<port>
            headers = [(b"Host", b"evil"), (b"X-Thing", b"1")]
            reply = await upstream.open("POST", "/runs?x=1", headers, body())
            assert await body_of(reply) == b"ok"
            for bad in ([(b"x-a", b"1\r\nx-api-key: stolen")], [(b"bad name", b"1")]):
                with pytest.raises(UpstreamError, match="invalid header"):
                    await upstream.open("GET", "/", bad)
            with pytest.raises(UpstreamError, match="invalid request target"):
                await upstream.open("GET", "/a b HTTP/1.1\r\n", [])
        assert len(accepted) == 1
        assert received == [
            b"POST /prefix/runs?x=1 HTTP/1.1\r\nhost: %b\r\nX-Thing: 1\r\n"
            b"transfer-encoding: chunked\r\n\r\n6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n" % host
        ]

    run(case)


def test_a_malformed_reply_is_an_upstream_error_and_the_connection_is_dropped() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n")
            await writer.drain()

    async def case() -> None:
        async with upstream_for(handler) as (upstream, accepted):
            for _ in range(2):
                with pytest.raises(UpstreamError, match="RemoteProtocolError"):
                    await upstream.open("GET", "/", [])
            assert len(accepted) == 2

    run(case)


def test_silence_and_a_full_pool_are_timeouts() -> None:
    accepted: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        if len(accepted) == 1:  # the first reply stops half way; later ones never start
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhalf")
            await writer.drain()
        await asyncio.sleep(30)

    async def case() -> None:
        async with upstream_for(
            handler, accepted, timeout=0.2, connect_timeout=0.2, max_connections=1
        ) as (upstream, _):
            reply = await upstream.open("GET", "/", [])
            with pytest.raises(UpstreamTimeout, match="PoolTimeout"):
                await upstream.open("GET", "/", [])  # the only connection is in use
            with pytest.raises(UpstreamTimeout, match="ReadTimeout"):
                await body_of(reply)
            with pytest.raises(UpstreamTimeout, match="ReadTimeout"):
                await upstream.open("GET", "/", [])  # the slot is free again; no reply

    run(case)


def test_a_reply_faster_than_its_reader_is_buffered_only_up_to_a_bound() -> None:
    size = 16 * HIGH_WATER

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
        block = b"x" * 65536
        for _ in range(size // len(block)):
            writer.write(block)
            await writer.drain()

    async def case() -> None:
        async with upstream_for(handler) as (upstream, _):
            reply = await upstream.open("GET", "/", [])
            connection = reply._connection
            assert connection is not None
            seen, most = 0, 0
            async for chunk in reply.aiter_raw():
                seen += len(chunk)
                await asyncio.sleep(0.005)  # a slow caller
                most = max(most, connection._buffered)
            await reply.aclose()
            assert seen == size
            assert most <= 2 * HIGH_WATER  # reading paused, not the whole reply in memory

    run(case)


def test_endless_headers_and_an_upgrade_are_refused() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        if b"/upgrade" in head:
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade")
            writer.write(b"\r\n\r\nraw bytes")
            await writer.drain()
            await asyncio.sleep(30)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(4 * MAX_HEAD_BYTES // 16):
            writer.write(b"x-h%09d: 1\r\n" % i)  # 16 bytes a line, never an end
            await writer.drain()

    async def case() -> None:
        async with upstream_for(handler) as (upstream, _):
            with pytest.raises(UpstreamError, match="headers too large"):
                await upstream.open("GET", "/", [])
            with pytest.raises(UpstreamError, match="RemoteProtocolError"):
                await upstream.open("GET", "/upgrade", [])

    run(case)


def test_a_body_is_framed_by_its_declared_length_and_never_overruns_it() -> None:
    received: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await read_head(reader)
            size = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n") if b"length:" in line),
                0,
            )
            received.append(head + await reader.readexactly(size))
            writer.write(OK)
            await writer.drain()

    async def body(*chunks: bytes) -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def case() -> None:
        async with upstream_for(handler) as (upstream, _):
            # A header that merely mentions chunked framing changes nothing.
            headers = [(b"x-note", b"transfer-encoding: chunked"), (b"content-length", b"5")]
            reply = await upstream.open("POST", "/a", headers, body(b"he", b"llo"))
            assert await body_of(reply) == b"ok"
            assert received[-1].endswith(b"content-length: 5\r\n\r\nhello")
            # More than declared would reach the upstream as a request of its own.
            with pytest.raises(UpstreamError, match="longer than its length"):
                await upstream.open("POST", "/b", [(b"content-length", b"3")], body(b"abc", b"d"))
            with pytest.raises(UpstreamError, match="shorter than its length"):
                await upstream.open("POST", "/c", [(b"content-length", b"9")], body(b"abc"))
            with pytest.raises(UpstreamError, match="invalid content-length"):
                await upstream.open(
                    "POST", "/d", [(b"content-length", b"1"), (b"content-length", b"2")], body()
                )
            # No body: a stray length is not sent (the upstream would wait for it).
            assert await body_of(await upstream.open("GET", "/e", [(b"content-length", b"7")]))
            assert b"content-length" not in received[-1]
            # /b went out with exactly its declared 3 bytes (the "d" never did); /c and /d
            # were cut or refused before they were whole: the upstream saw neither.
            assert [r.split(b" ")[1] for r in received] == [b"/a", b"/b", b"/e"]
            assert received[1].endswith(b"\r\n\r\nabc")

    run(case)


def test_a_whole_reply_is_waited_for_to_its_end_and_only_silence_times_it_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await read_head(reader)
            if b"/silent" in head:  # the head, then nothing
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\n")
                await writer.drain()
                await asyncio.sleep(30)
            elif b"/big" in head:
                size = 16 * HIGH_WATER
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
                for _ in range(size // 65536):
                    writer.write(b"x" * 65536)
                    await writer.drain()
            else:  # the head, then the body in pieces, together longer than the timeout
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n")
                for piece in (b"pi", b"ec", b"es", b"!!"):
                    await writer.drain()
                    await asyncio.sleep(0.3)
                    writer.write(piece)
                await writer.drain()

    async def case() -> None:
        async with upstream_for(handler, timeout=1.0) as (upstream, accepted):
            reply = await upstream.open("GET", "/slow", [], whole=True)
            # Returned with the reply complete (its body buffered), not at its head.
            assert reply._connection is not None
            assert reply._connection._complete
            assert await body_of(reply) == b"pieces!!"
            # However the reply is read, a whole one is buffered only up to a bound.
            reply = await upstream.open("GET", "/big", [], whole=True)
            connection = reply._connection
            assert connection is not None
            seen, most = 0, 0
            while chunk := await reply.read_chunk():
                seen += len(chunk)
                most = max(most, connection._buffered)
                await asyncio.sleep(0.005)  # a slow caller
            await reply.aclose()
            assert (seen, len(accepted)) == (16 * HIGH_WATER, 1)
            assert most <= 2 * HIGH_WATER
            with pytest.raises(UpstreamTimeout, match="ReadTimeout"):
                await upstream.open("GET", "/silent", [], whole=True)

    run(case)
