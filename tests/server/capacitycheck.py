"""Capacity check: N runs of S seconds in flight at once, each followed by its event stream,
while a prober measures the health endpoint's latency every 0.25 s.

    .venv/bin/python tests/server/capacitycheck.py [--runs 1000] [--seconds 45] [--procs 4]
                                                   [--load-nice 10]
    .venv/bin/python tests/server/capacitycheck.py --idle 20     # the same probes, no load
    ... --stalls                     # also print (stderr) the stacks where the loop stalled
    CAPACITY_PROFILE=out.prof ...    # and write a cProfile of the server process

The load comes from `--procs` processes with one HTTP client per run (as separate users would
be), so the figure is the server's, not one client's connection pool. They stand in for users on
other machines, so they run at a lower priority (`--load-nice`, 10 by default; 0 for the same
priority as the server): on a 2-core machine, 1,000 clients starting at once otherwise take most
of the CPU, and the server's loop spends its stalls waiting for a core, not working (the
`loop_runqueue_ms` figures show how long it waited). The server runs in its
own process too (set up as `flowscale serve` sets up its process: see
`dedicated_process`), with a probe inside its event loop (a 20 ms sleep that measures how late it
wakes up): that lag is the loop's longest blocking stretch, a figure much less sensitive to
other load on the machine than the health latency seen from outside.

Prints one JSON object: per 5 s window the health latency p50/p95/max, the loop's worst lag and
the CPU the server got (all threads, and the loop's thread alone, per wall second: on a shared
machine a stall with little CPU is the machine's, not the server's) and how long the loop's
thread waited for a core (Linux's schedstat: runnable, not running), then the overall figures,
the worst stalls with the loop's CPU during each, and each load process's result; exits 1 if
any run failed. A script, not a test: no timed assertion belongs in the suite.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import itertools
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import httpx
import httpx_sse

ROOT = Path(__file__).resolve().parents[2]
WINDOW = 5.0
LAG_TICK = 0.02


async def _load(base: str, key: str, workflow: str, seconds: str, count: int) -> None:
    context = ssl.create_default_context()  # plain http: one CA bundle load, not one per run

    async def one() -> int:
        async with httpx.AsyncClient(
            base_url=base, headers={"X-API-KEY": key}, timeout=300, verify=context
        ) as client:
            reply = await client.post(
                "/api/v1/runs", params={"workflow_id": workflow},
                data={"seconds": seconds, "steps": "9"},
            )  # fmt: skip
            reply.raise_for_status()
            run_id = reply.json()["data"]["run_id"]
            events = 0
            async with httpx_sse.aconnect_sse(client, "GET", f"/api/v1/runs/{run_id}/events") as s:
                async for _ in s.aiter_sse():
                    events += 1
            return events

    started = time.perf_counter()
    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    errors = [repr(r)[:200] for r in results if isinstance(r, BaseException)]
    print(json.dumps({"ok": count - len(errors), "errors": errors[:3],
                      "seconds": round(time.perf_counter() - started, 1)}))  # fmt: skip


def _serve(workers: int, stall_stacks: bool) -> int:
    """The server process: a LocalServer with the bench workflows and a loop-lag probe.

    Prints the ready line, serves until stdin closes, then prints the lag samples
    (wall-clock time, lag in seconds) as one JSON line.
    """
    sys.path.insert(0, str(ROOT))
    from bench import _workflows
    from bench._limits import raise_open_files
    from flowscale.server import LocalServer
    from flowscale.server._server import dedicated_process

    raise_open_files()
    # time, lag, process CPU, loop CPU, loop's time waiting for a core
    samples: list[tuple[float, float, float, float, float]] = []

    async def probe() -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(LAG_TICK)
            lag = time.perf_counter() - started - LAG_TICK
            samples.append((time.time(), lag, time.process_time(), time.thread_time(), _waited()))

    stalls: collections.Counter[str] = collections.Counter()
    done = threading.Event()

    def watch_stalls(loop_thread: int) -> None:
        # Where the loop is when it has not ticked for 2 ticks: the stacks that block it.
        while not done.wait(0.01):
            if samples and time.time() - samples[-1][0] > 3 * LAG_TICK:
                frame = sys._current_frames().get(loop_thread)
                if frame is not None:
                    stack = traceback.extract_stack(frame)[-12:]
                    stalls["\n".join(f"{f.filename}:{f.lineno} {f.name}" for f in stack)] += 1

    with tempfile.TemporaryDirectory(prefix="flowscale-capacity-") as tmp:
        server = LocalServer(workers=workers)
        for workflow in _workflows.workflows(Path(tmp)):
            server.register_workflow(workflow)
        # A process that only serves, as `flowscale serve` runs it (serve_forever).
        with server, dedicated_process():
            loop = server._loop  # the server's own loop: the probe must run where requests do
            assert loop is not None
            ready = threading.Event()
            loop.call_soon_threadsafe(lambda: (loop.create_task(probe()), ready.set()))
            ready.wait()
            if stall_stacks:
                loop_thread = next(t for t in threading.enumerate() if t.name == "flowscale-server")
                assert loop_thread.ident is not None
                threading.Thread(target=watch_stalls, args=(loop_thread.ident,)).start()
            print(json.dumps({"base_url": server.base_url, "api_key": server.api_key}), flush=True)
            profile = None
            if os.environ.get("CAPACITY_PROFILE"):  # a cProfile of the server, to that path
                profile = cProfile.Profile()
                loop.call_soon_threadsafe(profile.enable)
            sys.stdin.read()
            done.set()
            if profile is not None:
                profile.disable()
                profile.dump_stats(os.environ["CAPACITY_PROFILE"])
            print(json.dumps([[round(x, 4) for x in sample] for sample in list(samples)]))
    for stack, count in stalls.most_common(8):
        print(
            f"--- {count} samples (10 ms apart) with the loop stalled in:\n{stack}", file=sys.stderr
        )
    return 0


def _waited() -> float:
    """Seconds this thread spent runnable but not running (0 where Linux does not say)."""
    try:
        with open("/proc/thread-self/schedstat") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _figures(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def _report(
    health: list[tuple[float, float]], lags: list[list[float]], start: float
) -> dict[str, Any]:
    windows: dict[int, dict[str, list[Any]]] = {}

    def window(t: float) -> dict[str, list[Any]]:
        return windows.setdefault(int((t - start) // WINDOW), {"h": [], "l": []})

    for t, value in health:
        window(t)["h"].append(value)
    for sample in lags:
        if sample[0] >= start:
            window(sample[0])["l"].append(sample)
    rows = []
    for index in sorted(windows):
        row: dict[str, Any] = {"t": f"{index * WINDOW:.0f}-{(index + 1) * WINDOW:.0f}s"}
        row.update({f"health_{k}": v for k, v in _figures(windows[index]["h"]).items()})
        loop = windows[index]["l"]
        if loop:
            row["loop_lag_max_ms"] = round(max(s[1] for s in loop) * 1000, 1)
        if len(loop) > 1:  # CPU the server used (all threads; the loop's thread) per wall second
            wall = loop[-1][0] - loop[0][0]
            row["server_cpu"] = round((loop[-1][2] - loop[0][2]) / wall, 2)
            row["loop_cpu"] = round((loop[-1][3] - loop[0][3]) / wall, 2)
            row["loop_runqueue_ms"] = round((loop[-1][4] - loop[0][4]) * 1000)
        rows.append(row)
    measured = [s[1] for s in lags if s[0] >= start]
    # The worst stalls, with the CPU the loop's thread and the whole server got meanwhile:
    # loop CPU close to the stall means the loop was busy (too much work in one iteration),
    # far below it means it was waiting (for the GIL, or for a core of the shared machine).
    stalls = sorted(
        (
            {
                "at_s": round(now[0] - start, 1),
                "lag_ms": round(now[1] * 1000),
                "loop_cpu_ms": round((now[3] - before[3]) * 1000),
                "server_cpu_ms": round((now[2] - before[2]) * 1000),
                "loop_runqueue_ms": round((now[4] - before[4]) * 1000),
            }
            for before, now in itertools.pairwise(lags)
            if now[0] >= start
        ),
        key=lambda stall: -stall["lag_ms"],
    )[:5]
    return {
        "windows": rows,
        "health": _figures([v for _, v in health]),
        "worst_window_health_p95_ms": max((r.get("health_p95_ms", 0.0) for r in rows), default=0),
        "loop_lag": _figures(measured),
        "loop_lags_over_100ms": sum(1 for v in measured if v > 0.1),
        "worst_stalls": stalls,
        "loop_cpu_s": round(lags[-1][3] - lags[0][3], 2) if lags else None,
        "server_cpu_s": round(lags[-1][2] - lags[0][2], 2) if lags else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seconds", default="45")
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--load-nice", type=int, default=10, help="priority of the load (0-19)")
    parser.add_argument("--idle", type=float, help="no load: probe an idle server this long")
    parser.add_argument("--load", nargs=4, help=argparse.SUPPRESS)  # a load process
    parser.add_argument("--stalls", action="store_true", help="print where the loop stalls")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.load:
        os.nice(args.load_nice)
        base, key, workflow, count = args.load
        asyncio.run(_load(base, key, workflow, args.seconds, int(count)))
        return 0
    if args.serve:
        return _serve(args.serve, args.stalls)
    sys.path.insert(0, str(ROOT))
    from bench import _workflows
    from bench._limits import raise_open_files
    from bench._serverproc import child_env

    raise_open_files()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.runs), *(["--stalls"] * args.stalls)],
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        ready = json.loads(server.stdout.readline())
        base, key = ready["base_url"], ready["api_key"]
        start = time.time()
        loads = []
        if args.idle is None:
            share = str(args.runs // args.procs)
            loads = [
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--seconds",
                        args.seconds,
                        "--load-nice",
                        str(args.load_nice),
                        "--load",
                        base,
                        key,
                        _workflows.SLEEP,
                        share,
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(args.procs)
            ]
        health: list[tuple[float, float]] = []
        with httpx.Client(base_url=base, headers={"X-API-KEY": key}, timeout=120) as prober:

            def busy() -> bool:
                if args.idle is not None:
                    return time.time() - start < args.idle
                return any(p.poll() is None for p in loads)

            while busy():
                sent = time.time()
                began = time.perf_counter()
                prober.get("/api/v1/comfy/health").raise_for_status()
                health.append((sent, time.perf_counter() - began))
                time.sleep(0.25)
        reports = [json.loads(p.stdout.read().strip()) for p in loads if p.stdout]
        server.stdin.close()
        lags = json.loads(server.stdout.readline())
    finally:
        if server.poll() is None:
            server.stdin.close()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
    result = _report(health, lags, start)
    result["loads"] = reports
    result["load_nice"] = args.load_nice
    print(json.dumps(result, indent=1))
    return 0 if all(not r["errors"] for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
