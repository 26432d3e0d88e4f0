"""`scripts/bench`: run the cases, print the table, write it under bench/results/."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from . import _report
from ._context import Case, Context
from ._limits import raise_open_files
from ._model import CaseResult
from ._serverproc import ROOT
from ._settings import Mode, settings_for
from .cases import CASES

RESULTS = ROOT / "bench" / "results"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Benchmarks of the flowscale SDK against baselines, on loopback only.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer trials (under 2 minutes)")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes: only prove that every case runs"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if a case fails to run (never for a missed target)",
    )
    parser.add_argument(
        "--only",
        metavar="NAMES",
        help="comma-separated cases to run: " + ", ".join(c.name for c in CASES),
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    return parser.parse_args(argv)


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run_case(case: Case, ctx: Context) -> CaseResult:
    print(f"== {case.title}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        rows = case.run(ctx)
        error = None
    except Exception:
        rows, error = [], traceback.format_exc()
        print(error, file=sys.stderr, flush=True)
    seconds = time.perf_counter() - started
    print(f"   {case.title}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return CaseResult(case.name, case.title, rows, seconds, error)


def _select(only: str | None) -> list[Case]:
    if not only:
        return list(CASES)
    names = {name.strip() for name in only.split(",") if name.strip()}
    unknown = names - {case.name for case in CASES}
    if unknown:
        raise SystemExit(f"scripts/bench: unknown case(s) {sorted(unknown)}")
    return [case for case in CASES if case.name in names]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    mode: Mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    cases = _select(args.only)
    raise_open_files()
    meta: dict[str, Any] = {
        "mode": mode,
        "command": shlex.join([".venv/bin/python", "scripts/bench", *(argv or sys.argv[1:])]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty": bool(_git("status", "--porcelain", "--", "flowscale", "generated")),
        "machine": f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "load_start": _load(),
        "sdk": os.environ.get("FLOWSCALE_BENCH_SDK") or "this checkout",
    }
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="flowscale-bench-") as tmp:
        ctx = Context(settings_for(mode), Path(tmp), verbose=not args.quiet)
        for case in cases:
            results.append(_run_case(case, ctx))
    meta["seconds"] = time.perf_counter() - started
    meta["load_end"] = _load()
    print(_report.table(results))
    print()
    print(_report.notes(results))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if args.only:
        stems = [f"partial-{mode}-{stamp}"]
    elif mode == "smoke":
        stems = ["latest-smoke"]
    else:
        stems = [f"{mode}-{stamp}", f"latest-{mode}"]
    for path in _report.write(args.results_dir, stems, results, meta):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    failed = [r.name for r in results if r.failed]
    if failed:
        print(f"cases that failed to run: {', '.join(failed)}", file=sys.stderr)
    print(f"total {meta['seconds']:.1f} s", file=sys.stderr)
    return 1 if args.check and failed else 0
