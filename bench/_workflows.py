"""The workflows the benchmark server offers, on top of the built-in ones.

Each is cheap and deterministic; the ones timing completion return the server's monotonic
clock (read just before the workflow returns) as a text output, so the client can tell how
long after the run ended its call returned (CLOCK_MONOTONIC is system-wide on Linux).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from flowscale.server import Workflow

SLEEP: Final = "bench-sleep"  # sleep `seconds` in `steps` progress steps; one text output
THREE: Final = "bench-three"  # the same, with three outputs (a stamp, an image, a JSON file)
UPLOAD: Final = "bench-upload"  # takes a file input; reports its size
BIG_OUTPUT: Final = "bench-big-output"  # one file output of `size` bytes, streamed from disk

STAMP_LABEL: Final = "stamp"
_PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63"
    "f8cfc0f01f0005000201e2c9a3d40000000049454e44ae426082"
)


def _number(ctx: Any, name: str, default: float) -> float:
    value = ctx.inputs.get(name)
    return float(value) if isinstance(value, str) and value.strip() else default


def _sleep_steps(ctx: Any) -> None:
    seconds = _number(ctx, "seconds", 0.0)
    steps = max(1, int(_number(ctx, "steps", 1)))
    for step in range(1, steps + 1):
        ctx.sleep(seconds / steps)
        ctx.progress(step, steps, node_id="3", node_type="KSampler")


def stamp() -> str:
    """What the workflows return as their `stamp` output: the monotonic clock, in seconds."""
    return f"{time.monotonic():.9f}"


def _sleep(ctx: Any) -> Mapping[str, str | bytes | Path]:
    _sleep_steps(ctx)
    return {"stamp.txt": stamp()}


def _three(ctx: Any) -> Mapping[str, str | bytes | Path]:
    _sleep_steps(ctx)
    metadata = b'{"width": 1, "height": 1}'
    return {"image.png": _PNG, "metadata.json": metadata, "stamp.txt": stamp()}


def _upload(ctx: Any) -> Mapping[str, str | bytes | Path]:
    upload = ctx.inputs.get("file")
    size = getattr(upload, "size", -1)
    return {"size.txt": str(size)}


class BigFiles:
    """Output files of a given size, made once per size in `root` (random bytes, so nothing
    on the way could compress them)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._lock = threading.Lock()

    def get(self, size: int) -> Path:
        path = self._root / f"big-{size}.bin"
        with self._lock:
            if not path.exists():
                block = os.urandom(1 << 20)
                tmp = path.with_suffix(".part")
                with tmp.open("wb") as fh:
                    left = size
                    while left > 0:
                        n = min(left, len(block))
                        fh.write(block[:n])
                        left -= n
                tmp.replace(path)
        return path


def workflows(data_dir: Path) -> list[Any]:
    big = BigFiles(data_dir)

    def big_output(ctx: Any) -> Mapping[str, str | bytes | Path]:
        return {"big.bin": big.get(int(_number(ctx, "size", 1 << 20)))}

    timed = {"seconds": "number", "steps": "number"}
    return [
        Workflow(id=SLEEP, name="Bench sleep", fn=_sleep, inputs=timed, outputs={"stamp": "text"}),
        Workflow(
            id=THREE,
            name="Bench three outputs",
            fn=_three,
            inputs=timed,
            outputs={"image": "image", "metadata": "file", "stamp": "text"},
        ),
        Workflow(
            id=UPLOAD,
            name="Bench upload",
            fn=_upload,
            inputs={"file": "file"},
            outputs={"size": "text"},
        ),
        Workflow(
            id=BIG_OUTPUT,
            name="Bench big output",
            fn=big_output,
            inputs={"size": "number"},
            outputs={"big": "file"},
        ),
    ]
