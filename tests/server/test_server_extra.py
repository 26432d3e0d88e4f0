"""The `server` extra explains itself, and the fixtures users get for their own tests.

Without the extra is tested for real: a child interpreter whose import system refuses the
extra's packages (a meta-path finder raising `ModuleNotFoundError`, as for an absent package),
running the statements, the pytest plugin and the command lines a user would.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowscale import AsyncFlowscale, Flowscale
from flowscale.server import LocalServer

pytestmark = pytest.mark.timeout(120)

INSTALL = "pip install 'flowscale[server]'"


def without(*packages: str) -> str:
    """Python source that makes `packages` unimportable in the interpreter running it."""
    return textwrap.dedent(
        f"""
        import sys

        class _Absent:
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in {set(packages)!r}:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None

        sys.meta_path.insert(0, _Absent())
        """
    )


def run(code: str, cwd: Path | None = None, *packages: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", without(*packages) + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=cwd,
    )


ASGI = ("starlette", "uvicorn")


def test_local_server_names_the_extra_to_install() -> None:
    result = run(
        """
        from flowscale.server import Workflow, RunContext  # the light part still imports
        try:
            from flowscale.server import LocalServer
        except ImportError as exc:
            print(type(exc).__name__, exc)
        """,
        None,
        *ASGI,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "MissingExtraError flowscale.server.LocalServer needs starlette, uvicorn from the "
        f"'server' extra: {INSTALL}"
    )


def test_a_missing_pillow_is_reported_before_the_first_image_run() -> None:
    result = run("from flowscale.server import LocalServer", None, "PIL")
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last == (
        "flowscale.server._extra.MissingExtraError: flowscale.server.LocalServer needs pillow "
        f"from the 'server' extra: {INSTALL}"
    )


def test_the_pytest_fixtures_name_the_extra(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        "def test_uses_server(flowscale_server):\n    pass\n\n"
        "def test_uses_client(flowscale_client):\n    pass\n"
    )
    result = run(
        "import sys, pytest\n"
        "sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', 'test_user.py']))",
        tmp_path,
        *ASGI,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 errors" in result.stdout
    # Each error names the extra (pytest may repeat it in its short summary, as wide as the
    # terminal allows).
    assert result.stdout.count("the flowscale_server fixture needs starlette, uvicorn") >= 2
    assert INSTALL in result.stdout


@pytest.mark.parametrize("command", ["serve", "demo"])
def test_flowscale_serve_and_demo_name_the_extra(command: str) -> None:
    code = f"import sys\nfrom flowscale.cli import main\nsys.exit(main([{command!r}]))"
    result = run(code, None, *ASGI)
    assert result.returncode == 2
    assert "the local server needs starlette, uvicorn" in result.stderr
    assert INSTALL in result.stderr


def test_python_m_flowscale_server_names_the_extra() -> None:
    result = run(
        "import sys\nfrom flowscale.server.__main__ import main\nsys.exit(main([]))", None, *ASGI
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: python -m flowscale.server needs starlette, uvicorn from the 'server' extra: "
        f"{INSTALL}"
    )


def test_the_server_needs_no_cli_extra() -> None:
    result = run(
        """
        from flowscale.server import LocalServer
        with LocalServer(step_delay=0.001) as server:
            print(server.base_url)
        """,
        None,
        "rich",  # click stays: uvicorn itself depends on it
        "dotenv",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("http://127.0.0.1:")


def test_the_cli_needs_no_server_extra(flowscale_env: LocalServer) -> None:
    # flowscale_env has set FLOWSCALE_API_URL/KEY, which the child inherits.
    result = run(
        "import sys\nfrom flowscale.cli import main\nsys.exit(main(['health']))",
        None,
        *ASGI,
        "PIL",
    )
    assert result.returncode == 0, result.stderr


# ---- the fixtures, as a user's test suite uses them ---------------------------------------


def test_flowscale_client(flowscale_client: Flowscale, flowscale_server: LocalServer) -> None:
    assert flowscale_client.base_url.rstrip("/") == flowscale_server.base_url.rstrip("/")
    result = flowscale_client.execute_workflow_async(
        "550e8400-e29b-41d4-a716-446655440000", {"text_51536": "fixture"}
    )
    assert len(result) == 1


async def test_flowscale_async_client(
    flowscale_async_client: AsyncFlowscale, flowscale_server: LocalServer
) -> None:
    health = await flowscale_async_client.check_health()
    assert health
    assert flowscale_async_client.base_url.rstrip("/") == flowscale_server.base_url.rstrip("/")


def test_flowscale_env(flowscale_env: LocalServer) -> None:
    with Flowscale() as client:  # from the environment, as the user's own code does
        assert client.base_url.rstrip("/") == flowscale_env.base_url.rstrip("/")
        assert client.check_health()


def test_the_readmes_fixture_example_passes_as_a_test_file(tmp_path: Path) -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (block,) = [
        b
        for b in re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
        if "flowscale_env" in b
    ]
    (tmp_path / "test_readme_fixtures.py").write_text(block)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_readme_fixtures.py"],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
