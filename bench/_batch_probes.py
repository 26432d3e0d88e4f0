"""Child-process probes of the batch case (bench/cases/batch.py): the raw async client at a
given concurrency (the server's capacity), `run_batch` at the same concurrency, and the time
a resumed 10,000-row manifest takes to its first new submission."""

from __future__ import annotations

import asyncio
import resource
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._probe import Meter


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batch_raw(meter: Meter, args: dict[str, Any]) -> None:
    """What the server can run: N executes + waits, `concurrency` at a time, no batch."""
    from flowscale import AsyncFlowscale

    n, limit = int(args["rows"]), int(args["concurrency"])

    async def main() -> None:
        async with AsyncFlowscale(api_key=args["api_key"], base_url=args["base_url"]) as client:
            await client.get_workflows()
            rows = iter(range(n))
            done = 0

            async def worker() -> None:
                nonlocal done
                for _ in rows:
                    run = await client.execute_workflow(
                        args["workflow_id"], {"seconds": "0", "steps": "1"}
                    )
                    await client.wait_for_run(run.run_id, poll_interval=0.2)
                    done += 1

            with meter.measure():
                await asyncio.gather(*(worker() for _ in range(limit)))
            meter.result["completed"] = done

    asyncio.run(main())


def batch_httpx(meter: Meter, args: dict[str, Any]) -> None:
    """The server's own capacity: bare httpx (a client per worker, no SDK), execute + event
    stream to the end, `concurrency` at a time."""
    import ssl

    import httpx
    import httpx_sse

    n, limit = int(args["rows"]), int(args["concurrency"])
    context = ssl.create_default_context()

    async def main() -> None:
        headers = {"X-API-KEY": args["api_key"]}
        clients = [httpx.AsyncClient(base_url=args["base_url"], headers=headers, verify=context,
                                     timeout=120) for _ in range(limit)]  # fmt: skip
        rows = iter(range(n))
        done = 0

        async def worker(client: httpx.AsyncClient) -> None:
            nonlocal done
            for _ in rows:
                reply = await client.post(
                    "/api/v1/runs", params={"workflow_id": args["workflow_id"]},
                    data={"seconds": "0", "steps": "1"},
                )  # fmt: skip
                run_id = reply.json()["data"]["run_id"]
                path = f"/api/v1/runs/{run_id}/events"
                async with httpx_sse.aconnect_sse(client, "GET", path) as source:
                    async for _event in source.aiter_sse():
                        pass
                done += 1

        with meter.measure():
            await asyncio.gather(*(worker(c) for c in clients))
        for client in clients:
            await client.aclose()
        meter.result["completed"] = done

    asyncio.run(main())


def batch_sdk(meter: Meter, args: dict[str, Any]) -> None:
    from flowscale import AsyncFlowscale

    n, limit = int(args["rows"]), int(args["concurrency"])

    async def main() -> None:
        async with AsyncFlowscale(api_key=args["api_key"], base_url=args["base_url"]) as client:
            await client.get_workflows()
            with tempfile.TemporaryDirectory() as tmp:
                rows = ({"seconds": "0", "steps": "1"} for _ in range(n))
                cpu = _cpu()
                with meter.measure():
                    batch = client.run_batch(
                        args["workflow_id"], rows, concurrency=limit, poll_interval=0.2,
                        manifest=Path(tmp) / "manifest.sqlite",
                    )  # fmt: skip
                    summary = await batch.run()
                meter.result.update(completed=summary.completed, cpu=_cpu() - cpu,
                                    rate_limited=summary.rate_limited)  # fmt: skip

    asyncio.run(main())


def batch_resume(meter: Meter, args: dict[str, Any]) -> None:
    """A manifest of `rows` rows with `done` completed: seconds from `run_batch` to the first
    new execute request."""
    from flowscale import AsyncFlowscale
    from flowscale._manifest import Manifest

    n, done = int(args["rows"]), int(args["done"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.sqlite"
        Manifest(path, args["workflow_id"]).close()
        db = sqlite3.connect(path)
        with db:  # the state 9,000 finished rows leave behind, written in one go
            db.executemany(
                "INSERT INTO rows (idx, key, state, attempt, group_id, run_id, outputs, paths, "
                "updated_at) VALUES (?, '', 'completed', 1, ?, ?, '[\"out.txt\"]', '[]', 0)",
                ((i, f"g-{i}", f"run-{i}") for i in range(done)),
            )
        db.close()

        async def main() -> None:
            async with AsyncFlowscale(api_key=args["api_key"], base_url=args["base_url"]) as c:
                await c.get_workflows()
                rows = ({"seconds": "0", "steps": "1"} for _ in range(n))
                with meter.measure():
                    started = time.perf_counter()
                    batch = c.run_batch(args["workflow_id"], rows, concurrency=32, manifest=path)

                    async def first_submission() -> float:
                        while batch.counts.submitted == 0:  # noqa: ASYNC110
                            await asyncio.sleep(0.001)
                        return time.perf_counter() - started

                    watch = asyncio.ensure_future(first_submission())
                    async with batch:
                        async for _ in batch:
                            if watch.done():
                                break
                    first = await watch
                meter.result.update(first_submission=first, submitted=batch.counts.submitted)

        asyncio.run(main())


PROBES = {
    "batch_httpx": batch_httpx,
    "batch_raw": batch_raw,
    "batch_sdk": batch_sdk,
    "batch_resume": batch_resume,
}
