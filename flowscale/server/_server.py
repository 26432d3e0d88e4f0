"""LocalServer: the API and the file host on two loopback ports, served by uvicorn from a
background thread with its own event loop, plus the worker containers running the workflows."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib.util
import secrets
import signal
import socket
import sys
import tempfile
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self, TextIO

import uvicorn

from ._app import build_api_app
from ._faults import Faults
from ._files import build_files_app
from ._gate import API_ROUTES, FILE_ROUTES, gate, route_name
from ._hub import EventHub
from ._models import Workflow
from ._registry import Registry
from ._runner import Runner
from ._signing import Signer
from ._state import ServerState
from ._store import Store
from ._telemetry import Telemetry
from ._turns import taking_turns
from ._workflows import BUILTINS

DEFAULT_STEP_DELAY = 0.2
_DB_NAME = "flowscale.sqlite3"


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, told to exit by an event instead of noticing a flag within 0.1 s."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.exit_now = asyncio.Event()

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.exit_now.wait(), timeout=0.1)
            should_exit = await self.on_tick(counter)


# The requests that take a turn on the loop before anything runs for them (see _turns.py).
_HEAVY_OPERATIONS = frozenset({"execute_workflow", "stream_run_events"})


def _heavy(scope: Any) -> bool:
    return route_name(API_ROUTES, scope["method"], scope["path"]) in _HEAVY_OPERATIONS


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
    # and without it every response waits ~40 ms (Nagle against the client's delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # room for hundreds of clients connecting at once
    sock.setblocking(False)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class LocalServer:
    """A Flowscale-compatible server on loopback; see the package docstring."""

    def __init__(
        self,
        api_key: str | None = None,
        workers: int = 2,
        data_dir: str | Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        keepalive_interval: float = 15.0,
        step_delay: float | None = None,
        url_ttl: float = 3600.0,
        files_port: int = 0,
    ) -> None:
        self.api_key: str = api_key or "fs-local-" + secrets.token_urlsafe(24)
        self.faults: Faults = Faults()
        self.host = host
        self._port = port
        self._files_port = files_port
        self._workers = workers
        self._data_dir = Path(data_dir) if data_dir is not None else None
        self._keepalive = keepalive_interval
        self._step_delay = DEFAULT_STEP_DELAY if step_delay is None else step_delay
        self._url_ttl = url_ttl
        self._telemetry = Telemetry()
        self._registry = Registry()
        for workflow in BUILTINS:
            self._registry.register(workflow)
        self._state: ServerState | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._servers: list[_Uvicorn] = []
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._failure: BaseException | None = None
        self.base_url: str = ""
        self.files_url: str = ""

    # ---- public API -----------------------------------------------------------------------
    def register_workflow(self, workflow: Workflow) -> None:
        """Offer ``workflow`` (replacing a workflow with the same id)."""
        self._registry.register(workflow)

    def counters(self) -> dict[str, Any]:
        """Requests served per route (`"requests"`) and runs created per workflow id
        (`"runs_created"`), since the start or the last `reset()`."""
        return self._telemetry.counters()

    def file_requests(self) -> list[dict[str, str]]:
        """The headers of every request to the output file host since the start or the last
        `reset()`, one dict per request (tests check that no API key reaches that host)."""
        return self._telemetry.file_requests()

    def runs_by_group(self) -> dict[str, int]:
        """Runs created per group id since the last reset (a duplicate shows as 2)."""
        return self._telemetry.runs_by_group()

    def reset(self) -> None:
        """Clear faults, counters and recorded file requests (runs stay)."""
        self.faults.clear()
        self._telemetry.reset()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- start and stop -------------------------------------------------------------------
    def start(self) -> Self:
        """Start both hosts on their ports and return once they accept connections.

        Returns:
            This server, with `base_url` and `files_url` set.

        Raises:
            RuntimeError: The server is already started, or failed to start.
        """
        if self._thread is not None:
            raise RuntimeError("this LocalServer is already started")
        if self._data_dir is not None:
            root = self._data_dir
            root.mkdir(parents=True, exist_ok=True)
            store = Store(root / _DB_NAME)
        else:
            self._tmp = tempfile.TemporaryDirectory(prefix="flowscale-server-")
            root = Path(self._tmp.name)
            store = Store(None)
        files_dir = root / "files"
        files_dir.mkdir(exist_ok=True)
        api_sock = _listen(self.host, self._port)
        files_sock = _listen(self.host, self._files_port)
        self.base_url = _url(self.host, api_sock)
        self.files_url = _url(self.host, files_sock)
        # Persisted, so links made before a restart on the same data directory stay valid.
        secret = bytes.fromhex(store.meta("signing_secret", secrets.token_hex(32)))
        hub = EventHub()
        runner = Runner(
            store=store,
            hub=hub,
            telemetry=self._telemetry,
            registry=self._registry,
            files_dir=files_dir,
            workers=self._workers,
            step_delay=self._step_delay,
        )
        state = ServerState(
            api_key=self.api_key,
            store=store,
            runner=runner,
            registry=self._registry,
            hub=hub,
            signer=Signer(secret, self.files_url, self._url_ttl),
            faults=self.faults,
            telemetry=self._telemetry,
            files_dir=files_dir,
            keepalive_interval=self._keepalive,
        )
        self._state = state
        api = gate(build_api_app(state), state, API_ROUTES, guard_admin=True, record=False)
        api = taking_turns(api, state.turns, _heavy)
        files = gate(build_files_app(state), state, FILE_ROUTES, guard_admin=False, record=True)
        self._servers = [self._uvicorn(api), self._uvicorn(files)]
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._thread_main,
            args=(ready, [api_sock, files_sock]),
            name="flowscale-server",
            daemon=True,
        )
        self._thread.start()
        ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise RuntimeError("the local server failed to start") from self._failure
        runner.start()
        return self

    def _uvicorn(self, app: Any) -> _Uvicorn:
        config = uvicorn.Config(
            app,
            # uvicorn's C parser when the server extra brought it (it halves the loop's time
            # per request, which is what 1,000 runs starting at once queue up behind).
            http="httptools" if importlib.util.find_spec("httptools") else "h11",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            # No X-Forwarded-* rewriting: a loopback server behind no proxy (and one
            # coroutine less around every request, a thousand streams held open included).
            proxy_headers=False,
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
        )
        return _Uvicorn(config)

    def _thread_main(self, ready: threading.Event, sockets: list[socket.socket]) -> None:
        async def main() -> None:
            loop = asyncio.get_running_loop()
            self._loop = loop
            assert self._state is not None
            self._state.hub.bind(loop)
            self._state.store.bind(loop)  # the store's single writer (see _store.py)
            tasks = [
                asyncio.create_task(server.serve(sockets=[sock]))
                for server, sock in zip(self._servers, sockets, strict=True)
            ]
            while not all(server.started for server in self._servers):
                if any(task.done() for task in tasks):
                    break
                await asyncio.sleep(0.005)
            ready.set()
            await asyncio.gather(*tasks)
            # A client that connected while shutdown was under way can be left with an open
            # transport nobody serves: close those now, while the loop can still run their
            # connection_lost callbacks, instead of leaving the client hanging until GC.
            # (Accepting is itself asynchronous: look a few times.)
            for _ in range(5):
                for server in self._servers:
                    for connection in list(server.server_state.connections):
                        transport = getattr(connection, "transport", None)
                        if transport is not None:
                            transport.abort()
                await asyncio.sleep(0.01)

        try:
            asyncio.run(main())
        except BaseException as exc:  # surfaced by start() if it happens before readiness
            self._failure = exc
        finally:
            if self._state is not None:  # writes still waiting for the loop run here
                self._state.store.unbind()
            for sock in sockets:
                sock.close()
            ready.set()

    def stop(self) -> None:
        """Stop serving: open streams end, hung requests are cut, workers are told to stop."""
        thread, loop, state = self._thread, self._loop, self._state
        if thread is None or state is None:
            return
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._begin_shutdown)
        state.runner.stop(timeout=2.0)
        thread.join(timeout=10)
        state.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self._thread = None
        self._state = None

    def _begin_shutdown(self) -> None:
        assert self._state is not None
        self._state.stopping.set()
        self._state.hub.close_all()
        for server in self._servers:
            server.should_exit = True
            server.exit_now.set()


@contextlib.contextmanager
def dedicated_process() -> Iterator[None]:
    """For a process that exists to serve (`serve_forever`, `flowscale serve`): once started,
    everything alive (modules, classes, the server's own setup) is left out of every garbage
    collection until the block ends (`gc.freeze`, undone by `gc.unfreeze`).

    A full collection walks every tracked object while the loop waits: with a thousand runs
    and their streams open, one took 50-90 ms, of which the objects of startup, which never
    become garbage, were two thirds (20-30 ms without them). Not done by `LocalServer` itself:
    inside a test suite or an application, the process and its objects are not the server's.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def serve_forever(
    host: str = "127.0.0.1",
    port: int = 8080,
    api_key: str | None = None,
    workers: int = 2,
    data_dir: str | Path | None = None,
    *,
    step_delay: float | None = None,
    files_port: int = 0,
    url_ttl: float = 3600.0,
    keepalive_interval: float = 15.0,
    out: TextIO | None = None,
) -> int:
    """Run a LocalServer in the foreground until Ctrl-C (SIGINT) or SIGTERM; returns 0."""
    out = out or sys.stdout
    server = LocalServer(
        api_key=api_key,
        workers=workers,
        data_dir=data_dir,
        host=host,
        port=port,
        step_delay=step_delay,
        files_port=files_port,
        url_ttl=url_ttl,
        keepalive_interval=keepalive_interval,
    )
    done = threading.Event()

    def on_signal(signum: int, frame: types.FrameType | None) -> None:
        done.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        with dedicated_process():
            print(f"Flowscale local server: {server.base_url}", file=out)
            print(f"Files served from:      {server.files_url}", file=out)
            print(f"API key:                {server.api_key}", file=out)
            print("Press Ctrl-C to stop.", file=out, flush=True)
            while not done.wait(0.5):
                pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Stopped.", file=out, flush=True)
    return 0
