"""`flowscale proxy`: its usage errors, and a real start in front of the local server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from flowscale.cli._main import run
from flowscale.server import LocalServer

from .conftest import SECRET, mint


def test_usage_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("FLOWSCALE_API_KEY", raising=False)

    def _run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        code = run(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    code, output = _run("proxy")
    assert code == 2
    assert "--upstream" in output
    code, output = _run("proxy", "--upstream", "http://127.0.0.1:9")
    assert (code, "FLOWSCALE_API_KEY" in output) == (2, True)
    code, output = _run(
        "--api-key", "k", "proxy", "--upstream", "http://127.0.0.1:9", "--jwt-secret-env", "NOPE"
    )
    assert (code, "$NOPE is not set" in output) == (2, True)
    code, output = _run("--api-key", "k", "proxy", "--upstream", "http://127.0.0.1:9")
    assert code == 2
    assert "--jwt-secret-env" in output
    code, output = _run("proxy", "--demo", "--upstream", "http://127.0.0.1:9")
    assert code == 2
    code, output = _run("proxy", "--help")
    assert code == 0
    assert "--allow-workflow" in output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_command_serves_a_proxy(upstream: LocalServer) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "FLOWSCALE_API_KEY": upstream.api_key,
        "APP_JWT_SECRET": SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowscale.cli",
            "proxy",
            "--upstream",
            upstream.base_url,
            "--port",
            str(port),
            "--jwt-secret-env",
            "APP_JWT_SECRET",
            "--allow-workflow",
            "550e8400-e29b-41d4-a716-446655440000",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        token = mint("cli-user", aud=None, iss=None)
        deadline = time.monotonic() + 20
        while True:
            try:
                reply = httpx.get(
                    f"{url}/api/v1/comfy/workflows", headers={"Authorization": f"Bearer {token}"}
                )
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the proxy did not start"
                time.sleep(0.1)
        assert reply.status_code == 200
        assert [wf["id"] for wf in reply.json()["data"]] == ["550e8400-e29b-41d4-a716-446655440000"]
        assert httpx.get(f"{url}/api/v1/runs").status_code == 401
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert upstream.api_key not in output
