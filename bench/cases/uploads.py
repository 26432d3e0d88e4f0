"""5. Upload: a run with a big file input (a `pathlib.Path`), measured in a child process per
trial: the growth of its peak resident set over what it held once set up. Baseline: the file
size (what buffering it costs: a control run passes the file as bytes, and its growth shows
the meter sees buffering); for context, raw httpx posting the same multipart form."""

from __future__ import annotations

from .. import _workflows
from .._child import probe
from .._context import Case, Context
from .._files import make_file
from .._limits import MIB
from .._model import Row, at_most, median, spread

MAX_GROWTH_MIB = 32


def run(ctx: Context) -> list[Row]:
    settings = ctx.settings
    size = settings.upload_bytes
    path = make_file(ctx.workdir / "upload.bin", size)
    samples: dict[str, list[dict[str, float]]] = {"facade": [], "raw": []}
    with ctx.server() as server:
        common = {
            "base_url": server.base_url,
            "api_key": server.api_key,
            "path": str(path),
            "workflow_id": _workflows.UPLOAD,
        }
        for trial in range(settings.upload_trials):
            order = ("facade", "raw") if trial % 2 == 0 else ("raw", "facade")
            for side in order:
                result = probe(f"upload_{side}", common)
                if side == "facade" and result["server_size"] != size:
                    raise AssertionError(f"the server got {result['server_size']} bytes of {size}")
                samples[side].append(result)
            ctx.log(
                f"upload trial {trial + 1}: facade +{samples['facade'][-1]['growth'] / MIB:.1f} "
                f"MiB in {samples['facade'][-1]['seconds']:.1f} s, raw "
                f"+{samples['raw'][-1]['growth'] / MIB:.1f} MiB"
            )
        control = probe("upload_buffered", common)
        ctx.log(f"upload control (bytes input): +{control['growth'] / MIB:.0f} MiB")
    path.unlink()
    growth = median([s["growth"] for s in samples["facade"]]) / MIB
    raw_growth = median([s["growth"] for s in samples["raw"]]) / MIB
    seconds = median([s["seconds"] for s in samples["facade"]])
    return [
        Row(
            figure=f"upload {size // MIB} MiB file input (Flowscale, Path): peak RSS growth",
            value=growth,
            shown=f"{growth:.1f} MiB",
            baseline=f"file size {size // MIB} MiB (control, the file passed as bytes: "
            f"+{control['growth'] / MIB:,.0f} MiB); raw httpx multipart POST: "
            f"+{raw_growth:.1f} MiB",
            target=at_most(MAX_GROWTH_MIB, f"≤ {MAX_GROWTH_MIB} MiB"),
            unit="MiB",
            note=f"median of {settings.upload_trials} child processes; the whole run took "
            f"{seconds:.1f} s ({size / MIB / seconds:.0f} MiB/s)",
            data={
                "control_growth": control["growth"],
                **{
                    side: {
                        key: spread([s[key] for s in values])
                        for key in ("growth", "seconds", "rss_setup", "rss_peak")
                    }
                    for side, values in samples.items()
                },
            },
        )
    ]


CASE = Case("upload", "Upload memory", run)
