"""8. Event throughput: the SDK's typed event stream vs raw httpx-sse over the same bytes."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx
from httpx_sse import aconnect_sse, connect_sse

from flowscale import AsyncFlowscale, Flowscale, RunEvent

from .. import _sse
from .._context import Case, Context
from .._model import Row, at_least, at_most, median, spread

EVENTS_PER_S = 100_000
MAX_RATIO = 1.2
# The honest baseline for a typed SDK, which must decode each event's JSON (issue 12, item 7).
MAX_RATIO_JSON = 1.3


def _facade_async(chunks: list[bytes]) -> int:
    async def main() -> int:
        seen = 0

        def on_event(event: RunEvent) -> None:
            nonlocal seen
            seen += 1

        async with (
            httpx.AsyncClient(transport=_sse.transport(chunks)) as http,
            AsyncFlowscale(api_key="bench", base_url=_sse.BASE_URL, http_client=http) as client,
        ):
            await client.subscribe_run_events(_sse.RUN_ID).dispatch(on_event=on_event)
        return seen

    return asyncio.run(main())


def _raw_async(chunks: list[bytes], decode: bool) -> int:
    async def main() -> int:
        seen = 0
        async with (
            httpx.AsyncClient(transport=_sse.transport(chunks)) as http,
            aconnect_sse(http, "GET", _sse.EVENTS_URL) as source,
        ):
            async for sse in source.aiter_sse():
                if sse.data:
                    if decode:
                        json.loads(sse.data)
                    seen += 1
        return seen

    return asyncio.run(main())


def _facade_sync(chunks: list[bytes]) -> int:
    seen = 0

    def on_event(event: RunEvent) -> None:
        nonlocal seen
        seen += 1

    with (
        httpx.Client(transport=_sse.transport(chunks)) as http,
        Flowscale(api_key="bench", base_url=_sse.BASE_URL, http_client=http) as client,
    ):
        client.subscribe_run_events(_sse.RUN_ID).dispatch(on_event=on_event)
    return seen


def _raw_sync(chunks: list[bytes], decode: bool) -> int:
    seen = 0
    with (
        httpx.Client(transport=_sse.transport(chunks)) as http,
        connect_sse(http, "GET", _sse.EVENTS_URL) as source,
    ):
        for sse in source.iter_sse():
            if sse.data:
                if decode:
                    json.loads(sse.data)
                seen += 1
    return seen


SIDES = ("facade_async", "raw_async", "raw_async_json", "facade_sync", "raw_sync", "raw_sync_json")
WARM_UP_EVENTS = 1000


def _side(name: str, chunks: list[bytes]) -> Callable[[], int]:
    """One way of consuming the stream: the SDK's, or raw httpx-sse (`_json`: plus
    `json.loads` of each event's data)."""
    flavour = "async" if "async" in name else "sync"
    if name.startswith("facade"):
        facade = _facade_async if flavour == "async" else _facade_sync
        return lambda: facade(chunks)
    raw = _raw_async if flavour == "async" else _raw_sync
    decode = name.endswith("_json")
    return lambda: raw(chunks, decode)


def _timed(fn: Callable[[], int], expected: int) -> float:
    started = time.perf_counter()
    seen = fn()
    elapsed = time.perf_counter() - started
    if seen != expected:
        raise AssertionError(f"saw {seen} events, expected {expected}")
    return elapsed


def run(ctx: Context) -> list[Row]:
    n = ctx.settings.event_count
    chunks = _sse.render(n)
    ctx.log(f"event stream: {n:,} events, {sum(map(len, chunks)) / 2**20:.1f} MiB")
    sides = {name: _side(name, chunks) for name in SIDES}
    warm_up = _sse.render(WARM_UP_EVENTS)
    for name in sides:  # imports, caches
        _timed(_side(name, warm_up), WARM_UP_EVENTS)
    times: dict[str, list[float]] = {name: [] for name in sides}
    order = list(sides)
    for trial in range(ctx.settings.event_trials):
        for name in order if trial % 2 == 0 else reversed(order):
            times[name].append(_timed(sides[name], n))
    rows = []
    for flavour, label in (("async", "AsyncFlowscale"), ("sync", "Flowscale")):
        facade = median(times[f"facade_{flavour}"])
        raw = median(times[f"raw_{flavour}"])
        raw_json = median(times[f"raw_{flavour}_json"])
        data = {name: spread(values) for name, values in times.items() if flavour in name}
        baseline = (
            f"raw httpx-sse: {n / raw:,.0f} events/s "
            f"(+ json.loads of each event: {n / raw_json:,.0f} events/s)"
        )
        rows.append(
            Row(
                figure=f"event throughput, {label} (parse + typed dispatch)",
                value=n / facade,
                shown=f"{n / facade:,.0f} events/s",
                baseline=baseline,
                target=at_least(EVENTS_PER_S, f"≥ {EVENTS_PER_S:,} events/s"),
                unit="events/s",
                data={"events": n, "seconds": data},
            )
        )
        rows.append(
            Row(
                figure=f"event time vs raw httpx-sse, {label}",
                value=facade / raw,
                shown=f"{facade / raw:.2f}x",
                baseline=f"raw httpx-sse: {raw * 1e6 / n:.2f} µs/event; "
                f"+ json.loads: {raw_json / raw:.2f}x",
                target=at_most(MAX_RATIO, f"≤ {MAX_RATIO}x raw httpx-sse"),
                unit="ratio",
                data={"facade_s": facade, "raw_s": raw, "raw_json_s": raw_json},
            )
        )
        rows.append(
            Row(
                figure=f"event time vs raw httpx-sse + json.loads, {label}",
                value=facade / raw_json,
                shown=f"{facade / raw_json:.2f}x",
                baseline=f"raw httpx-sse + json.loads: {raw_json * 1e6 / n:.2f} µs/event; "
                f"flowscale: {facade * 1e6 / n:.2f} µs/event",
                target=at_most(MAX_RATIO_JSON, f"≤ {MAX_RATIO_JSON}x raw httpx-sse + json.loads"),
                unit="ratio",
                data={"facade_s": facade, "raw_json_s": raw_json},
            )
        )
    return rows


CASE = Case("events", "Event throughput", run)
