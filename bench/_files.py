"""Big input files for the upload figures."""

from __future__ import annotations

import os
from pathlib import Path

from ._limits import MIB


def make_file(path: Path, size: int) -> Path:
    """`size` bytes of random data (repeated 1 MiB blocks), written in 1 MiB chunks."""
    block = os.urandom(MIB)
    with path.open("wb") as fh:
        left = size
        while left > 0:
            n = min(left, MIB)
            fh.write(block[:n])
            left -= n
    return path
