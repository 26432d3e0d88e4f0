"""A handle on the benchmark server process: start, stop, counters, faults."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import httpx

from ._limits import raise_open_files

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 30.0


def child_env() -> dict[str, str]:
    """Environment of every child process: this checkout importable, nothing else changed."""
    env = dict(os.environ)
    first = [env.get("FLOWSCALE_BENCH_SDK"), str(ROOT), env.get("PYTHONPATH")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, first))
    env.pop("FLOWSCALE_API_KEY", None)
    env.pop("FLOWSCALE_API_URL", None)
    return env


class ServerProcess:
    def __init__(self, workers: int = 2) -> None:
        self.workers = workers
        self.base_url = ""
        self.files_url = ""
        self.api_key = ""
        self._proc: subprocess.Popen[str] | None = None
        self._admin: httpx.Client | None = None

    def start(self) -> Self:
        raise_open_files()  # inherited by the child
        self._proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "bench._server_main", "--workers", str(self.workers)],
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        ready_to_read, _, _ = select.select([self._proc.stdout], [], [], START_TIMEOUT)
        if not ready_to_read:
            self.stop()
            raise RuntimeError(f"the benchmark server did not start within {START_TIMEOUT} s")
        line = self._proc.stdout.readline()  # the child prints as soon as it serves
        if not line:
            code = self._proc.wait(timeout=START_TIMEOUT)
            raise RuntimeError(f"the benchmark server exited with {code} before serving")
        ready: dict[str, str] = json.loads(line)
        self.base_url, self.files_url = ready["base_url"], ready["files_url"]
        self.api_key = ready["api_key"]
        self._admin = httpx.Client(
            base_url=self.base_url, headers={"X-API-KEY": self.api_key}, timeout=30.0
        )
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()  # the child stops when its stdin closes
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- the admin API ----------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        assert self._admin is not None, "the server is not started"
        response = self._admin.request(method, path, **kwargs)
        response.raise_for_status()
        return response.json()["data"]

    def counters(self) -> dict[str, Any]:
        """{"runs_created": {workflow_id: n}, "requests": {route: n}} since the last reset."""
        data: dict[str, Any] = self._request("GET", "/_admin/counters")
        return data

    def reset(self) -> None:
        """Clear faults and counters (runs stay)."""
        self._request("POST", "/_admin/reset")

    def add_fault(self, kind: str, **params: Any) -> None:
        self._request("POST", "/_admin/faults", json={"kind": kind, **params})

    def clear_faults(self) -> None:
        self._request("DELETE", "/_admin/faults")
