"""The proxy's connection pool to the upstream API: HTTP/1.1 on asyncio, parsed by httptools.

Why not a client library: httpx adds what a proxy must not have (a cookie jar shared by every
caller, proxies and certificates from the environment, redirects), and httpcore, the pool
under it, spent about half of a proxied get_run's CPU in the proxy process (h11's pure-Python
parser and anyio's checkpoints, measured by cProfile: bench case "proxy"). What a proxy needs
from a client is small: keep-alive connections to one origin, a request written in one piece,
replies parsed by llhttp (httptools, which uvicorn already uses on the other side) and handed
on as they arrive, with bounded buffering and timeouts. That is this module.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

from ._http import RawHeaders

__all__ = ["Upstream", "UpstreamError", "UpstreamReply", "UpstreamTimeout"]

SAFE_METHODS = frozenset({"GET", "HEAD"})
# Reading pauses while this much of a reply waits for the proxy to pass it on.
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
RELAY_CHUNK = 256 * 1024  # at most this much of what is buffered is handed on at once
MAX_HEAD_BYTES = 64 * 1024  # a reply's status line and headers (llhttp itself has no limit)
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(rb"[\r\n\0]")
_TARGET = re.compile(rb"/[!-~]*")  # printable ASCII, no spaces


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer in time."""


class _Connection(asyncio.Protocol):
    """One keep-alive connection; at most one exchange on it at a time."""

    def __init__(self, io_timeout: float) -> None:
        self._io_timeout = io_timeout  # seconds each read and write may take
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._writable: asyncio.Future[None] | None = None  # set while writing is paused
        self._busy = False
        self._last_read = 0.0  # the loop's time when bytes last came
        self._timer: asyncio.TimerHandle | None = None
        self._begin(head_only=False, whole=False)

    def _begin(self, *, head_only: bool, whole: bool) -> None:
        self._head_only = head_only
        # Whole: the reader wants the complete reply, so its waits end when the reply is
        # complete (or the buffer is full, or the exchange fails), not at its head and at
        # every piece of its body: one wake-up per small reply, however the upstream wrote it.
        self._whole = whole
        self._got_bytes = False
        self._head_bytes = 0
        self._status = 0
        self._headers: RawHeaders = []
        self._informational = False
        self._head_done = False
        self._close_delimited = False
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._reading_paused = False
        self._complete = False
        self._keep_alive = False
        self._error: UpstreamError | None = None
        self._waiter: asyncio.Future[bool] | None = None

    def start(self, head_only: bool, whole: bool = False) -> None:
        self._begin(head_only=head_only, whole=whole)
        self._busy = True

    @property
    def reusable(self) -> bool:
        return (
            self._complete
            and self._keep_alive
            and self._error is None
            and not self._head_only
            and not self.closed
        )

    # ---- asyncio.Protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport (uvloop's too)

    def data_received(self, data: bytes) -> None:
        if not self._busy:  # nothing was asked: a broken upstream
            self.close()
            return
        self._got_bytes = True
        if self._whole:
            self._last_read = asyncio.get_running_loop().time()
        try:
            self._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(UpstreamError(f"RemoteProtocolError: {type(exc).__name__}"))
            self.close()
            return
        if not self._head_done:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:  # endless headers: not held in memory
                self._fail(UpstreamError("RemoteProtocolError: reply headers too large"))
                self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._busy and not self._complete:
            if self._head_done and self._close_delimited and exc is None:
                self._complete = True  # a body delimited by the end of the connection
            else:
                self._fail(UpstreamError("RemoteProtocolError: the upstream closed the connection"))
        self._wake()
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # ---- httptools callbacks ---------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # 100 Continue and the like: the real reply follows
            self._informational = True
            self._headers = []
            return
        self._status = status
        self._head_done = True
        if self._head_only:
            self._complete = True  # no body follows; the connection is not reused
        elif status not in (204, 304):
            framed = any(
                k.lower() in (b"content-length", b"transfer-encoding") for k, _ in self._headers
            )
            self._close_delimited = not framed
        if self._complete or not self._whole:
            self._wake()

    def on_body(self, body: bytes) -> None:
        if self._head_only:
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._reading_paused and self.transport:
            self._reading_paused = True
            self.transport.pause_reading()
        if self._reading_paused or not self._whole:
            self._wake()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self._complete = True
        self._keep_alive = self._parser.should_keep_alive()
        self._wake()

    # ---- the exchange ----------------------------------------------------------------------
    def _fail(self, error: UpstreamError) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    async def _wait(self, what: str) -> None:
        # A timer that resolves the waiter with False, rather than asyncio.timeout: this runs
        # for every read, and a timeout context (a cancellation scope) costs several times
        # more than one timer.
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        self._timer = loop.call_later(self._io_timeout, self._expire, waiter)
        try:
            woken = await waiter
        finally:
            if self._timer is not None:
                self._timer.cancel()
        if not woken:
            self.close()
            raise UpstreamTimeout(what)

    def _expire(self, waiter: asyncio.Future[bool]) -> None:
        if waiter.done():
            return
        loop = asyncio.get_running_loop()
        # A wait for a whole reply may span several reads: it times out once no byte has
        # come for the timeout, as a wait for one read does.
        left = self._last_read + self._io_timeout - loop.time() if self._whole else 0.0
        if left > 0:
            self._timer = loop.call_later(left, self._expire, waiter)
        else:
            waiter.set_result(False)

    async def write(self, data: bytes) -> None:
        if self.closed or self.transport is None:
            raise UpstreamError("WriteError: the upstream closed the connection")
        self.transport.write(data)
        if self._writable is not None:
            try:
                async with asyncio.timeout(self._io_timeout):
                    await self._writable
            except TimeoutError:
                self.close()
                raise UpstreamTimeout("WriteTimeout") from None

    async def head(self) -> tuple[int, RawHeaders]:
        while not self._head_done:
            if self._error is not None:
                raise self._error
            if self.closed:
                raise UpstreamError("RemoteProtocolError: the upstream closed the connection")
            await self._wait("ReadTimeout")
        return self._status, self._headers

    @property
    def answered(self) -> bool:
        """Whether any byte of a reply has come (else a reused connection may be retried)."""
        return self._got_bytes

    async def next_chunk(self) -> bytes:
        """What has come of the body since the last call; b"" once it is complete."""
        while not self._chunks:
            if self._complete:
                return b""
            if self._error is not None:
                raise self._error
            await self._wait("ReadTimeout")
        if len(self._chunks) > 1 and self._buffered <= RELAY_CHUNK:
            # Everything one read brought (e.g. several events): passed on in one write.
            chunk = b"".join(self._chunks)
            self._chunks.clear()
        else:
            chunk = self._chunks.popleft()
        self._buffered -= len(chunk)
        if self._reading_paused and self._buffered < LOW_WATER and self.transport:
            self._reading_paused = False
            self.transport.resume_reading()
        return chunk

    @property
    def drained(self) -> bool:
        return self._complete and not self._chunks

    def finish(self) -> bool:
        """End the exchange; True if the connection can carry another one."""
        self._busy = False
        if self.reusable:
            self.idle_since = time.monotonic()
            return True
        self.close()
        return False

    def close(self) -> None:
        self.closed = True
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()


class UpstreamReply:
    """A reply whose body is still to be read (``aiter_raw``); always ``aclose`` it."""

    def __init__(
        self,
        upstream: Upstream,
        connection: _Connection,
        status: int,
        headers: RawHeaders,
    ) -> None:
        self._upstream = upstream
        self._connection: _Connection | None = connection
        self.status_code = status
        self.raw_headers: RawHeaders = headers

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        """The body as it arrives (what is buffered, joined, at each step)."""
        while chunk := await self.read_chunk():
            yield chunk

    async def read_chunk(self) -> bytes:
        """What has come of the body since the last call (waiting for some); b"" at its end.

        A loop over this rather than over `aiter_raw` leaves no async generator behind when
        it stops early (asyncio closes an abandoned one in a task of its own, scheduled
        through the loop's thread-safe wake-up).
        """
        connection = self._connection
        if connection is None:
            raise UpstreamError("ReadError: the reply is closed")
        return await connection.next_chunk()

    @property
    def complete(self) -> bool:
        """Whether all of the body has come and been handed on (nothing more will)."""
        connection = self._connection
        return connection is None or connection.drained

    async def aclose(self) -> None:
        """Hand the connection back (a body not read to its end closes it)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._upstream._release(connection)


class Upstream:
    """Requests to one base URL (``http(s)://host[:port][/prefix]``), pooled."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_connections: int = 2000,
        max_idle_connections: int = 200,
        keepalive_expiry: float = 30.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {base_url!r}")
        if parts.query or parts.fragment or parts.username:
            raise ValueError(f"upstream must be a plain base URL, not {base_url!r}")
        self._tls = parts.scheme == "https"
        self._host = parts.hostname
        default_port = 443 if self._tls else 80
        self._port = parts.port or default_port
        self._prefix = parts.path.rstrip("/").encode()
        shown = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if self._port != default_port:
            shown = f"{shown}:{self._port}"
        self._host_header = shown.encode("idna")
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_idle = max_idle_connections
        self._expiry = keepalive_expiry
        self._max_connections = max_connections
        self._slots: asyncio.Semaphore | None = None  # made in the serving loop, on first use
        self._idle: list[_Connection] = []
        self._open: set[_Connection] = set()
        self._ssl: ssl.SSLContext | None = None

    async def open(
        self,
        method: str,
        target: str,
        headers: RawHeaders,
        body: AsyncIterator[bytes] | None = None,
        *,
        whole: bool = False,
    ) -> UpstreamReply:
        """Send the request; the reply's headers are in, its body still to be read.

        ``whole``: return once the reply is complete (up to `HIGH_WATER` of its body buffered),
        for a caller that reads it whole anyway; else as soon as its head is in.
        """
        head, length = self._request_head(method, target, headers, body is not None)
        # A pooled connection the upstream closed just as it was reused fails before any
        # reply; a request without a body is safe to send once more on a fresh one.
        retry = body is None and method in SAFE_METHODS
        await self._take_slot()
        try:
            while True:
                connection, reused = await self._connection()
                try:
                    return await self._exchange(connection, method, head, body, length, whole)
                except UpstreamTimeout:
                    raise
                except UpstreamError:
                    if not (retry and reused and not connection.answered):
                        raise
                    retry = False
        except BaseException:
            self._free_slot()
            raise

    def _request_head(
        self, method: str, target: str, headers: RawHeaders, has_body: bool
    ) -> tuple[bytes, int | None]:
        """The request line and headers, and the body's declared length (None: chunked)."""
        path = self._prefix + target.encode("ascii")
        if not _TARGET.fullmatch(path):
            raise UpstreamError(f"LocalProtocolError: invalid request target {target!r}")
        lines = [method.encode("ascii"), b" ", path, b" HTTP/1.1\r\nhost: ", self._host_header]
        lengths = set()
        for name, value in headers:
            # Headers come from a parsed request or from the proxy itself; a line break in
            # one would smuggle a second request to the upstream, so check regardless.
            if not _TOKEN.fullmatch(name) or _BAD_VALUE.search(value):
                raise UpstreamError("LocalProtocolError: invalid header")
            lowered = name.lower()
            if lowered == b"content-length":
                lengths.add(value.strip())
                continue  # written below, once, as the body is framed
            if lowered in (b"host", b"transfer-encoding"):
                continue  # the proxy frames the request itself
            lines += (b"\r\n", name, b": ", value)
        length = None
        if has_body:
            if len(lengths) > 1 or not all(v.isdigit() for v in lengths):
                raise UpstreamError("LocalProtocolError: invalid content-length")
            if lengths:
                length = int(lengths.pop())
                lines += (b"\r\ncontent-length: ", str(length).encode())
            else:
                lines.append(b"\r\ntransfer-encoding: chunked")
        # No body: no length either, or the upstream would read the next request as one.
        lines.append(b"\r\n\r\n")
        return b"".join(lines), length

    async def _exchange(
        self,
        connection: _Connection,
        method: str,
        head: bytes,
        body: AsyncIterator[bytes] | None,
        length: int | None,
        whole: bool,
    ) -> UpstreamReply:
        connection.start(head_only=method == "HEAD", whole=whole)
        try:
            if body is None:
                await connection.write(head)
            else:
                await self._send_body(connection, head, body, length)
            status, headers = await connection.head()
        except BaseException:
            connection.close()
            self._forget(connection)
            raise
        return UpstreamReply(self, connection, status, headers)

    async def _send_body(
        self,
        connection: _Connection,
        head: bytes,
        body: AsyncIterator[bytes],
        length: int | None,
    ) -> None:
        """The body, chunked or exactly as long as declared (else the connection is dropped)."""
        pending = head
        left = length
        async for chunk in body:
            if connection.closed:
                return  # the upstream answered early (and closed): its reply is what counts
            if left is None:
                chunk = b"%x\r\n%b\r\n" % (len(chunk), chunk)
            else:
                left -= len(chunk)
                if left < 0:  # more than declared would reach the upstream as a request
                    raise UpstreamError("LocalProtocolError: body longer than its length")
            await connection.write(pending + chunk if pending else chunk)
            pending = b""
        if left:
            raise UpstreamError("LocalProtocolError: body shorter than its length")
        if not connection.closed:
            await connection.write(pending + (b"0\r\n\r\n" if length is None else b""))

    # ---- the pool --------------------------------------------------------------------------
    async def _take_slot(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self._max_connections)
        if not self._slots.locked():
            await self._slots.acquire()  # free: returns at once
            return
        try:
            async with asyncio.timeout(self._connect_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise UpstreamTimeout("PoolTimeout") from None

    def _free_slot(self) -> None:
        assert self._slots is not None
        self._slots.release()

    async def _connection(self) -> tuple[_Connection, bool]:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self._expiry:
                return connection, True
            connection.close()
            self._forget(connection)
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self._timeout),
                    self._host,
                    self._port,
                    ssl=self._ssl_context() if self._tls else None,
                )
        except TimeoutError:
            raise UpstreamTimeout("ConnectTimeout") from None
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamError(f"ConnectError: {type(exc).__name__}") from None
        self._open.add(connection)
        return connection, False

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            try:
                import certifi  # httpx's own CA bundle, when it is there
            except ImportError:  # pragma: no cover - httpx depends on it
                self._ssl = ssl.create_default_context()
            else:
                self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl

    def _release(self, connection: _Connection) -> None:
        if connection.finish() and len(self._idle) < self._max_idle:
            self._idle.append(connection)
        else:
            connection.close()
            self._forget(connection)
        self._free_slot()

    def _forget(self, connection: _Connection) -> None:
        self._open.discard(connection)

    async def aclose(self) -> None:
        for connection in list(self._open):
            connection.close()
        self._open.clear()
        self._idle.clear()
