"""What every case gets: the settings, a scratch folder, and servers on demand."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._model import Row
from ._serverproc import ServerProcess
from ._settings import Settings


@dataclass
class Context:
    settings: Settings
    workdir: Path
    verbose: bool = True

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    @contextmanager
    def server(self, workers: int = 4) -> Iterator[ServerProcess]:
        """A fresh benchmark server process, stopped when the block ends."""
        with ServerProcess(workers=workers) as server:
            yield server


@dataclass(frozen=True)
class Case:
    name: str  # for --only
    title: str  # the figure's heading
    run: Callable[[Context], list[Row]]
