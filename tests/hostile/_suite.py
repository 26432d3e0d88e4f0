"""Runs every hostile case against every flavour (a child process each, all at once) and
tabulates what happened: within bound, worst overshoot, peak RSS growth, exception types."""

from __future__ import annotations

import asyncio
import json
import pathlib
import sys
import tempfile
from typing import Any

from ._servers import CASES, MEMORY_CASES, HostileServers

__all__ = ["ALLOWED_OVERSHOOT", "RSS_GOAL", "format_table", "run_suite"]

ROOT = pathlib.Path(__file__).resolve().parents[2]
FLAVOURS = ("async", "sync", "cli")
ALLOWED_OVERSHOOT = 1.0  # seconds past a call's documented bound
RSS_GOAL = 64 << 20
CHILD_LIMIT = 120.0  # seconds: a child past this is a hang (the suite reports, never waits)
# Children at once: enough to overlap their waits, few enough for a shared 2-core machine.
PARALLEL = 8


async def _child(case: str, flavour: str, url: str, folder: pathlib.Path) -> dict[str, Any]:
    out = folder / f"{abs(hash((case, flavour)))}.json"
    args = [sys.executable, "-m", "tests.hostile._child", case, flavour, url, str(out)]
    if case in MEMORY_CASES:
        args.append("--sequential")
    process = await asyncio.create_subprocess_exec(
        *args, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), CHILD_LIMIT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return {"case": case, "flavour": flavour, "calls": [], "rss_growth": 0, "error": "hung"}
    if not out.exists():
        tail = stderr.decode(errors="replace")[-2000:]
        return {"case": case, "flavour": flavour, "calls": [], "rss_growth": 0, "error": tail}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


async def _all(urls: dict[str, str], folder: pathlib.Path) -> list[dict[str, Any]]:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(case: str, flavour: str) -> dict[str, Any]:
        async with gate:
            return await _child(case, flavour, urls[case], folder)

    # Memory cases first: they use CPU, the timing cases mostly sleep.
    order = sorted(CASES, key=lambda c: c not in MEMORY_CASES)
    return list(await asyncio.gather(*(one(c, f) for c in order for f in FLAVOURS)))


def run_suite() -> list[dict[str, Any]]:
    """Every case x flavour result (see `_child.py` for the shape)."""
    with HostileServers() as servers, tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_all(servers.urls, pathlib.Path(tmp)))


def format_table(results: list[dict[str, Any]]) -> str:
    """One row per case x call: within bound, overshoot, the case's RSS growth, outcome; then
    one summary row per case."""
    lines = [f"{'case':22} {'call':42} {'bound':>5} {'took':>6} {'ok':3} {'RSS MiB':>7}  outcome"]
    summary = []
    for result in results:
        growth = result["rss_growth"] / (1 << 20)
        for row in sorted(result["calls"], key=lambda r: r["call"]):
            over = row["elapsed"] - row["bound"]
            ok = "yes" if over <= ALLOWED_OVERSHOOT else "NO"
            lines.append(
                f"{result['case']:22} {row['call']:42} {row['bound']:5.1f} {row['elapsed']:6.2f} "
                f"{ok:3} {growth:7.1f}  {row['outcome'].rsplit('.', 1)[-1]}"
                + ("" if row["typed"] else "  (UNTYPED)")
            )
        if result.get("error"):
            lines.append(f"{result['case']:22} {result['flavour']:42} child failed: "
                         f"{result['error'][-300:]!r}")  # fmt: skip
    for case in CASES:
        rows = [r for res in results if res["case"] == case for r in res["calls"]]
        worst = max((r["elapsed"] - r["bound"] for r in rows), default=float("nan"))
        unbounded = sum(r["elapsed"] - r["bound"] > ALLOWED_OVERSHOOT for r in rows)
        untyped = sum(not r["typed"] for r in rows)
        rss = max((res["rss_growth"] for res in results if res["case"] == case), default=0)
        summary.append(
            f"{case:22} calls {len(rows):3}  unbounded {unbounded:2}  worst overshoot "
            f"{worst:+6.2f} s  peak RSS growth {rss / (1 << 20):6.1f} MiB  untyped {untyped}"
        )
    return "\n".join([*lines, "", "summary per case:", *summary])
