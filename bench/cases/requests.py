"""2. HTTP requests spent per completed run (a run of `requests_run_seconds` with three
outputs), counted by the server itself (`/_admin/counters`), for the SDK following events, the
SDK forced to poll (the events route answers 501), and the vendor SDK's polling loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from .. import _workflows
from .._baselines import VENDOR_POLL_INTERVAL, RawAPI, vendor_loop
from .._context import Case, Context
from .._model import Row, at_most
from .._runs import async_client, sleep_inputs
from .._serverproc import ServerProcess

MAX_REQUESTS = 4
TIMEOUT = 120.0


async def _facade(server: ServerProcess, inputs: dict[str, Any]) -> int:
    async with async_client(server) as client:
        result = await client.execute_workflow_async(_workflows.THREE, inputs, timeout=TIMEOUT)
    return len(result.outputs)


async def _vendor(server: ServerProcess, inputs: dict[str, Any]) -> int:
    async with httpx.AsyncClient() as http:
        outputs = await vendor_loop(
            RawAPI(server, http), _workflows.THREE, inputs, VENDOR_POLL_INTERVAL, TIMEOUT
        )
    return len(outputs)


def _count(
    server: ServerProcess, go: Callable[[], Coroutine[Any, Any, int]], fault: dict[str, Any] | None
) -> dict[str, int]:
    server.reset()
    if fault is not None:
        server.add_fault(**fault)
    try:
        outputs = asyncio.run(go())
    finally:
        server.clear_faults()
    if outputs != 3:
        raise AssertionError(f"expected 3 outputs, got {outputs}")
    counters = server.counters()
    if counters["runs_created"] != {_workflows.THREE: 1}:
        raise AssertionError(f"expected one run, the server saw {counters['runs_created']}")
    requests: dict[str, int] = counters["requests"]
    return requests


def _shown(requests: dict[str, int]) -> str:
    return ", ".join(f"{route} {n}" for route, n in sorted(requests.items()))


def run(ctx: Context) -> list[Row]:
    seconds = ctx.settings.requests_run_seconds
    inputs = sleep_inputs(seconds, steps=max(1, round(seconds)))
    no_events = {"kind": "status", "code": 501, "route": "stream_run_events"}
    with ctx.server() as server:
        events = _count(server, lambda: _facade(server, inputs), None)
        ctx.log(f"requests, events: {_shown(events)}")
        polling = _count(server, lambda: _facade(server, inputs), no_events)
        ctx.log(f"requests, polling fallback: {_shown(polling)}")
        vendor = _count(server, lambda: _vendor(server, inputs), None)
        ctx.log(f"requests, vendor loop: {_shown(vendor)}")
    run_label = f"{seconds:g} s run, 3 outputs"
    vendor_total = sum(vendor.values())
    baseline = f"vendor loop (poll run, then each output, every 2 s): {vendor_total}"
    return [
        Row(
            figure=f"HTTP requests per completed run, events ({run_label})",
            value=sum(events.values()),
            shown=str(sum(events.values())),
            baseline=baseline,
            target=at_most(MAX_REQUESTS, f"≤ {MAX_REQUESTS}"),
            unit="requests",
            note=_shown(events),
            data={"events": events, "vendor": vendor},
        ),
        Row(
            figure=f"HTTP requests per completed run, polling fallback ({run_label})",
            value=sum(polling.values()),
            shown=str(sum(polling.values())),
            baseline=baseline,
            unit="requests",
            note=_shown(polling) + " (the events route answered 501)",
            data={"polling": polling, "vendor": vendor},
        ),
    ]


CASE = Case("requests", "Requests per run", run)
