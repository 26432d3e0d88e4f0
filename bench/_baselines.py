"""The loops the SDK is compared with, written as a user of raw httpx would write them."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from ._serverproc import ServerProcess

VENDOR_POLL_INTERVAL = 2.0  # the vendor SDKs' default (poll_interval_ms=2000)


class RawAPI:
    """Plain httpx calls on the API, with the key, nothing else."""

    def __init__(self, server: ServerProcess, http: httpx.AsyncClient) -> None:
        self.base_url = server.base_url
        self.headers = {"X-API-KEY": server.api_key}
        self.http = http

    async def execute(self, workflow_id: str, inputs: dict[str, Any]) -> str:
        response = await self.http.post(
            f"{self.base_url}/api/v1/runs",
            params={"workflow_id": workflow_id},
            data={k: str(v) for k, v in inputs.items()},
            headers=self.headers,
        )
        response.raise_for_status()
        run_id: str = response.json()["data"]["run_id"]
        return run_id

    async def get_run(self, run_id: str) -> dict[str, Any]:
        response = await self.http.get(
            f"{self.base_url}/api/v1/runs/{run_id}", headers=self.headers
        )
        response.raise_for_status()
        data: dict[str, Any] = response.json()["data"]
        return data

    async def get_output(self, name: str) -> dict[str, Any] | None:
        response = await self.http.get(
            f"{self.base_url}/api/v1/runs/output", params={"filename": name}, headers=self.headers
        )
        if response.status_code == 204:
            return None
        response.raise_for_status()
        data: dict[str, Any] = response.json()["data"]
        return data


async def plain_polling_loop(
    api: RawAPI, workflow_id: str, inputs: dict[str, Any], interval: float, give_up_after: float
) -> dict[str, dict[str, Any]]:
    """Start a run, poll it every `interval` s until it completes, then fetch its outputs."""
    run_id = await api.execute(workflow_id, inputs)
    deadline = time.monotonic() + give_up_after
    while time.monotonic() < deadline:
        run = await api.get_run(run_id)
        if run["status"] == "completed":
            outputs = {}
            for name in run["output_names"]:
                output = await api.get_output(name)
                if output is None:
                    raise AssertionError(f"output {name} of a completed run is not ready")
                outputs[name] = output
            return outputs
        if run["status"] in ("failed", "cancelled"):
            raise AssertionError(f"run {run_id} {run['status']}")
        await asyncio.sleep(interval)
    raise TimeoutError(f"run {run_id} did not complete within {give_up_after} s")


async def vendor_loop(
    api: RawAPI, workflow_id: str, inputs: dict[str, Any], interval: float, give_up_after: float
) -> dict[str, dict[str, Any]]:
    """The vendor Python SDK 1.1.3's `execute_workflow_async` (shared/reference §5.3): poll
    the run for `output_names`; poll each pending output; return on the first poll that finds
    none pending. The run's status is never consulted."""
    run_id = await api.execute(workflow_id, inputs)
    deadline = time.monotonic() + give_up_after
    names: list[str] = []
    done: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        run = await api.get_run(run_id)
        listed = run.get("output_names") or []
        if listed and listed != names:
            names = list(listed)
        if names:
            pending = [name for name in names if name not in done]
            if not pending:
                return done
            for name in pending:
                output = await api.get_output(name)
                if output is not None:
                    done[name] = output
        await asyncio.sleep(interval)
    raise TimeoutError(f"run {run_id} did not complete within {give_up_after} s")


def stamp_in(outputs: dict[str, dict[str, Any]]) -> float:
    for output in outputs.values():
        if output.get("file_content") is not None and str(output.get("filename")).endswith(".txt"):
            return float(output["file_content"])
    raise AssertionError("no stamp output")
