"""4. Import time of `import flowscale` in a fresh interpreter, against `import httpx`."""

from __future__ import annotations

import subprocess
import sys

from .._context import Case, Context
from .._model import Row, at_most, median, spread
from .._serverproc import ROOT, child_env

MAX_RATIO = 1.5
_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str) -> float:
    """Seconds `import module` takes in a new interpreter (its start-up not included)."""
    out = subprocess.run(
        [sys.executable, "-P", "-c", _PROBE.format(module=module)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(out.stdout.strip())


def run(ctx: Context) -> list[Row]:
    modules = ("flowscale", "httpx")
    for module in modules:  # warm-up: byte-code caches written, files in the page cache
        import_seconds(module)
    samples: dict[str, list[float]] = {module: [] for module in modules}
    for i in range(ctx.settings.import_runs):
        for module in modules if i % 2 == 0 else reversed(modules):
            samples[module].append(import_seconds(module))
    ours, theirs = median(samples["flowscale"]), median(samples["httpx"])
    ctx.log(f"import flowscale {ours * 1e3:.0f} ms, import httpx {theirs * 1e3:.0f} ms")
    return [
        Row(
            figure=f"import time, `import flowscale` (median of {ctx.settings.import_runs})",
            value=ours / theirs,
            shown=f"{ours * 1e3:.0f} ms = {ours / theirs:.2f}x httpx",
            baseline=f"`import httpx`: {theirs * 1e3:.0f} ms",
            target=at_most(MAX_RATIO, f"≤ {MAX_RATIO}x `import httpx`"),
            unit="ratio",
            data={"seconds": {m: spread(v) for m, v in samples.items()}},
        )
    ]


CASE = Case("imports", "Import time", run)
