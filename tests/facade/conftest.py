"""Facade tests run every test against both clients, over real HTTP to a local server.

`client` is a `Flowscale`, or an `AsyncFlowscale` seen through `BlockingView`: a loop in a
background thread runs each coroutine, so one test body checks both clients.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest

from flowscale import AsyncFlowscale, AsyncRunEventStream, Flowscale
from flowscale.server import InputFile, LocalServer, RunContext, Workflow, WorkflowFailed

ECHO = "test-echo"
SLOW = "test-slow"
FAIL = "test-fail"
QUIET = "test-quiet"
TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
IMAGE_TO_IMAGE = "660f9411-f30c-52e5-b827-557766551111"
REPORT = "880b2633-b4de-4f1c-9d20-779988773333"


def _echo(ctx: RunContext) -> dict[str, Any]:
    described: dict[str, Any] = {}
    for name, value in ctx.inputs.items():
        if isinstance(value, InputFile):
            described[name] = {
                "filename": value.filename,
                "content_type": value.content_type,
                "size": value.size,
                "head": value.data[:16].hex(),
            }
        else:
            described[name] = value
    return {"echo.txt": json.dumps(described, sort_keys=True)}


def _slow(ctx: RunContext) -> dict[str, Any]:
    seconds = float(str(ctx.inputs["seconds"]))
    steps = 10
    for step in range(steps):
        ctx.progress(step + 1, steps, node_id="3", node_type="KSampler")
        ctx.sleep(seconds / steps)
    return {"result.txt": f"slept {seconds}"}


def _quiet(ctx: RunContext) -> dict[str, Any]:
    ctx.sleep(float(str(ctx.inputs["seconds"])))  # no events at all meanwhile
    return {"result.txt": "done"}


def _fail(ctx: RunContext) -> dict[str, Any]:
    ctx.log("about to fail", level="error")
    raise WorkflowFailed(f"exploded on {ctx.inputs['prompt']}", node_id="7", node_type="VAEDecode")


@pytest.fixture(scope="session")
def server() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.005, keepalive_interval=0.5) as srv:
        srv.register_workflow(
            Workflow(
                id=ECHO,
                name="Echo",
                description="Describes its inputs",
                inputs={
                    "prompt": "string",
                    "count": "number",
                    "flag": "boolean",
                    "options": "string",
                    "image": "image",
                },
                outputs={"echo": "text"},
                fn=_echo,
            )
        )
        srv.register_workflow(
            Workflow(
                id=SLOW,
                name="Slow",
                inputs={"seconds": "number"},
                outputs={"result": "text"},
                fn=_slow,
            )
        )
        srv.register_workflow(
            Workflow(
                id=FAIL, name="Fail", inputs={"prompt": "string"}, outputs={"x": "text"}, fn=_fail
            )
        )
        srv.register_workflow(
            Workflow(
                id=QUIET,
                name="Quiet",
                inputs={"seconds": "number"},
                outputs={"result": "text"},
                fn=_quiet,
            )
        )
        yield srv


@pytest.fixture(autouse=True)
def _clean_server(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").reset()


class BlockingView:
    """An `AsyncFlowscale` with blocking methods (each coroutine runs on a background loop)."""

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def run(self, awaitable: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), self._loop).result()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if asyncio.iscoroutine(result):
                return self.run(result)
            if isinstance(result, AsyncFlowscale):
                return BlockingView(result, self._loop)
            if isinstance(result, AsyncRunEventStream):
                return BlockingStream(result, self)
            if isinstance(result, AsyncIterator):
                return BlockingIterator(result, self)
            return result

        return call

    def __repr__(self) -> str:
        return repr(self._target)

    def close(self) -> None:
        self.run(self._target.aclose())

    def __enter__(self) -> BlockingView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


class BlockingIterator:
    def __init__(self, iterator: AsyncIterator[Any], view: BlockingView) -> None:
        self._iterator = iterator
        self._view = view

    def __iter__(self) -> BlockingIterator:
        return self

    def __next__(self) -> Any:
        try:
            return self._view.run(self._iterator.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None


class BlockingStream(BlockingIterator):
    def __init__(self, stream: AsyncRunEventStream, view: BlockingView) -> None:
        super().__init__(stream, view)
        self._stream = stream

    @property
    def last_seq(self) -> int:
        return self._stream.last_seq

    def close(self) -> None:
        self._view.run(self._stream.aclose())

    def dispatch(self, **callbacks: Any) -> None:
        self._view.run(self._stream.dispatch(**callbacks))

    def __enter__(self) -> BlockingStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="session")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


MakeClient = Callable[..., Any]


@pytest.fixture(params=["sync", "async"])
def make_client(
    request: pytest.FixtureRequest, server: LocalServer, loop: asyncio.AbstractEventLoop
) -> Iterator[MakeClient]:
    """Build clients of the parametrised kind (defaults: the local server and its key)."""
    made: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("base_url", server.base_url)
        if not kwargs.get("proxy_mode"):
            kwargs.setdefault("api_key", server.api_key)
        if request.param == "sync":
            client: Any = Flowscale(**kwargs)
        else:

            async def build() -> AsyncFlowscale:  # httpx.AsyncClient must be made on its loop
                return AsyncFlowscale(**kwargs)

            client = BlockingView(None, loop)
            client = BlockingView(client.run(build()), loop)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> Any:
    return make_client()


@pytest.fixture
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.callspec.params.get("make_client") == "async")
