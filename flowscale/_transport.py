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

import ssl
import time
import typing

import httpcore
import httpx

from ._bounds import RESPONSE_DEADLINE

__all__ = ["async_transport", "sync_transport"]

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


class _AsyncStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
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
        stream = await self._backend.connect_tcp(host, port, bounded, local_address, socket_options)
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
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
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
