"""Fixtures for the command-line tests: one local server for the session (with the test
workflows registered), the CLI runner, and a group id per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowscale
from flowscale.server import LocalServer, Workflow

from .helpers import (
    ECHO,
    FAILING,
    SLOW,
    STEADY,
    Cli,
    InProcessCli,
    echo_workflow,
    failing_workflow,
    slow_workflow,
    steady_workflow,
)


@pytest.fixture(scope="session")
def cli_server() -> Iterator[LocalServer]:
    with LocalServer(workers=4, step_delay=0.01) as local:
        local.register_workflow(
            Workflow(
                id=FAILING,
                name="Always Fails",
                fn=failing_workflow,
                inputs={"prompt": "string"},
                outputs={"never": "image"},
            )
        )
        local.register_workflow(
            Workflow(
                id=SLOW,
                name="Slow",
                fn=slow_workflow,
                inputs={"prompt": "string"},
                outputs={"result": "text"},
            )
        )
        local.register_workflow(
            Workflow(
                id=ECHO,
                name="Echo",
                fn=echo_workflow,
                inputs={"doc": "file", "text": "string"},
                outputs={"echo": "file", "text": "text"},
            )
        )
        local.register_workflow(
            Workflow(
                id=STEADY,
                name="Steady",
                fn=steady_workflow,
                inputs={"prompt": "string"},
                outputs={"picture": "image", "notes": "text"},
            )
        )
        yield local


@pytest.fixture
def client(cli_server: LocalServer) -> Iterator[flowscale.Flowscale]:
    with flowscale.Flowscale(api_key=cli_server.api_key, base_url=cli_server.base_url) as sdk:
        yield sdk


@pytest.fixture
def cli_env(cli_server: LocalServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCALE_")}
    env.pop("NO_COLOR", None)
    env.update(
        FLOWSCALE_API_URL=cli_server.base_url,
        FLOWSCALE_API_KEY=cli_server.api_key,
        COLUMNS="200",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def cli(tmp_path: Path, cli_env: dict[str, str]) -> Cli:
    return Cli(tmp_path, cli_env)


@pytest.fixture
def cli_inproc(tmp_path: Path, cli_env: dict[str, str]) -> InProcessCli:
    return InProcessCli(tmp_path, cli_env)


@pytest.fixture
def group() -> str:
    """A group id of this test's own, so run listings do not see other tests' runs."""
    return f"cli-{uuid.uuid4().hex[:12]}"
