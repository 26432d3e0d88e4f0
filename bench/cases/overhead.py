"""3. Per-call overhead: `get_run` in a loop on one client vs raw httpx doing the same GETs.

Both sides use the SDK's connection pool settings and timeout, the same server (another
process) and the same run. They alternate in blocks of `BLOCK` calls, so drift of the machine
or the server weighs on both alike. The raw side checks the status and decodes the JSON body,
the least any caller does with a reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx

from flowscale._async._http import DEFAULT_LIMITS
from flowscale._config import DEFAULT_TIMEOUT

from .._context import Case, Context
from .._model import Row, at_most, median, spread
from .._runs import async_client, finished_run, sync_client
from .._serverproc import ServerProcess

MAX_RATIO = 1.08
BLOCK = 100
WARM_UP = 50

Loop = Callable[[int], None]
AsyncLoop = Callable[[int], Awaitable[None]]


def _blocks(calls: int) -> list[int]:
    sizes = [BLOCK] * (calls // BLOCK)
    if calls % BLOCK:
        sizes.append(calls % BLOCK)
    return sizes


def _summary(blocks: dict[str, list[float]]) -> dict[str, float]:
    """Seconds per call of each side, and their ratio: the median over pairs of neighbouring
    blocks, so a pause of either process (GC, scheduling) skews one pair, not the figure."""
    ratios = [f / r for f, r in zip(blocks["facade"], blocks["raw"], strict=True)]
    return {
        "facade": median(blocks["facade"]),
        "raw": median(blocks["raw"]),
        "ratio": median(ratios),
    }


def _sync_trial(server: ServerProcess, run_id: str, calls: int) -> dict[str, float]:
    url = f"{server.base_url}/api/v1/runs/{run_id}"
    headers = {"X-API-KEY": server.api_key}
    with (
        sync_client(server) as client,
        httpx.Client(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT) as raw,
    ):

        def facade_loop(n: int) -> None:
            for _ in range(n):
                client.get_run(run_id)

        def raw_loop(n: int) -> None:
            for _ in range(n):
                response = raw.get(url, headers=headers)
                response.raise_for_status()
                response.json()

        sides: list[tuple[str, Loop]] = [("facade", facade_loop), ("raw", raw_loop)]
        blocks: dict[str, list[float]] = {"facade": [], "raw": []}
        for _, loop in sides:
            loop(WARM_UP)
        for i, size in enumerate(_blocks(calls)):
            for name, loop in sides if i % 2 == 0 else sides[::-1]:
                started = time.perf_counter()
                loop(size)
                blocks[name].append((time.perf_counter() - started) / size)
    return _summary(blocks)


def _async_trial(server: ServerProcess, run_id: str, calls: int) -> dict[str, float]:
    url = f"{server.base_url}/api/v1/runs/{run_id}"
    headers = {"X-API-KEY": server.api_key}

    async def main() -> dict[str, float]:
        async with (
            async_client(server) as client,
            httpx.AsyncClient(limits=DEFAULT_LIMITS, timeout=DEFAULT_TIMEOUT) as raw,
        ):

            async def facade_loop(n: int) -> None:
                for _ in range(n):
                    await client.get_run(run_id)

            async def raw_loop(n: int) -> None:
                for _ in range(n):
                    response = await raw.get(url, headers=headers)
                    response.raise_for_status()
                    response.json()

            sides: list[tuple[str, AsyncLoop]] = [("facade", facade_loop), ("raw", raw_loop)]
            blocks: dict[str, list[float]] = {"facade": [], "raw": []}
            for _, loop in sides:
                await loop(WARM_UP)
            for i, size in enumerate(_blocks(calls)):
                for name, loop in sides if i % 2 == 0 else sides[::-1]:
                    started = time.perf_counter()
                    await loop(size)
                    blocks[name].append((time.perf_counter() - started) / size)
        return _summary(blocks)

    return asyncio.run(main())


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    trials = {"sync": _sync_trial, "async": _async_trial}
    samples: dict[str, dict[str, list[float]]] = {
        flavour: {"facade": [], "raw": [], "ratio": []} for flavour in trials
    }
    with ctx.server() as server:
        run_id = finished_run(server)
        for trial in range(settings.overhead_trials):
            for flavour, trial_fn in trials.items():
                times = trial_fn(server, run_id, settings.overhead_calls)
                s = samples[flavour]
                s["facade"].append(times["facade"])
                s["raw"].append(times["raw"])
                s["ratio"].append(times["ratio"])
            ctx.log(
                f"overhead trial {trial + 1}: "
                + ", ".join(f"{f} {s['ratio'][-1]:.3f}x" for f, s in samples.items())
            )
    rows = []
    for flavour, label, raw_label in (
        ("sync", "Flowscale", "httpx.Client"),
        ("async", "AsyncFlowscale", "httpx.AsyncClient"),
    ):
        s = samples[flavour]
        ratio = median(s["ratio"])
        rows.append(
            Row(
                figure=f"per-call overhead, {label}.get_run x {settings.overhead_calls:,}",
                value=ratio,
                shown=f"{median(s['facade']) * 1e6:.0f} µs/call = {ratio:.3f}x raw",
                baseline=f"raw {raw_label}, same pool: {median(s['raw']) * 1e6:.0f} µs/call",
                target=at_most(MAX_RATIO, f"≤ {MAX_RATIO}x raw httpx"),
                unit="ratio",
                note=f"median of {settings.overhead_trials} trials; in each, the sides alternate "
                f"every {BLOCK} calls and the ratio is the median over neighbouring blocks",
                data={k: spread(v) for k, v in s.items()},
            )
        )
    return rows


CASE = Case("overhead", "Per-call overhead", run)
