"""9. Batch: `run_batch` over many rows of a short workflow against the server's capacity
measured in the same run (the raw async client, execute + wait, at the same concurrency),
the client's peak RSS and CPU per row (fresh child processes), and the time a resumed
10,000-row manifest with 9,000 rows done takes to its first new submission.

The capacity is measured on both sides of the batch (half the rows before it, half after):
on a shared machine the load changes over the minutes these runs take, and a capacity
measured only before the batch made the ratio swing from 80 % to 142 % with the load alone."""

from __future__ import annotations

import os

from .. import _workflows
from .._child import probe
from .._context import Case, Context
from .._limits import MIB
from .._model import Row, at_least, at_most

ROWS = {"full": 10_000, "quick": 2_000, "smoke": 100}
CONCURRENCY = {"full": 64, "quick": 64, "smoke": 8}
MAX_PEAK_MIB = 100
TIMEOUT = 900.0


def run(ctx: Context) -> list[Row]:
    mode = ctx.settings.mode
    n, limit = int(os.environ.get("FLOWSCALE_BENCH_BATCH_ROWS") or ROWS[mode]), CONCURRENCY[mode]
    with ctx.server(workers=limit) as server:
        args = {"base_url": server.base_url, "api_key": server.api_key,
                "workflow_id": _workflows.SLEEP, "rows": n, "concurrency": limit}  # fmt: skip
        bare = probe("batch_httpx", args, timeout=TIMEOUT)
        half = {**args, "rows": max(1, n // 2)}
        before = probe("batch_raw", half, timeout=TIMEOUT)
        sdk = probe("batch_sdk", args, timeout=TIMEOUT)
        after = probe("batch_raw", half, timeout=TIMEOUT)
        resume = probe("batch_resume", {**args, "rows": 10_000, "done": 9_000}, timeout=TIMEOUT)
    raw = {
        "completed": before["completed"] + after["completed"],
        "seconds": before["seconds"] + after["seconds"],
        "before": before,
        "after": after,
    }
    capacity = raw["completed"] / raw["seconds"]
    bare_rate = bare["completed"] / bare["seconds"]
    rate = sdk["completed"] / sdk["seconds"]
    ratio = rate / capacity
    peak = sdk["rss_peak"] / MIB
    cpu_ms = sdk["cpu"] / max(1, sdk["completed"]) * 1000
    ctx.log(f"batch: {rate:.0f} runs/s vs capacity {capacity:.0f} runs/s; peak {peak:.0f} MiB")
    return [
        Row(
            figure=f"batch: {n:,} rows at concurrency {limit}, throughput vs the server's capacity",
            value=ratio,
            shown=f"{ratio:.0%} ({rate:.0f} runs/s, {sdk['completed']:,}/{n:,} completed)",
            baseline=f"raw AsyncFlowscale, execute + wait, same concurrency: {capacity:.0f} runs/s "
            "(half the rows before the batch, half after)",
            target=at_least(0.9, "≥ 90 %"),
            unit="ratio",
            note=f"bare httpx (a client per worker, no SDK): {bare_rate:.0f} runs/s, so "
            f"the batch runs at {rate / bare_rate:.0%} of that; the gap is AsyncFlowscale's "
            "per-run cost (execute + wait), the same with or without the batch",
            data={"raw": raw, "sdk": sdk, "httpx": bare},
        ),
        Row(
            figure=f"batch: {n:,} rows, peak RSS of the client process",
            value=peak,
            shown=f"{peak:.0f} MiB",
            baseline=f"after imports and setup: {sdk['rss_setup'] / MIB:.0f} MiB",
            target=at_most(MAX_PEAK_MIB, f"≤ {MAX_PEAK_MIB} MiB"),
            unit="MiB",
        ),
        Row(
            figure="batch: client CPU per row (manifest included)",
            value=cpu_ms,
            shown=f"{cpu_ms:.2f} ms",
            unit="ms",
        ),
        Row(
            figure="batch: resume of 10,000 rows with 9,000 done, time to the first new submission",
            value=resume["first_submission"],
            shown=f"{resume['first_submission'] * 1000:.0f} ms",
            target=at_most(1.0, "≤ 1 s"),
            unit="s",
            data={"resume": resume},
        ),
    ]


CASE = Case(name="batch", title="9. Batch runs", run=run)
