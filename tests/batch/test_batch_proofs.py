"""The batch's promises over real HTTP to a LocalServer: rate limits never fail a row, a
killed batch resumes exactly once (also across lost execute replies), shards split exactly."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

import flowscale
from flowscale.server import LocalServer

PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer(workers=32, step_delay=0.002) as local:
        yield local


def _storm(server: LocalServer, stop: threading.Event) -> None:
    """Random bursts of 429 (with Retry-After) and 5xx on starting runs and following them:
    a quiet spell, then a fault on one route for a fraction of a second."""
    rng = random.Random(13)
    while not stop.wait(rng.uniform(0.6, 1.2)):
        route = rng.choice(["execute_workflow", "execute_workflow", "get_run", "get_runs"])
        if rng.random() < 0.6:
            server.faults.rate_limit(rng.choice(["0", "0.2", "0.5"]), route=route)
        else:
            server.faults.status(rng.choice([500, 502, 503, 504]), route=route)
        stop.wait(rng.uniform(0.05, 0.3))
        server.faults.clear()


def test_thousand_rows_through_429_bursts_and_5xx(server: LocalServer) -> None:
    stop = threading.Event()
    storm = threading.Thread(target=_storm, args=(server, stop), daemon=True)

    async def main() -> flowscale._batch.BatchSummary:
        async with flowscale.AsyncFlowscale(server.api_key, server.base_url) as client:
            rows = ({"prompt": f"row {i}"} for i in range(1000))
            batch = client.run_batch(PROMPT_ENHANCER, rows, concurrency=32, poll_interval=0.05)
            async with batch:
                seen = {result.index async for result in batch if result.ok}
            assert seen == set(range(1000))
            assert batch.summary is not None
            return batch.summary

    storm.start()
    try:
        summary = asyncio.run(main())
    finally:
        stop.set()
        storm.join()
    assert summary.completed == 1000
    assert summary.failed == summary.unfinished == summary.invalid == 0
    assert summary.rate_limited > 0  # the storm was felt, and cost no row
    assert server.counters()["runs_created"][PROMPT_ENHANCER] == 1000
    groups = server.runs_by_group()
    assert len(groups) == 1000
    assert set(groups.values()) == {1}


def _rows_file(tmp_path: pathlib.Path, count: int) -> pathlib.Path:
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps({"prompt": f"row {i}"}) + "\n" for i in range(count)))
    return path


def _batch_command(rows: pathlib.Path, out: pathlib.Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "flowscale.cli", "--quiet", "batch", PROMPT_ENHANCER,
            "--rows", str(rows), "--out", str(out), "--concurrency", "8", *extra]  # fmt: skip


def _env(server: LocalServer) -> dict[str, str]:
    return {**os.environ, "FLOWSCALE_API_URL": server.base_url, "FLOWSCALE_API_KEY": server.api_key}


def _completed(manifest: pathlib.Path) -> int:
    try:
        db = sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=1)
        try:
            return int(
                db.execute("SELECT count(*) FROM rows WHERE state='completed'").fetchone()[0]
            )
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def _kill_at_half_then_resume(server: LocalServer, tmp_path: pathlib.Path, rows: int) -> None:
    rows_file = _rows_file(tmp_path, rows)
    out = tmp_path / "out"
    manifest = out / "manifest.sqlite"
    env = _env(server)
    process = subprocess.Popen(_batch_command(rows_file, out), env=env)
    deadline = time.monotonic() + 45
    while _completed(manifest) < rows // 2:
        assert process.poll() is None, "the batch ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = _completed(manifest)
    assert rows // 2 <= done_before < rows
    resumed = subprocess.run(_batch_command(rows_file, out, "--resume"), env=env,
                             capture_output=True, text=True, timeout=50)  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(r["index"] for r in results) == list(range(rows))
    for result in results:
        assert result["status"] == "completed"
        assert result["paths"], result
        assert all(pathlib.Path(p).is_file() for p in result["paths"])
    # Exactly once: one run per row over both sessions, never two in a row's group.
    assert server.counters()["runs_created"][PROMPT_ENHANCER] == rows
    groups = server.runs_by_group()
    assert set(groups.values()) == {1}
    assert len(groups) == rows


def test_sigkill_at_half_then_resume_runs_each_row_once(
    server: LocalServer, tmp_path: pathlib.Path
) -> None:
    server.faults.latency(0.02, route="execute_workflow")  # long enough to kill mid-way
    _kill_at_half_then_resume(server, tmp_path, 300)


def test_sigkill_and_lost_execute_replies_then_resume(
    server: LocalServer, tmp_path: pathlib.Path
) -> None:
    server.faults.latency(0.02, route="execute_workflow")
    server.faults.reset_after_create(count=60)  # the run is created, the reply never comes
    _kill_at_half_then_resume(server, tmp_path, 300)
    assert server.faults.active() == [
        {"kind": "latency", "route": "execute_workflow", "count": None, "seconds": 0.02}
    ]  # every reset was used


def test_lost_execute_replies_are_reconciled_in_one_session(server: LocalServer) -> None:
    server.faults.reset_after_create(count=25)
    with flowscale.Flowscale(server.api_key, server.base_url) as client:
        summary = client.run_batch(
            PROMPT_ENHANCER, ({"prompt": str(i)} for i in range(100)), concurrency=10,
            poll_interval=0.05,
        ).run()  # fmt: skip
    assert summary.completed == 100
    assert server.counters()["runs_created"][PROMPT_ENHANCER] == 100


def test_three_shards_cover_every_row_exactly_once(
    server: LocalServer, tmp_path: pathlib.Path
) -> None:
    rows_file = _rows_file(tmp_path, 90)
    out = tmp_path / "out"
    env = _env(server)
    shards = [
        subprocess.Popen(_batch_command(rows_file, out, "--shard", f"{k}/3"), env=env)
        for k in range(2)
    ]
    shards.append(subprocess.Popen(_batch_command(rows_file, out, "--shard", "3"),
                                   env={**env, "JOB_COMPLETION_INDEX": "2"}))  # fmt: skip
    assert [p.wait(timeout=50) for p in shards] == [0, 0, 0]
    seen: list[int] = []
    for k in range(3):
        lines = (out / f"results-{k}-of-3.jsonl").read_text().splitlines()
        indexes = [json.loads(line)["index"] for line in lines]
        assert all(i % 3 == k for i in indexes)
        seen += indexes
    assert sorted(seen) == list(range(90))
    assert server.counters()["runs_created"][PROMPT_ENHANCER] == 90


def test_interrupting_the_batch_stops_submitting_and_can_cancel_in_flight(
    server: LocalServer, tmp_path: pathlib.Path
) -> None:
    server.faults.latency(2.0, route="get_run")
    server.faults.latency(2.0, route="stream_run_events")

    async def main() -> None:
        async with flowscale.AsyncFlowscale(server.api_key, server.base_url) as client:
            batch = client.run_batch(
                PROMPT_ENHANCER, ({"prompt": str(i)} for i in range(1000)), concurrency=4,
                manifest=tmp_path / "m.sqlite", cancel_in_flight=True,
            )  # fmt: skip
            task = asyncio.ensure_future(batch.run())
            while batch.counts.submitted < 4:  # noqa: ASYNC110 (polling a counter)
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())
    created = server.counters()["runs_created"][PROMPT_ENHANCER]
    assert 4 <= created <= 8  # no new row after the cancel
    db = sqlite3.connect(tmp_path / "m.sqlite")
    states = dict(db.execute("SELECT state, count(*) FROM rows GROUP BY state").fetchall())
    assert states.get("failed", 0) >= 4  # the runs in flight were cancelled with the batch


def test_retry_failed_reruns_failed_rows_and_resume_retries_only_when_asked(
    server: LocalServer, tmp_path: pathlib.Path
) -> None:
    from flowscale.server import RunContext, Workflow, WorkflowFailed

    seen: dict[str, int] = {}
    lock = threading.Lock()

    def flaky(ctx: RunContext) -> dict[str, str]:
        prompt = str(ctx.inputs["prompt"])
        with lock:
            seen[prompt] = seen.get(prompt, 0) + 1
            tries = seen[prompt]
        if prompt.startswith("fail") and tries <= int(prompt[-1]):
            raise WorkflowFailed(f"try {tries} of {prompt}")
        return {"out.txt": prompt}

    text = {"inputs": {"prompt": "string"}, "outputs": {"out": "text"}}
    server.register_workflow(Workflow(id="flaky", name="Flaky", fn=flaky, **text))
    rows = [{"prompt": "ok"}, {"prompt": "fail once 1"}, {"prompt": "fail twice 2"}]
    manifest = tmp_path / "m.sqlite"
    with flowscale.Flowscale(server.api_key, server.base_url) as client:
        options = {"manifest": manifest, "poll_interval": 0.05}
        first = {r.index: r for r in client.run_batch("flaky", rows, retry_failed=1, **options)}
        assert first[0].ok
        assert first[0].attempts == 1
        assert first[1].ok
        assert first[1].attempts == 2
        assert first[2].status is flowscale.RowStatus.FAILED
        assert first[2].error is not None
        assert "try 2 of fail twice 2" in first[2].error
        again = {r.index: r for r in client.run_batch("flaky", rows, manifest=manifest)}
        assert again[2].status is flowscale.RowStatus.FAILED  # not retried unless asked
        assert again[0].resumed
        assert again[1].resumed
        last = {r.index: r for r in client.run_batch("flaky", rows, retry_failed=1, **options)}
    assert last[2].ok
    assert last[2].attempts == 3
    assert seen == {"ok": 1, "fail once 1": 2, "fail twice 2": 3}


def test_row_timeout_fails_the_row_and_cancels_its_run(server: LocalServer) -> None:
    from flowscale.server import RunContext, Workflow

    def slow(ctx: RunContext) -> dict[str, str]:
        ctx.sleep(30 if ctx.inputs["prompt"] == "slow" else 0)
        return {"out.txt": "done"}

    text = {"inputs": {"prompt": "string"}, "outputs": {"out": "text"}}
    server.register_workflow(Workflow(id="slow", name="Slow", fn=slow, **text))
    with flowscale.Flowscale(server.api_key, server.base_url) as client:
        batch = client.run_batch("slow", [{"prompt": "slow"}, {"prompt": "fast"}], timeout=0.5,
                                 poll_interval=0.05)  # fmt: skip
        results = {r.index: r for r in batch}
        assert results[1].ok
        assert results[0].status is flowscale.RowStatus.FAILED
        assert results[0].error is not None
        assert results[0].error.startswith("RunTimeoutError")
        assert results[0].run_id is not None
        deadline = time.monotonic() + 10
        while client.get_run(results[0].run_id).status != "cancelled":
            assert time.monotonic() < deadline
            time.sleep(0.05)
