"""6. Download: a big run output saved to disk with `download_output`, against raw httpx
streaming the same URL to a file (`client.stream` + `iter_bytes`); and the memory of
`stream_output` iterating the same output.

Each trial is a pair of fresh child processes per client flavour, the SDK's and raw httpx's,
back to back (in alternating order): the SDK looks the output up with `get_output` during
setup, then both download the same signed URL. Memory is the growth of the child's peak
resident set (a control reading the body into memory shows the meter sees buffering);
throughput is the median of the pairs' ratios, since on this shared 2-CPU VM one fresh
process can be twice as fast as the next, for either side. Dirty pages are flushed
(`os.sync`, not timed) before each download so that none pays for the previous write-back.
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
FLAVOURS = (("sync", "Flowscale", "Client"), ("async", "AsyncFlowscale", "AsyncClient"))

Samples = dict[tuple[str, str], list[dict[str, Any]]]


def _trials(ctx: Context, common: dict[str, Any]) -> Samples:
    size = ctx.settings.download_bytes
    sides = [(flavour, side) for flavour, _, _ in FLAVOURS for side in ("facade", "raw")]
    samples: Samples = {key: [] for key in sides}
    for trial in range(ctx.settings.download_trials):
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
    return samples


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    size = settings.download_bytes
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
        samples = _trials(ctx, common)
        control = probe("download_buffered", common)["growth"] / MIB
        streamed = [probe("download_stream", common) for _ in range(ctx.settings.download_trials)]
        if any(s["size"] != size for s in streamed):
            raise AssertionError("stream_output yielded the wrong number of bytes")
        ctx.log(f"download control (body in memory): +{control:.0f} MiB")
    rows = []
    n = settings.download_trials
    for flavour, label, raw_client in FLAVOURS:
        ours, raw = samples[flavour, "facade"], samples[flavour, "raw"]
        growth = median([s["growth"] for s in ours]) / MIB
        raw_growth = median([s["growth"] for s in raw]) / MIB
        speed = size / median([s["seconds"] for s in ours]) / MIB
        raw_speed = size / median([s["seconds"] for s in raw]) / MIB
        ratios = [r["seconds"] / o["seconds"] for o, r in zip(ours, raw, strict=True)]
        ratio = median(ratios)
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
                f"+{control:,.0f} MiB); raw httpx stream: +{raw_growth:.1f} MiB",
                target=at_most(MAX_GROWTH_MIB, f"≤ {MAX_GROWTH_MIB} MiB"),
                unit="MiB",
                note=f"median of {n} child processes",
                data={**data, "control_growth_mib": control},
            )
        )
        rows.append(
            Row(
                figure=f"download {size // MIB} MiB output to disk ({label}): throughput",
                value=ratio,
                shown=f"{speed:,.0f} MiB/s; {ratio:.0%} of raw",
                baseline=f"raw httpx.{raw_client}.stream + iter_bytes to a file: "
                f"{raw_speed:,.0f} MiB/s",
                target=at_least(MIN_THROUGHPUT, f"≥ {MIN_THROUGHPUT:.0%} of raw httpx"),
                unit="fraction",
                note=f"median ratio of {n} back-to-back pairs of child processes (ratios "
                + ", ".join(f"{r:.2f}" for r in sorted(ratios))
                + ")",
            )
        )
    growth = median([s["growth"] for s in streamed]) / MIB
    speed = size / median([s["seconds"] for s in streamed]) / MIB
    rows.append(
        Row(
            figure=f"stream_output of a {size // MIB} MiB output (Flowscale): peak RSS growth",
            value=growth,
            shown=f"{growth:.1f} MiB ({speed:,.0f} MiB/s)",
            baseline=f"file size {size // MIB} MiB (control, the body read into memory: "
            f"+{control:,.0f} MiB)",
            target=at_most(MAX_GROWTH_MIB, f"≤ {MAX_GROWTH_MIB} MiB"),
            unit="MiB",
            note=f"median of {n} child processes",
            data={"growth": spread([s["growth"] for s in streamed])},
        )
    )
    return rows


CASE = Case("download", "Download memory and throughput", run)
