"""The proxy's connection pool to the upstream API, on httpcore directly.

httpx's client adds what a proxy must not have (a cookie jar shared by every caller, proxies
and certificates from the environment, redirects) and costs about a fifth of a proxied
request's time; httpcore is the pool and HTTP/1.1 machinery underneath it, nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpcore

from ._http import RawHeaders

__all__ = ["Upstream", "UpstreamError", "UpstreamReply", "UpstreamTimeout"]

SAFE_METHODS = frozenset({"GET", "HEAD"})


class UpstreamError(Exception):
    """The upstream could not be reached, or broke the exchange."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer in time."""


class UpstreamReply:
    """A reply whose body is still to be read (``aiter_raw``); always ``aclose`` it."""

    def __init__(self, response: httpcore.Response) -> None:
        self._response = response
        self.status_code = response.status
        self.raw_headers: RawHeaders = list(response.headers)

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except httpcore.TimeoutException as exc:
            raise UpstreamTimeout(type(exc).__name__) from None
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            raise UpstreamError(type(exc).__name__) from None

    async def aclose(self) -> None:
        await self._response.aclose()


class Upstream:
    """Requests to one base URL (``http(s)://host[:port][/prefix]``), pooled."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        max_connections: int = 2000,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, not {base_url!r}")
        if parts.query or parts.fragment or parts.username:
            raise ValueError(f"upstream must be a plain base URL, not {base_url!r}")
        self._scheme = parts.scheme.encode()
        self._host = parts.hostname.encode("idna")
        self._port = parts.port
        self._prefix = parts.path.rstrip("/").encode()
        default_port = 443 if parts.scheme == "https" else 80
        shown = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        if self._port not in (None, default_port):
            shown = f"{shown}:{self._port}"
        self._host_header = shown.encode("idna")
        self._timeouts = {
            "connect": connect_timeout,
            "read": timeout,
            "write": timeout,
            "pool": connect_timeout,
        }
        self._max_connections = max_connections
        self._pool: httpcore.AsyncConnectionPool | None = None

    def _connections(self) -> httpcore.AsyncConnectionPool:
        if self._pool is None:  # made in the serving event loop, on first use
            self._pool = httpcore.AsyncConnectionPool(
                max_connections=self._max_connections,
                max_keepalive_connections=200,
                keepalive_expiry=30.0,
            )
        return self._pool

    async def open(
        self,
        method: str,
        target: str,
        headers: RawHeaders,
        body: AsyncIterator[bytes] | None = None,
    ) -> UpstreamReply:
        """Send the request; the reply's headers are in, its body still to be read."""
        sent = [(b"host", self._host_header), *headers]
        if body is not None and not any(k.lower() == b"content-length" for k, _ in sent):
            sent.append((b"transfer-encoding", b"chunked"))
        url = httpcore.URL(
            scheme=self._scheme,
            host=self._host,
            port=self._port,
            target=self._prefix + target.encode("ascii"),
        )
        request = httpcore.Request(
            method.encode("ascii"),
            url,
            headers=sent,
            content=body,
            extensions={"timeout": self._timeouts},
        )
        # A pooled connection the upstream closed just as it was reused fails before any
        # reply; a request without a body is safe to send once more on a fresh one.
        attempts = 2 if body is None and method in SAFE_METHODS else 1
        for attempt in range(attempts):
            try:
                response = await self._connections().handle_async_request(request)
            except httpcore.TimeoutException as exc:
                raise UpstreamTimeout(type(exc).__name__) from None
            except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
                if attempt + 1 < attempts and not isinstance(exc, httpcore.ConnectError):
                    continue
                raise UpstreamError(type(exc).__name__) from None
            except httpcore.UnsupportedProtocol as exc:
                raise UpstreamError(type(exc).__name__) from None
            return UpstreamReply(response)
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()
            self._pool = None
