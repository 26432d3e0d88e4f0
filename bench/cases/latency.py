"""1. Completion latency: from the moment the run's workflow returns on the server to the
moment `execute_workflow_async` returns in the client.

The workflow returns `time.monotonic()` as a text output, read just before it returns
(CLOCK_MONOTONIC is system-wide on Linux, so the two processes' clocks agree); what the server
still does after that (storing the outputs, marking the run completed) counts against the
SDK. Baselines: the vendor's plain polling loop at its default 2 s interval, one loopback
round trip (a GET of a run on the same server), and the floor of any event-driven client:
raw httpx reading the run's event stream to its end, then one GET of the run on the now warm
connection (what the SDK does to confirm the outputs). The blocking `Flowscale` is held to the
same floor done with a blocking `httpx.Client`, each of its trials right beside one of that
floor's, so a busier moment of the machine weighs on both alike.

The runs last 0.3 s plus a part that varies: up to 0.2 s for the SDK, whose latency does not
depend on it, and, for the polling loop, whose latency does, offsets spread evenly over one
polling interval (in a shuffled order): its median is then that of a run ending at a random
moment between two polls, not an artefact of one fixed phase.
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx

from flowscale import AsyncFlowscale

from .. import _workflows
from .._baselines import VENDOR_POLL_INTERVAL, RawAPI, plain_polling_loop, stamp_in
from .._context import Case, Context
from .._model import Row, at_least, at_most, median, spread
from .._runs import async_client, since, sleep_inputs, stamp_of, sync_client
from .._serverproc import ServerProcess

MAX_MS = 20.0
MAX_FLOOR_RATIO = 1.5
MIN_FACTOR = 50.0
RUN_BASE = 0.3
TIMEOUT = 60.0


async def _loopback(server: ServerProcess, run_id: str, n: int) -> list[float]:
    api_url = f"{server.base_url}/api/v1/runs/{run_id}"
    samples = []
    async with httpx.AsyncClient() as http:
        for i in range(n + 10):
            started = time.perf_counter()
            response = await http.get(api_url, headers={"X-API-KEY": server.api_key})
            response.raise_for_status()
            if i >= 10:  # the first ones open the connection and warm up
                samples.append(time.perf_counter() - started)
    return samples


async def _floor(api: RawAPI, seconds: float) -> float:
    """The final event delivered, plus one GET on a warm connection, with raw httpx."""
    run_id = await api.execute(_workflows.SLEEP, sleep_inputs(seconds))
    url = f"{api.base_url}/api/v1/runs/{run_id}/events"
    headers = {**api.headers, "Accept": "text/event-stream"}
    async with api.http.stream("GET", url, headers=headers) as response:
        response.raise_for_status()
        async for _ in response.aiter_raw():  # to its end: the server closes after `end`
            pass
    run = await api.get_run(run_id)
    done = time.monotonic()
    outputs = {}
    for name in run["output_names"]:  # untimed: only to read the stamp
        output = await api.get_output(name)
        if output is not None:
            outputs[name] = output
    return done - stamp_in(outputs)


async def _facade(client: AsyncFlowscale, seconds: float) -> float:
    result = await client.execute_workflow_async(
        _workflows.SLEEP, sleep_inputs(seconds), timeout=TIMEOUT
    )
    return since(stamp_of(result))


async def _polling(api: RawAPI, seconds: float) -> float:
    outputs = await plain_polling_loop(
        api, _workflows.SLEEP, sleep_inputs(seconds), VENDOR_POLL_INTERVAL, TIMEOUT
    )
    return since(stamp_in(outputs))


def _sync_floor(server: ServerProcess, http: httpx.Client, seconds: float) -> float:
    """`_floor` with a blocking httpx client: the floor of a blocking event-driven client."""
    base, headers = server.base_url, {"X-API-KEY": server.api_key}
    response = http.post(
        f"{base}/api/v1/runs",
        params={"workflow_id": _workflows.SLEEP},
        data={k: str(v) for k, v in sleep_inputs(seconds).items()},
        headers=headers,
    )
    response.raise_for_status()
    run_id = response.json()["data"]["run_id"]
    events = {**headers, "Accept": "text/event-stream"}
    with http.stream("GET", f"{base}/api/v1/runs/{run_id}/events", headers=events) as stream:
        stream.raise_for_status()
        for _ in stream.iter_raw():  # to its end: the server closes after `end`
            pass
    run = http.get(f"{base}/api/v1/runs/{run_id}", headers=headers)
    run.raise_for_status()
    done = time.monotonic()
    outputs = {}
    for name in run.json()["data"]["output_names"]:  # untimed: only to read the stamp
        output = http.get(f"{base}/api/v1/runs/output", params={"filename": name}, headers=headers)
        if output.status_code == 200:
            outputs[name] = output.json()["data"]
    return done - stamp_in(outputs)


def _sync_measure(server: ServerProcess, durations: list[float]) -> dict[str, list[float]]:
    """The blocking client's trials, each beside one of the blocking floor (same moment)."""
    samples: dict[str, list[float]] = {"sync_events": [], "sync_floor": []}
    with sync_client(server) as client, httpx.Client() as http:
        client.execute_workflow_async(_workflows.SLEEP, sleep_inputs(0.0), timeout=TIMEOUT)
        _sync_floor(server, http, 0.0)  # warm-up of both: connections, imports
        for seconds in durations:
            result = client.execute_workflow_async(
                _workflows.SLEEP, sleep_inputs(seconds), timeout=TIMEOUT
            )
            samples["sync_events"].append(since(stamp_of(result)))
            samples["sync_floor"].append(_sync_floor(server, http, seconds))
    return samples


async def _measure(server: ServerProcess, ctx: Context) -> dict[str, list[float]]:
    settings = ctx.settings
    rng = random.Random(6)
    samples: dict[str, list[float]] = {"events": [], "polling": [], "floor": []}
    async with async_client(server) as client, httpx.AsyncClient() as http:
        api = RawAPI(server, http)
        await _facade(client, RUN_BASE)  # warm-up: connections, imports
        first = await client.execute_workflow(_workflows.SLEEP, sleep_inputs(0.0))
        samples["loopback"] = await _loopback(server, first.run_id, settings.loopback_requests)
        phases = [
            VENDOR_POLL_INTERVAL * (i + 0.5) / settings.polling_trials
            for i in range(settings.polling_trials)
        ]
        rng.shuffle(phases)
        for i in range(max(settings.latency_trials, settings.polling_trials)):
            if i < settings.latency_trials:
                seconds = RUN_BASE + rng.uniform(0, 0.2)
                samples["events"].append(await _facade(client, seconds))
                samples["floor"].append(await _floor(api, seconds))
            if i < settings.polling_trials:
                samples["polling"].append(await _polling(api, RUN_BASE + phases[i]))
                ctx.log(
                    f"latency trial {i + 1}: events {samples['events'][-1] * 1e3:.1f} ms, "
                    f"polling {samples['polling'][-1] * 1e3:.0f} ms"
                )
    return samples


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    with ctx.server() as server:
        samples = asyncio.run(_measure(server, ctx))
        rng = random.Random(7)
        durations = [RUN_BASE + rng.uniform(0, 0.2) for _ in range(settings.latency_trials)]
        samples.update(_sync_measure(server, durations))
    events = median(samples["events"])
    polling = median(samples["polling"])
    loopback = median(samples["loopback"])
    sync_events = median(samples["sync_events"])
    floor = median(samples["floor"])
    sync_floor = median(samples["sync_floor"])
    data = {name: spread(values) for name, values in samples.items()}
    baseline = f"2 s polling loop: {polling * 1e3:,.0f} ms; loopback GET: {loopback * 1e3:.2f} ms"
    return [
        Row(
            figure="completion latency, AsyncFlowscale.execute_workflow_async (events)",
            value=events * 1e3,
            shown=f"{events * 1e3:.1f} ms",
            baseline=baseline,
            target=at_most(MAX_MS, f"≤ {MAX_MS:.0f} ms"),
            unit="ms",
            note=f"median of {settings.latency_trials} runs",
            data=data,
        ),
        Row(
            figure="completion latency, floor: raw httpx, final event + one GET (warm)",
            value=floor * 1e3,
            shown=f"{floor * 1e3:.1f} ms",
            baseline="event stream read to its end, then GET /runs/{id} on the same pool",
            target=None,
            unit="ms",
            note=f"median of {settings.latency_trials} runs",
        ),
        Row(
            figure="completion latency, AsyncFlowscale vs the floor",
            value=events / floor,
            shown=f"{events / floor:.2f}x the floor",
            baseline=f"floor: {floor * 1e3:.1f} ms",
            target=at_most(MAX_FLOOR_RATIO, f"≤ {MAX_FLOOR_RATIO}x the floor"),
            unit="factor",
        ),
        Row(
            figure="completion latency, floor: raw httpx.Client (blocking), final event + one GET",
            value=sync_floor * 1e3,
            shown=f"{sync_floor * 1e3:.1f} ms",
            baseline="the same as the floor above, with a blocking client",
            target=None,
            unit="ms",
            note=f"median of {settings.latency_trials} runs, each right after one of Flowscale's",
        ),
        Row(
            figure="completion latency, Flowscale (sync) vs the blocking floor",
            value=sync_events / sync_floor,
            shown=f"{sync_events / sync_floor:.2f}x the floor",
            baseline=f"blocking floor: {sync_floor * 1e3:.1f} ms (asyncio floor: "
            f"{floor * 1e3:.1f} ms, {sync_events / floor:.2f}x)",
            target=at_most(MAX_FLOOR_RATIO, f"≤ {MAX_FLOOR_RATIO}x the floor"),
            unit="factor",
            note="the blocking client's trials are interleaved with the blocking floor's; the "
            "asyncio floor was measured earlier in the run, beside AsyncFlowscale",
        ),
        Row(
            figure="completion latency, vs the vendor's 2 s polling loop",
            value=polling / events,
            shown=f"{polling / events:,.0f}x faster",
            baseline=f"polling loop: {polling * 1e3:,.0f} ms (median of {settings.polling_trials})",
            target=at_least(MIN_FACTOR, f"≥ {MIN_FACTOR:.0f}x better"),
            unit="factor",
        ),
        Row(
            figure="completion latency, Flowscale.execute_workflow_async (sync, events)",
            value=sync_events * 1e3,
            shown=f"{sync_events * 1e3:.1f} ms",
            baseline=f"loopback GET: {loopback * 1e3:.2f} ms",
            target=at_most(MAX_MS, f"≤ {MAX_MS:.0f} ms"),
            unit="ms",
            note=f"median of {settings.latency_trials} runs",
        ),
    ]


CASE = Case("latency", "Completion latency", run)
