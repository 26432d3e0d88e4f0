"""7. Concurrency: N runs in flight on one `AsyncFlowscale` (`execute_workflow_async` under
`asyncio.gather`), in a child process: all complete, no connection errors, peak resident set
of the whole process, and runs completed per second.

The server gets `concurrency_workers` worker threads so the runs are really in flight at once
(each lasts `concurrency_run_seconds`, in two progress steps): every call holds its event
stream open until its run ends.
"""

from __future__ import annotations

from .. import _workflows
from .._child import probe
from .._context import Case, Context
from .._limits import MIB, raise_open_files
from .._model import Row, at_least, at_most

MAX_PEAK_MIB = 250
TIMEOUT = 600.0


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    n = settings.concurrency_runs
    open_files = raise_open_files()
    if open_files < 2 * n + 100:
        ctx.log(f"warning: only {open_files} open files allowed for {n} runs")
    with ctx.server(workers=settings.concurrency_workers) as server:
        server.reset()
        result = probe(
            "concurrency",
            {
                "base_url": server.base_url,
                "api_key": server.api_key,
                "workflow_id": _workflows.SLEEP,
                "runs": n,
                "seconds": settings.concurrency_run_seconds,
                "steps": 2,
                "timeout": TIMEOUT,
            },
            timeout=TIMEOUT + 60,
        )
        counters = server.counters()
    completed, errors = result["completed"], result["errors"]
    peak = result["rss_peak"] / MIB
    rate = completed / result["seconds"]
    ctx.log(f"concurrency: {completed}/{n} in {result['seconds']:.1f} s, errors {errors}")
    requests = counters["requests"]
    return [
        Row(
            figure=f"concurrency: {n:,} runs in flight on one AsyncFlowscale, completed",
            value=float(completed == n and not errors),
            shown=f"{completed:,}/{n:,} completed, "
            f"{sum(errors.values())} errors" + (f" ({errors})" if errors else ""),
            baseline="—",
            target=at_least(1.0, "all complete, no errors"),
            unit="all completed",
            note=f"server saw {requests.get('execute_workflow', 0)} executes, "
            f"{requests.get('stream_run_events', 0)} event streams, "
            f"{requests.get('get_run', 0)} run polls"
            + (f"; e.g. {result['error_samples'][0]}" if result["error_samples"] else ""),
            data={"result": result, "server_counters": counters},
        ),
        Row(
            figure=f"concurrency: {n:,} runs in flight, peak RSS of the client process",
            value=peak,
            shown=f"{peak:.0f} MiB",
            baseline=f"after imports and setup: {result['rss_setup'] / MIB:.0f} MiB",
            target=at_most(MAX_PEAK_MIB, f"≤ {MAX_PEAK_MIB} MiB"),
            unit="MiB",
        ),
        Row(
            figure=f"concurrency: {n:,} runs in flight, throughput",
            value=rate,
            shown=f"{rate:.1f} runs/s",
            baseline=f"each run lasts {settings.concurrency_run_seconds:g} s on a server with "
            f"{settings.concurrency_workers} workers",
            unit="runs/s",
            note=f"{result['seconds']:.1f} s from the first call to the last result",
        ),
    ]


CASE = Case("concurrency", "Concurrency", run)
