"""Running one probe (bench/_probe.py) in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from ._serverproc import ROOT, child_env


def probe(name: str, args: dict[str, Any], timeout: float = 600.0) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-P", "-m", "bench._probe", name, json.dumps(args)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"probe {name} exited with {done.returncode}:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
