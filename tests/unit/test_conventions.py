"""Library conventions: a quiet logger, FLOWSCALE_LOG, public module names, no typo as Any."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import flowscale
from flowscale import _logs
from flowscale.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]

# A child process imports flowscale afresh (FLOWSCALE_LOG is read at import), runs one request
# against the local server of the parent, and logs a line quoting the secrets on purpose.
CHILD = textwrap.dedent(
    """
    import logging, sys, warnings
    import flowscale

    base_url, key, token = sys.argv[1:4]
    with flowscale.Flowscale(
        api_key=key, base_url=base_url, custom_headers={"X-Token": token}
    ) as client:
        client.check_health()
    logging.getLogger("flowscale.app").warning("leak? key=%s token=%s", key, token)
    logging.getLogger("flowscale").warning("a warning from the SDK")
    """
)


def _child(env_value: str | None, server: LocalServer) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCALE_")}
    if env_value is not None:
        env["FLOWSCALE_LOG"] = env_value
    done = subprocess.run(
        [sys.executable, "-c", CHILD, server.base_url, server.api_key, "tok-1234567"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout == ""
    return done.stderr


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def test_the_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("flowscale").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_without_flowscale_log_nothing_reaches_stderr(server: LocalServer) -> None:
    assert _child(None, server) == ""


@pytest.mark.parametrize("level", ["debug", "DEBUG"])
def test_flowscale_log_debug_logs_requests_redacted(server: LocalServer, level: str) -> None:
    stderr = _child(level, server)
    assert f"DEBUG flowscale: GET {server.base_url}/api/v1/comfy/health -> 200" in stderr
    assert "leak? key=*** token=***" in stderr
    assert server.api_key not in stderr
    assert "tok-1234567" not in stderr


def test_flowscale_log_info_hides_debug_lines(server: LocalServer) -> None:
    stderr = _child("info", server)
    assert "DEBUG" not in stderr
    assert "WARNING flowscale: a warning from the SDK" in stderr
    assert server.api_key not in stderr


def test_an_unknown_flowscale_log_value_warns_and_logs_nothing(
    server: LocalServer,
) -> None:
    stderr = _child("verbose", server)
    assert "FLOWSCALE_LOG='verbose' is not one of debug, info: ignored" in stderr
    assert "a warning from the SDK" not in stderr


def test_setup_from_environment_replaces_its_handler() -> None:
    logger = logging.getLogger("flowscale")
    level = logger.level
    try:
        first = _logs.setup_from_environment({"FLOWSCALE_LOG": "info"})
        second = _logs.setup_from_environment({"FLOWSCALE_LOG": "debug"})
        assert first is not None
        assert second is not None
        assert first not in logger.handlers
        assert second in logger.handlers
        assert logger.level == logging.DEBUG
        assert _logs.setup_from_environment({}) is None
        assert second not in logger.handlers
    finally:
        logger.setLevel(level)


def test_formatter_reads_secrets_known_after_it_was_made() -> None:
    secrets: list[str] = []
    formatter = _logs.RedactingFormatter("%(message)s", lambda: secrets)
    record = logging.LogRecord("flowscale", logging.INFO, __file__, 1, "k=%s", ("late-key",), None)
    assert formatter.format(record) == "k=late-key"
    secrets.append("late-key")
    assert formatter.format(record) == "k=***"


def test_public_names_report_the_flowscale_module() -> None:
    for name in flowscale.__all__:
        value = getattr(flowscale, name)
        if isinstance(value, type):
            assert value.__module__ == "flowscale", name
    assert flowscale.RunFailedError("x", run_id="r").__class__.__module__ == "flowscale"


def test_sort_literals_are_exported() -> None:
    assert set(flowscale.SortBy.__args__) == {"created_at", "started_at", "completed_at"}
    assert set(flowscale.SortOrder.__args__) == {"asc", "desc"}


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="Flowscal'"):
        _ = flowscale.Flowscal  # type: ignore[attr-defined]


def _mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_misspelt_import_fails_mypy(tmp_path: Path) -> None:
    wrong = _mypy(tmp_path, "from flowscale import Flowscal\n")
    assert wrong.returncode == 1, wrong.stdout
    assert 'Module "flowscale" has no attribute "Flowscal"' in wrong.stdout
    right = _mypy(
        tmp_path,
        "from flowscale import AsyncFlowscale, Flowscale, SortBy, SortOrder\n"
        "order: SortOrder = 'asc'\n"
        "by: SortBy = 'created_at'\n"
        "print(Flowscale, AsyncFlowscale, order, by)\n",
    )
    assert right.returncode == 0, right.stdout
