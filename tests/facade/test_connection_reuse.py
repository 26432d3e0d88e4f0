"""Waiting on a run costs three requests on one connection: the start, the event stream, and
the confirming GET, which reuses the stream's connection because the stream is read to its
end after the final event (a stream closed unread would make the GET open a new one).

Connections are counted with httpcore's `trace` request extension, set by a request hook of
an HTTP client passed in; the requests by the same hook.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from flowscale import AsyncFlowscale, Flowscale
from flowscale.server import LocalServer

from .conftest import REPORT

CONNECT = "connection.connect_tcp.started"


def _check(requests: list[str], connects: list[str], run_id: str) -> None:
    assert requests == [
        "POST /api/v1/runs",
        f"GET /api/v1/runs/{run_id}/events",
        f"GET /api/v1/runs/{run_id}",
    ]
    assert connects == [CONNECT]


def test_sync_wait_confirms_on_the_stream_connection(server: LocalServer) -> None:
    requests: list[str] = []
    connects: list[str] = []

    def trace(name: str, info: dict[str, Any]) -> None:
        if name == CONNECT:
            connects.append(name)

    def hook(request: httpx.Request) -> None:
        requests.append(f"{request.method} {request.url.path}")
        request.extensions["trace"] = trace

    with (
        httpx.Client(event_hooks={"request": [hook]}) as http,
        Flowscale(api_key=server.api_key, base_url=server.base_url, http_client=http) as client,
    ):
        result = client.execute_workflow_async(REPORT, {"prompt": "fox", "seed": 2}, timeout=30)
    assert result.outputs
    _check(requests, connects, result.run_id)


def test_async_wait_confirms_on_the_stream_connection(server: LocalServer) -> None:
    requests: list[str] = []
    connects: list[str] = []

    async def trace(name: str, info: dict[str, Any]) -> None:
        if name == CONNECT:
            connects.append(name)

    async def hook(request: httpx.Request) -> None:
        requests.append(f"{request.method} {request.url.path}")
        request.extensions["trace"] = trace

    async def main() -> str:
        async with (
            httpx.AsyncClient(event_hooks={"request": [hook]}) as http,
            AsyncFlowscale(
                api_key=server.api_key, base_url=server.base_url, http_client=http
            ) as client,
        ):
            result = await client.execute_workflow_async(
                REPORT, {"prompt": "fox", "seed": 2}, timeout=30
            )
        assert result.outputs
        return result.run_id

    run_id = asyncio.run(main())
    _check(requests, connects, run_id)
