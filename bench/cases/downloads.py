"""6. Download: a big output saved to disk with `download_output`, vs raw httpx streaming the
same URL to a file (`client.stream` + `iter_bytes`), each trial in its own child process:
peak resident set growth, and throughput (the raw side's in the same run as the baseline).

The two sides run back to back (in alternating order) and the throughput figure is the median
of those pairs' ratios, so the load of the machine weighs on both alike. Dirty pages are
flushed (`os.sync`, not timed) before each trial so that no trial pays for the last one's
write-back.
"""

from __future__ import annotations

import os
from typing import Any

from .. import _workflows
from .._child import probe
from .._context import Case, Context
from .._limits import MIB
from .._model import Row, at_least, at_most, median, spread
from .._runs import sync_client

MAX_GROWTH_MIB = 32
MIN_THROUGHPUT = 0.80


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    size = settings.download_bytes
    flavours = ("sync", "async")
    sides = [(flavour, side) for flavour in flavours for side in ("facade", "raw")]
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {key: [] for key in sides}
    with ctx.server() as server:
        with sync_client(server) as client:
            result = client.execute_workflow_async(
                _workflows.BIG_OUTPUT, {"size": size}, timeout=300
            )
        output = result.outputs[0]
        if output.size != size or output.download_url is None:
            raise AssertionError(f"unexpected output {output}")
        common = {
            "base_url": server.base_url,
            "api_key": server.api_key,
            "filename": output.filename,
            "url": output.download_url,
            "target": str(ctx.workdir / "download.bin"),
        }
        for trial in range(settings.download_trials):
            for flavour, side in sides if trial % 2 == 0 else sides[::-1]:
                os.sync()
                got = probe(f"download_{side}", {**common, "flavour": flavour})
                if got["size"] != size:
                    raise AssertionError(f"downloaded {got['size']} bytes of {size}")
                samples[flavour, side].append(got)
            ctx.log(
                f"download trial {trial + 1}: "
                + ", ".join(
                    f"{f} {s} {size / MIB / samples[f, s][-1]['seconds']:.0f} MiB/s "
                    f"+{samples[f, s][-1]['growth'] / MIB:.1f} MiB"
                    for f, s in sides
                )
            )
        control = probe("download_buffered", common)
        ctx.log(f"download control (body in memory): +{control['growth'] / MIB:.0f} MiB")
    rows = []
    for flavour, label in (("sync", "Flowscale"), ("async", "AsyncFlowscale")):
        ours, raw = samples[flavour, "facade"], samples[flavour, "raw"]
        growth = median([s["growth"] for s in ours]) / MIB
        raw_growth = median([s["growth"] for s in raw]) / MIB
        speed = size / median([s["seconds"] for s in ours]) / MIB
        raw_speed = size / median([s["seconds"] for s in raw]) / MIB
        ratio = median([r["seconds"] / o["seconds"] for o, r in zip(ours, raw, strict=True)])
        data = {
            side: {
                key: spread([s[key] for s in values])
                for key in ("growth", "seconds", "rss_setup", "rss_peak")
            }
            for side, values in (("facade", ours), ("raw", raw))
        }
        rows.append(
            Row(
                figure=f"download {size // MIB} MiB output to disk ({label}): peak RSS growth",
                value=growth,
                shown=f"{growth:.1f} MiB",
                baseline=f"file size {size // MIB} MiB (control, the body read into memory: "
                f"+{control['growth'] / MIB:,.0f} MiB); raw httpx stream: +{raw_growth:.1f} MiB",
                target=at_most(MAX_GROWTH_MIB, f"≤ {MAX_GROWTH_MIB} MiB"),
                unit="MiB",
                note=f"median of {settings.download_trials} child processes",
                data={**data, "control_growth": control["growth"]},
            )
        )
        rows.append(
            Row(
                figure=f"download {size // MIB} MiB output to disk ({label}): throughput",
                value=ratio,
                shown=f"{speed:,.0f} MiB/s = {ratio:.0%} of raw",
                baseline=f"raw httpx {'Async' if flavour == 'async' else ''}Client.stream + "
                f"iter_bytes to a file: {raw_speed:,.0f} MiB/s",
                target=at_least(MIN_THROUGHPUT, f"≥ {MIN_THROUGHPUT:.0%} of raw httpx"),
                unit="fraction",
                note=f"median of {settings.download_trials} back-to-back pairs of child processes",
            )
        )
    return rows


CASE = Case("download", "Download memory and throughput", run)
