"""Raw asyncio servers on 127.0.0.1 that misbehave on purpose, one listening port per case.

Each answers every request (any path, any method) the same hostile way, so that every public
call meets it: the API calls, the event stream, and output downloads pointed at it.
"""

from __future__ import annotations

import asyncio
import threading
import zlib
from collections.abc import Awaitable, Callable

__all__ = ["CASES", "MEMORY_CASES", "HostileServers"]

TICK = 0.1  # seconds between the trickled bytes / informational replies


async def _trickle_body(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
    )
    while True:
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(TICK)


async def _endless_100_continue(writer: asyncio.StreamWriter) -> None:
    while True:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(TICK)


async def _headers_then_silence(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n")
    await writer.drain()
    await asyncio.sleep(3600)


async def _trickle_headers(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while True:
        writer.write(b"a")
        await writer.drain()
        await asyncio.sleep(TICK)


async def _keepalive_stream(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    while True:
        writer.write(b"c\r\n: keep-alive\n\r\n")
        await writer.drain()
        await asyncio.sleep(TICK)


async def _redirect_loop(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 302 Found\r\nLocation: /api/v1/loop\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()


async def _retry_after_60(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 60\r\nContent-Length: 0\r\n\r\n"
    )
    await writer.drain()


async def _endless_json(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
    block = b"0," * (32 << 10)
    while True:
        writer.write(block)
        await writer.drain()


def _bomb(wbits: int) -> bytes:
    # 64 MiB of zeros compress to ~64 KiB: four times the client's 16 MiB cap (a download,
    # which has no such cap, inflates it all: kept small so that costs the suite little).
    z = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = b"0" * (16 << 20)
    return b"".join(z.compress(zeros) for _ in range(4)) + z.flush()


_BOMBS: dict[str, bytes] = {}
_BOMB_WBITS: dict[str, int] = {}


def _bomb_case(coding: str, wbits: int) -> Callable[[asyncio.StreamWriter], Awaitable[None]]:
    _BOMB_WBITS[coding] = wbits

    async def serve(writer: asyncio.StreamWriter) -> None:
        body = _BOMBS[coding]
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: "
            + coding.encode()
            + b"\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
        )
        writer.write(body)
        await writer.drain()

    return serve


async def _deep_json(writer: asyncio.StreamWriter) -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    await writer.drain()


CASES: dict[str, Callable[[asyncio.StreamWriter], Awaitable[None]]] = {
    "trickled body": _trickle_body,
    "endless 100 Continue": _endless_100_continue,
    "headers then silence": _headers_then_silence,
    "trickled headers": _trickle_headers,
    "keep-alives only": _keepalive_stream,
    "redirect loop": _redirect_loop,
    "Retry-After 60": _retry_after_60,
    "endless JSON": _endless_json,
    "gzip bomb": _bomb_case("gzip", zlib.MAX_WBITS | 16),
    "deflate bomb": _bomb_case("deflate", zlib.MAX_WBITS),
    "deep JSON": _deep_json,
}
# Cases about memory: their calls run one after the other in the child, so that its peak
# RSS is the peak of one call, not of all at once.
MEMORY_CASES = frozenset({"endless JSON", "gzip bomb", "deflate bomb", "deep JSON"})


async def _read_request(reader: asyncio.StreamReader) -> bool:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return False
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return True


class HostileServers:
    """Every case's server, on a loop in a background thread; `urls[case]` is its address."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self._loop = asyncio.new_event_loop()
        self._servers: list[asyncio.Server] = []
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> HostileServers:
        for coding, wbits in _BOMB_WBITS.items():  # made before any client asks for one
            _BOMBS.setdefault(coding, _bomb(wbits))
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        for case, behaviour in CASES.items():
            server = await asyncio.start_server(self._handler(behaviour), "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            self._servers.append(server)
            self.urls[case] = f"http://127.0.0.1:{port}"

    async def _stop(self) -> None:
        for server in self._servers:
            server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _handler(
        self, behaviour: Callable[[asyncio.StreamWriter], Awaitable[None]]
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while await _read_request(reader):
                    await behaviour(writer)
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        return handle
