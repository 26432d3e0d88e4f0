"""Capacity check: N runs of S seconds in flight at once, each followed by its event stream,
while a prober measures the health endpoint's latency every 0.25 s.

    .venv/bin/python tests/server/capacitycheck.py [--runs 1000] [--seconds 45] [--procs 4]

The load comes from `--procs` processes with one HTTP client per run (as separate users would
be), so the figure is the server's, not one client's connection pool. Prints the health
latency p50/p95/max and each load process's result; exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import httpx_sse

ROOT = Path(__file__).resolve().parents[2]


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seconds", default="45")
    parser.add_argument("--procs", type=int, default=4)
    parser.add_argument("--load", nargs=4, help=argparse.SUPPRESS)  # a load process
    args = parser.parse_args()
    if args.load:
        base, key, workflow, count = args.load
        asyncio.run(_load(base, key, workflow, args.seconds, int(count)))
        return 0
    sys.path.insert(0, str(ROOT))
    from bench import _workflows
    from bench._serverproc import ServerProcess

    with ServerProcess(workers=args.runs) as server:
        share = str(args.runs // args.procs)
        loads = [
            subprocess.Popen(
                [
                    sys.executable,
                    __file__,
                    "--seconds",
                    args.seconds,
                    "--load",
                    server.base_url,
                    server.api_key,
                    _workflows.SLEEP,
                    share,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(args.procs)
        ]
        latencies = []
        headers = {"X-API-KEY": server.api_key}
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as prober:
            while any(p.poll() is None for p in loads):
                started = time.perf_counter()
                prober.get("/api/v1/comfy/health").raise_for_status()
                latencies.append(time.perf_counter() - started)
                time.sleep(0.25)
        reports = [json.loads(p.stdout.read().strip()) for p in loads if p.stdout]
    latencies.sort()
    p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
    print(json.dumps({"health_samples": len(latencies), "p50_ms": round(p50 * 1000, 1),
                      "p95_ms": round(p95 * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1),
                      "loads": reports}))  # fmt: skip
    return 0 if all(not r["errors"] for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
