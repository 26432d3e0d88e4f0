"""How the server starts: the command line, the pytest plugin, import weight."""

from __future__ import annotations

import ast
import signal
import subprocess
import sys

import httpx
import pytest

from flowscale.server import LocalServer

pytestmark = pytest.mark.timeout(60)

HEAVY = ("starlette", "uvicorn", "PIL", "python_multipart", "multipart", "h11")


def imported_after(statement: str) -> list[str]:
    code = (
        f"import sys\n{statement}\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    return list(ast.literal_eval(result.stdout))


@pytest.mark.parametrize(
    "statement",
    [
        "import flowscale",
        "import flowscale.server.pytest_plugin",
        "from flowscale.server import Workflow, RunContext, WorkflowFailed",
    ],
)
def test_light_imports_stay_light(statement: str) -> None:
    assert imported_after(statement) == []


def test_the_plugin_fixture(flowscale_server: LocalServer) -> None:
    response = httpx.get(
        f"{flowscale_server.base_url}/api/v1/comfy/health",
        headers={"X-API-KEY": flowscale_server.api_key},
    )
    assert response.status_code == 200


def test_the_session_fixture(flowscale_server_session: LocalServer) -> None:
    assert flowscale_server_session.base_url.startswith("http://127.0.0.1:")
    flowscale_server_session.reset()


def test_command_line_runs_until_ctrl_c() -> None:
    command = [sys.executable, "-m", "flowscale.server", "--port", "0", "--workers", "3"]
    process = subprocess.Popen(
        [*command, "--api-key", "cli-key"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Press Ctrl-C"):
                break
        fields = dict(line.split(":", 1) for line in lines[:3])
        base_url = fields["Flowscale local server"].strip()
        files_url = fields["Files served from"].strip()
        assert fields["API key"].strip() == "cli-key"
        assert base_url != files_url
        health = httpx.get(f"{base_url}/api/v1/comfy/health", headers={"X-API-KEY": "cli-key"})
        assert [c["container"] for c in health.json()["data"]] == [
            "container #1",
            "container #2",
            "container #3",
        ]
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
        assert process.returncode == 0, err
        assert "Stopped." in out
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
