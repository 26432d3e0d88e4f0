"""The SDK's own httpx transports, whose sockets respect the attempt's whole-response deadline.

httpcore hands each socket read the request's read timeout afresh, so a byte a second, or an
endless run of `HTTP/1.1 100 Continue` (which httpcore skips while waiting for the real
status line), keeps a request alive forever. Wrapping the network backend bounds every read
and write by `RESPONSE_DEADLINE` too (the deadline of the attempt in progress, set by the
request path): the first read past it fails as `httpx.ReadTimeout`, whatever the server does.
"""

# httpcore's network interface takes `timeout` arguments; these wrappers must too.
# ruff: noqa: ASYNC109

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import threading
import time
import typing
from collections.abc import Iterator
from contextvars import ContextVar

import httpcore
import httpx

from ._bounds import RESPONSE_DEADLINE

__all__ = ["Interrupter", "async_transport", "interruptible", "sync_transport"]

_SocketOption = (
    tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]
)


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    at = RESPONSE_DEADLINE.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the response did not arrive whole within the request's timeout")
    return left if timeout is None else min(timeout, left)


class _Shuttable(typing.Protocol):
    def shutdown(self, how: int, /) -> None: ...


class Interrupter:
    """Lets any thread end, at once, the requests another thread or task makes under it.

    A request made inside `interruptible(interrupter)` hands each socket it is about to block
    on (a new connection or one from the pool) to the interrupter; `interrupt()` shuts that
    socket down, which wakes a read or write blocked on it (closing it would not), and every
    socket handed over later is shut down at once. Final: there is no un-interrupting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop: typing.Callable[[], object] | None = None
        self.interrupted = False

    def watch(self, stop: typing.Callable[[], object]) -> bool:
        """Whether `stop` (which ends the blocking step in progress) is now the one an
        interrupt calls: False, and `stop` called at once, once interrupted."""
        with self._lock:
            if not self.interrupted:
                self._stop = stop
                return True
        stop()
        return False

    def forget(self) -> None:
        # Its request is over: the socket may go back to the pool, for others' requests.
        with self._lock:
            self._stop = None

    def interrupt(self) -> None:
        with self._lock:
            self.interrupted = True
            stop, self._stop = self._stop, None
        if stop is not None:
            stop()


def _shut(sock: _Shuttable) -> None:
    with contextlib.suppress(OSError):  # already closed: its reader is woken all the same
        sock.shutdown(socket.SHUT_RDWR)


# The interrupter of the request in progress in this thread or task (see `interruptible`).
_INTERRUPTER: ContextVar[Interrupter | None] = ContextVar("flowscale_interrupter", default=None)


@contextlib.contextmanager
def interruptible(interrupter: Interrupter) -> Iterator[None]:
    """Requests made in this block can be ended by `interrupter.interrupt()`."""
    token = _INTERRUPTER.set(interrupter)
    try:
        yield
    finally:
        _INTERRUPTER.reset(token)
        interrupter.forget()


def _watch(
    stream: httpcore.NetworkStream | httpcore.AsyncNetworkStream, interrupter: Interrupter
) -> None:
    # A socket.socket, or asyncio's TransportSocket view of one: both can shut down.
    sock = stream.get_extra_info("socket")
    if callable(getattr(sock, "shutdown", None)):
        interrupter.watch(functools.partial(_shut, sock))


def _connect_interruptibly(
    interrupter: Interrupter,
    host: str,
    port: int,
    timeout: float | None,
    local_address: str | None,
    socket_options: typing.Iterable[_SocketOption] | None,
) -> httpcore.NetworkStream | None:
    """httpcore's blocking connect (`socket.create_connection`, one address after the other),
    except that each socket is watched by `interrupter` before it connects: shutting down a
    connecting socket aborts the connect at once. None if httpcore's socket stream moved
    (then the usual, uninterruptible connect is used). Resolving the name is not interruptible.
    """
    try:
        from httpcore._backends.sync import SyncStream
    except ImportError:  # pragma: no cover - a later httpcore
        return None
    error: OSError | None = None
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
            host, port, 0, socket.SOCK_STREAM
        ):
            sock = socket.socket(family, kind, proto)
            try:
                if not interrupter.watch(functools.partial(_shut, sock)):
                    raise httpcore.ConnectError("the request was interrupted")
                sock.settimeout(timeout)
                if local_address is not None:
                    sock.bind((local_address, 0))
                sock.connect(address)
                if interrupter.interrupted:
                    raise httpcore.ConnectError("the request was interrupted")
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except BaseException as exc:
                sock.close()
                if interrupter.interrupted:
                    raise httpcore.ConnectError("the request was interrupted") from None
                if not isinstance(exc, OSError):
                    raise
                error = exc
                continue
            return SyncStream(sock)
    except TimeoutError as exc:
        raise httpcore.ConnectTimeout(str(exc)) from exc
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from exc
    if isinstance(error, TimeoutError):
        raise httpcore.ConnectTimeout(str(error)) from error
    raise httpcore.ConnectError(str(error or "the name resolved to no address")) from error


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if (interrupter := _INTERRUPTER.get()) is not None:
            _watch(self._stream, interrupter)
        return await self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # httpcore writes the (empty) end of every bodiless request
            return
        if (interrupter := _INTERRUPTER.get()) is not None:
            _watch(self._stream, interrupter)
        await self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _AsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        self._backend = backend

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        connecting = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
        interrupter = _INTERRUPTER.get()
        if interrupter is None:
            return _AsyncStream(await connecting)
        import asyncio  # here: a program using only the blocking client never needs it

        # No socket to shut down yet: an interrupt cancels the connect instead (from any
        # thread), and the request fails as a connect error, not as a cancelled task.
        task = asyncio.ensure_future(connecting)
        loop = asyncio.get_running_loop()
        interrupter.watch(lambda: loop.call_soon_threadsafe(task.cancel))
        try:
            stream = await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if interrupter.interrupted and not (current and current.cancelling()):
                raise httpcore.ConnectError("the request was interrupted") from None
            raise
        return _AsyncStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[_SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _AsyncStream(await self._backend.connect_unix_socket(path, bounded, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _SyncStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if (interrupter := _INTERRUPTER.get()) is not None:
            _watch(self._stream, interrupter)
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # httpcore writes the (empty) end of every bodiless request
            return
        if (interrupter := _INTERRUPTER.get()) is not None:
            _watch(self._stream, interrupter)
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _SyncStream(self._stream.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> typing.Any:
        return self._stream.get_extra_info(info)


class _SyncBackend(httpcore.NetworkBackend):
    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        interrupter = _INTERRUPTER.get()
        if interrupter is not None and type(self._backend) is httpcore.SyncBackend:
            opened = _connect_interruptibly(
                interrupter, host, port, bounded, local_address, socket_options
            )
            if opened is not None:
                return _SyncStream(opened)
        stream = self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
        return _SyncStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[_SocketOption] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _SyncStream(self._backend.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def async_transport(limits: httpx.Limits) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its sockets bounded by the attempt's deadline."""
    transport = httpx.AsyncHTTPTransport(limits=limits)
    # httpx builds its pool without a network_backend argument; swap in the bounded one
    # before any connection exists (connections take it from the pool when they open).
    pool = transport._pool
    pool._network_backend = _AsyncBackend(pool._network_backend)
    return transport


def sync_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """The blocking twin of `async_transport`."""
    transport = httpx.HTTPTransport(limits=limits)
    pool = transport._pool
    pool._network_backend = _SyncBackend(pool._network_backend)
    return transport
