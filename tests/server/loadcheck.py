"""Load check: N runs in flight at once, each followed by its own SSE subscriber.

    .venv/bin/python tests/server/loadcheck.py [--runs 200] [--workers 200] [--builtin]

Default: a gated user workflow on ``workers`` containers: every run is created and every
subscriber connected while the runs are held, the server's health must show them all (running
or queued), then they are released and each subscriber must see the complete event sequence
ending in ``completed``. ``--builtin`` runs the built-in Text to Image workflow instead (real
PNG rendering, no gate). Prints a one-line JSON report; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import threading
import time
from typing import Any

import httpx
import httpx_sse

from flowscale.server import LocalServer, RunContext, Workflow

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
_NO_TLS = ssl.create_default_context()


class Held:
    """A workflow whose runs wait until released (cancellable), then report and finish."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.workflow = Workflow(
            id="held", name="Held", inputs={"prompt": "string"}, outputs={"out": "text"}, fn=self.fn
        )

    def fn(self, ctx: RunContext) -> dict[str, str]:
        self.release.wait()
        for step in range(1, 4):
            ctx.progress(step, 3)
        return {"out.txt": str(ctx.inputs["prompt"])}


async def _follow(server: LocalServer, run_id: str, connected: list[str]) -> list[Any]:
    # A client per subscriber, like separate processes would have: one shared httpx pool
    # with hundreds of open streams is slow on the client side, not on the server's.
    received = []
    async with (
        httpx.AsyncClient(
            base_url=server.base_url,
            headers={"X-API-KEY": server.api_key},
            timeout=httpx.Timeout(120.0),
            verify=_NO_TLS,  # plain http: skip loading a CA bundle per client
        ) as client,
        httpx_sse.aconnect_sse(client, "GET", f"/api/v1/runs/{run_id}/events") as source,
    ):
        if source.response.status_code != 200:
            raise RuntimeError(f"stream {run_id}: HTTP {source.response.status_code}")
        connected.append(run_id)
        async for event in source.aiter_sse():
            if event.data:
                received.append(json.loads(event.data))
    return received


async def measure(server: LocalServer, runs: int, *, held: Held | None) -> dict[str, Any]:
    workflow, fields = ("held", {"prompt": "p"}) if held else (TEXT_TO_IMAGE, {"text_51536": "p"})
    limits = httpx.Limits(max_connections=2 * runs + 10, max_keepalive_connections=2 * runs + 10)
    timeout = httpx.Timeout(120.0)
    headers = {"X-API-KEY": server.api_key}
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=server.base_url, headers=headers, limits=limits, timeout=timeout
    ) as client:

        async def create(i: int) -> str:
            response = await client.post(
                "/api/v1/runs", params={"workflow_id": workflow}, data=fields
            )
            response.raise_for_status()
            return str(response.json()["data"]["run_id"])

        run_ids = await asyncio.gather(*(create(i) for i in range(runs)))
        created = time.perf_counter()
        connected: list[str] = []
        followers = [asyncio.create_task(_follow(server, r, connected)) for r in run_ids]
        peak_subscribers = 0
        in_flight = 0
        released = created
        if held is not None:
            while len(connected) < runs:  # every subscriber has its stream open
                if any(f.done() for f in followers):
                    break
                await asyncio.sleep(0.01)
            state = server._state
            assert state is not None
            peak_subscribers = state.hub.subscriber_count()
            health = (await client.get("/api/v1/comfy/health")).json()["data"]
            running = sum(1 for c in health if c["status"] == "running")
            queue = (await client.get("/api/v1/comfy/queue")).json()["data"]
            pending = sum(len(c["queue"]["queue_pending"]) for c in queue)
            in_flight = running + pending
            held.release.set()
        released = time.perf_counter()
        results = await asyncio.gather(*followers, return_exceptions=True)
        finished = time.perf_counter()
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    incomplete = []
    for run_id, result in zip(run_ids, results, strict=True):
        if isinstance(result, BaseException):
            continue
        seqs = [e["seq"] for e in result]
        if seqs != list(range(1, len(seqs) + 1)) or result[-1] != {
            **result[-1],
            "type": "end",
            "status": "completed",
        }:
            incomplete.append(run_id)
    return {
        "runs": runs,
        "subscribers": runs,
        "workers": len(server._state.runner.containers()) if server._state else None,
        "workflow": workflow,
        "runs_in_flight_at_peak": in_flight if held else None,
        "subscribers_connected_at_peak": peak_subscribers if held else None,
        "events_received": sum(len(r) for r in results if not isinstance(r, BaseException)),
        "create_seconds": round(created - started, 2),
        "all_connected_seconds": round(released - started, 2) if held else None,
        "total_seconds": round(finished - started, 2),
        "errors": errors[:5],
        "error_count": len(errors),
        "incomplete_count": len(incomplete),
    }


def run(runs: int, workers: int, builtin: bool, step_delay: float) -> dict[str, Any]:
    held = None if builtin else Held()
    with LocalServer(workers=workers, step_delay=step_delay) as server:
        if held is not None:
            server.register_workflow(held.workflow)
        return asyncio.run(measure(server, runs, held=held))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=200)
    parser.add_argument("--builtin", action="store_true")
    parser.add_argument("--step-delay", type=float, default=0.01)
    args = parser.parse_args()
    report = run(args.runs, args.workers, args.builtin, args.step_delay)
    print(json.dumps(report))
    return 0 if not report["error_count"] and not report["incomplete_count"] else 1


if __name__ == "__main__":
    sys.exit(main())
