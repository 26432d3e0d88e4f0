"""Serving the proxy with uvicorn: in a background thread (tests, benchmarks, the demo) or in
the foreground (`flowscale proxy`)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any, Self

import uvicorn

from ._http import ASGIApp

__all__ = ["ProxyServer"]


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out so asyncio sets TCP_NODELAY (no Nagle delay on small replies).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop where it is installed (the [proxy] extra brings it; about a third less
    time per proxied request), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


class _HeadWithBody:
    """A transport that sends a reply's head together with what follows it.

    uvicorn writes a reply's head and its body separately; on loopback each write is a
    syscall and a wake-up of the reader, so a small JSON reply would cost the caller two
    reads instead of one (bench case "proxy": get_run, completion). A head is held until
    the next write (sent with it, in one write), the reply's completion (`flush`), the end
    of the loop's turn, or the transport's close, whichever comes first. Anything else goes
    out as it is written: a streamed reply's parts (the proxy relays each event as it
    comes) take no extra turn of the loop.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: list[bytes] | None = None
        self._pending: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._held is not None:  # a head waits for this: both go out now
            self._held.append(bytes(data))
            self.flush()
        elif data[:5] == b"HTTP/":  # a reply's head (a body beginning so just waits a turn)
            self._held = [bytes(data)]
            self._pending = asyncio.get_running_loop().call_soon(self.flush)
        elif not self._transport.is_closing():
            self._transport.write(data)

    def flush(self) -> None:
        """Send what is held now."""
        held, self._held = self._held, None
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.cancel()
        if held and not self._transport.is_closing():
            self._transport.write(held[0] if len(held) == 1 else b"".join(held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)


def _http_protocol() -> Any:
    """uvicorn's httptools protocol, a reply's head sent with its body ("auto" without
    httptools)."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return "auto"

    class Protocol(HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(_HeadWithBody(transport))  # type: ignore[arg-type]

        def on_response_complete(self) -> None:
            # The reply is complete: whatever is still held (the head of a reply without a
            # body: HEAD, 204) goes out now, not after what the app does next in this turn.
            self.transport.flush()  # type: ignore[attr-defined]
            super().on_response_complete()

    return Protocol


def uvicorn_config(app: ASGIApp, **overrides: Any) -> uvicorn.Config:
    options: dict[str, Any] = {
        "http": _http_protocol(),
        "lifespan": "on",
        "log_config": None,
        "log_level": "warning",
        "access_log": False,  # access lines would carry query strings; the app logs its own
        "timeout_graceful_shutdown": 2,
        "ws": "none",
        **overrides,
    }
    return uvicorn.Config(app, **options)


class ProxyServer:
    """``app`` served by uvicorn on ``host:port`` from a background thread (tests, the demo).

    The socket is bound when the server is made, so ``url`` is known before it starts. Use it
    as a context manager (``with ProxyServer(app) as server:``), or call `start` and `stop`.

    Args:
        app: The ASGI app to serve, e.g. a `FlowscaleProxy`.
        host: The address to listen on.
        port: The port (0: any free port).

    Raises:
        OSError: The address cannot be bound.
    """

    app: ASGIApp
    """The app served."""
    host: str
    """The address listened on."""
    url: str
    """The server's base URL, e.g. ``http://127.0.0.1:8787``."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._sock = _listen(host, port)
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn_config(app))
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        """Serve from a background thread; returns once the server is listening.

        Returns:
            This server.

        Raises:
            RuntimeError: The server failed to start (the cause is chained).
        """
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            async def serve() -> None:
                task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
                # uvicorn offers only a flag to say it is listening: look at it.
                while not self._server.started and not task.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.005)
                ready.set()
                await task

            try:
                with asyncio.Runner(loop_factory=_loop_factory()) as runner:
                    runner.run(serve())
            except BaseException as exc:
                failure.append(exc)
            finally:
                ready.set()

        self._thread = threading.Thread(target=main, name="flowscale-proxy", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise RuntimeError("the proxy failed to start") from failure[0]
        return self

    def stop(self) -> None:
        """Stop serving (open connections get a short grace period) and close the socket."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._thread = None
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
