"""4. Import time of `import flowscale` in a fresh interpreter, against `import httpx`.

Also measured, with the same bar: the time to a first client (`import flowscale` and
`Flowscale(...)`, against `import httpx` and `httpx.Client()`), since an SDK that defers its
imports to the first use only moves the cost there. Neither creates a connection. Each
snippet runs in a fresh interpreter of the same environment, so the baseline and the SDK
import the same httpx (with its CLI hook's click and rich, when those are installed).
"""

from __future__ import annotations

import subprocess
import sys

from .._context import Case, Context
from .._model import Row, at_most, median, spread
from .._serverproc import ROOT, child_env

MAX_RATIO = 1.2
SNIPPETS = {
    "flowscale": "import flowscale",
    "httpx": "import httpx",
    "flowscale_client": "import flowscale; flowscale.Flowscale(api_key='k', base_url=URL)",
    "httpx_client": "import httpx; httpx.Client(base_url=URL)",
}
_PROBE = (
    "import time; URL = 'http://127.0.0.1:9'; t = time.perf_counter(); {snippet}; "
    "print(time.perf_counter() - t)"
)


def _env() -> dict[str, str]:
    # Byte-code caches on both sides, as an installed wheel has them (pip compiles it): with
    # PYTHONDONTWRITEBYTECODE set, httpx in site-packages still loads its .pyc files while
    # this checkout would be compiled from source on every run (about 25 ms more).
    env = child_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def seconds(snippet: str) -> float:
    """Seconds `snippet` takes in a new interpreter (its start-up not included)."""
    out = subprocess.run(
        [sys.executable, "-P", "-c", _PROBE.format(snippet=snippet)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return float(out.stdout.strip())


def run(ctx: Context) -> list[Row]:
    names = list(SNIPPETS)
    for name in names:  # warm-up: byte-code caches written, files in the page cache
        seconds(SNIPPETS[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(ctx.settings.import_runs):
        for name in names if i % 2 == 0 else reversed(names):
            samples[name].append(seconds(SNIPPETS[name]))
    m = {name: median(values) for name, values in samples.items()}
    ctx.log(", ".join(f"{name} {value * 1e3:.0f} ms" for name, value in m.items()))
    n = ctx.settings.import_runs
    data = {"seconds": {name: spread(values) for name, values in samples.items()}}
    ratio = m["flowscale"] / m["httpx"]
    client_ratio = m["flowscale_client"] / m["httpx_client"]
    return [
        Row(
            figure=f"import time, `import flowscale` (median of {n})",
            value=ratio,
            shown=f"{m['flowscale'] * 1e3:.0f} ms = {ratio:.2f}x httpx",
            baseline=f"`import httpx`: {m['httpx'] * 1e3:.0f} ms",
            target=at_most(MAX_RATIO, f"≤ {MAX_RATIO}x `import httpx`"),
            unit="ratio",
            data=data,
        ),
        Row(
            figure=f"time to a first client, `import flowscale` + `Flowscale(...)` (median of {n})",
            value=client_ratio,
            shown=f"{m['flowscale_client'] * 1e3:.0f} ms = {client_ratio:.2f}x httpx",
            baseline=f"`import httpx` + `httpx.Client()`: {m['httpx_client'] * 1e3:.0f} ms",
            target=at_most(MAX_RATIO, f"≤ {MAX_RATIO}x (same bar, added)"),
            unit="ratio",
            note="no connection is made; both build an httpx client (its SSL context included). "
            "Both snippets run in the same interpreter and environment (`python -P`, this "
            "checkout first on the path), so both pay what `import httpx` loads there: with "
            "click and rich installed (the CLI extra), httpx's CLI hook imports them too; "
            "both load cached byte-code, as an installed wheel does",
        ),
    ]


CASE = Case("imports", "Import time", run)
