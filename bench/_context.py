"""What every case gets: the settings, a scratch folder, and servers on demand."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ._model import Row
from ._serverproc import ServerProcess
from ._settings import Settings

NODELAY_CAVEAT = (
    "The benchmark server works around a LocalServer bug: its sockets do not get TCP_NODELAY, "
    "so every reply on a kept-alive connection waits ~40 ms for a delayed ACK "
    "(see bench/_server_main.py, ensure_tcp_nodelay)."
)


@dataclass
class Context:
    settings: Settings
    workdir: Path
    verbose: bool = True
    caveats: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        if self.verbose:
            print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    @contextmanager
    def server(self, workers: int = 4) -> Iterator[ServerProcess]:
        """A fresh benchmark server process, stopped when the block ends."""
        with ServerProcess(workers=workers) as server:
            if server.tcp_nodelay_workaround and NODELAY_CAVEAT not in self.caveats:
                self.caveats.append(NODELAY_CAVEAT)
            yield server


@dataclass(frozen=True)
class Case:
    name: str  # for --only
    title: str  # the figure's heading
    run: Callable[[Context], list[Row]]
