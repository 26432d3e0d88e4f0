"""Small helpers shared by cases: starting runs, reading their stamps."""

from __future__ import annotations

import time

from flowscale import AsyncFlowscale, Flowscale, RunResult

from . import _workflows
from ._serverproc import ServerProcess


def sync_client(server: ServerProcess) -> Flowscale:
    return Flowscale(api_key=server.api_key, base_url=server.base_url)


def async_client(server: ServerProcess) -> AsyncFlowscale:
    return AsyncFlowscale(api_key=server.api_key, base_url=server.base_url)


def sleep_inputs(seconds: float, steps: int = 1) -> dict[str, float | int]:
    return {"seconds": round(seconds, 4), "steps": steps}


def finished_run(server: ServerProcess) -> str:
    """The id of a completed run (for figures that only read one)."""
    with sync_client(server) as client:
        result = client.execute_workflow_async(_workflows.SLEEP, sleep_inputs(0.0))
    return result.run_id


def stamp_of(result: RunResult) -> float:
    """The server's monotonic clock when the run's workflow returned."""
    for output in result.outputs:
        if output.file_content is not None and output.filename.endswith(".txt"):
            return float(output.file_content)
    raise AssertionError(f"run {result.run_id} has no stamp output")


def since(stamp: float) -> float:
    return time.monotonic() - stamp
