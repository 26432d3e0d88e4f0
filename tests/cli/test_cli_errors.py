"""Exit codes and messages: one line and a hint per failure, no traceback unless --debug."""

from __future__ import annotations

import json

import pytest

import flowscale
from flowscale.server import LocalServer

from .helpers import FAILING, SLOW, Cli, InProcessCli, run_id_from, wait_status

pytestmark = pytest.mark.timeout(60)

USAGE, API, FAILED, CANCELLED, TIMEOUT = 2, 3, 4, 5, 6


def assert_clean_error(stderr: str, *fragments: str) -> None:
    assert "Traceback" not in stderr
    assert "error: " in stderr
    for fragment in fragments:
        assert fragment in stderr


def test_wrong_key_is_an_api_error(cli: Cli) -> None:
    result = cli("--api-key", "wrong-key-123", "workflows")
    assert result.returncode == API
    assert_clean_error(result.stderr, "the API key was refused (403)", "hint: ")
    assert "wrong-key-123" not in result.stderr
    assert result.stdout == ""


def test_missing_key_is_a_usage_error_with_the_fix(cli: Cli) -> None:
    result = cli("workflows", env={"FLOWSCALE_API_KEY": None})
    assert result.returncode == USAGE
    assert_clean_error(result.stderr, "no API key", "set FLOWSCALE_API_KEY or pass --api-key")


def test_missing_url_is_a_usage_error(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("health", env={"FLOWSCALE_API_URL": None})
    assert result.returncode == USAGE
    assert_clean_error(result.stderr, "no API URL", "FLOWSCALE_API_URL")


def test_unreachable_server_is_an_api_error(cli: Cli) -> None:
    result = cli("--base-url", "http://127.0.0.1:9", "--max-retries", "0", "health")
    assert result.returncode == API
    assert_clean_error(result.stderr, "Connection refused", "is the server up?")


def test_unknown_run_is_an_api_error(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("runs", "get", "no-such-run")
    assert result.returncode == API
    assert_clean_error(result.stderr, "404")


def test_usage_error_exit_code(cli: Cli) -> None:
    result = cli("run")
    assert result.returncode == USAGE
    assert "Missing argument" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "Text to Image", "-i", "no-equals-sign"), "expected NAME=VALUE"),
        (("run", "Text to Image", "-i", "text_51536=@missing.png"), "no such file"),
        (("run", "Text to Image", "--timeout", "soon"), "is not a duration"),
        (("run", "No Such Workflow"), "no workflow with id or name"),
        (("-H", "no colon", "health"), "is not 'Name: value'"),
        (("runs", "list", "--limit", "0"), "--limit"),
        (("--max-retries", "-1", "health"), "--max-retries"),
        (("completion", "tcsh"), "tcsh"),
        (("nonsense",), "No such command"),
    ],
)
def test_usage_errors(cli_inproc: InProcessCli, args: tuple[str, ...], message: str) -> None:
    result = cli_inproc(*args)
    assert result.returncode == USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_rejected_inputs_list_the_fields(cli: Cli) -> None:
    result = cli("run", "Text to Image", "-i", "wrong=1")
    assert result.returncode == API
    assert_clean_error(result.stderr, "text_51536", "wrong", "flowscale workflows")


def test_failed_run(cli: Cli) -> None:
    result = cli("run", FAILING, "-i", "prompt=x")
    assert result.returncode == FAILED
    assert_clean_error(result.stderr, "exploded on purpose", "node 7", "flowscale runs get")
    assert result.stdout == ""


def test_failed_run_json_prints_only_the_error_object(cli_inproc: InProcessCli) -> None:
    # Was: stdout stays empty. Issue 11 asks for one JSON error object there instead (a
    # script reading stdout then learns why), the one-line message still on stderr.
    result = cli_inproc("run", "Always Fails", "-i", "prompt=x", "--json")
    assert result.returncode == FAILED
    error = json.loads(result.stdout)["error"]
    assert (error["type"], error["exit_code"]) == ("RunFailedError", FAILED)


def test_cancelled_run(cli: Cli, client: flowscale.Flowscale) -> None:
    watched = cli.popen("run", SLOW, "-i", "prompt=x")
    run_id = run_id_from(watched.wait_for(" started"))
    watched.wait_for("running")
    client.cancel_run(run_id)
    code, out, err = watched.finish()
    assert code == CANCELLED, err
    assert_clean_error(err, f"run {run_id} was cancelled")
    assert out == ""


def test_runs_wait_on_a_cancelled_run(cli: Cli, client: flowscale.Flowscale) -> None:
    run_id = client.execute_workflow(SLOW, {"prompt": "x"}).run_id
    client.cancel_run(run_id)
    wait_status(client, run_id, {"cancelled"})
    result = cli("runs", "wait", run_id)
    assert result.returncode == CANCELLED


def test_timeout_leaves_the_run_and_says_how_to_resume(
    cli: Cli, client: flowscale.Flowscale
) -> None:
    # The slow workflow sends progress every 50 ms: the timeout must still end the wait.
    result = cli("run", "Slow", "-i", "prompt=x", "--timeout", "0.5s")
    assert result.returncode == TIMEOUT
    assert_clean_error(result.stderr, "did not finish within 0.5 s", "flowscale runs wait")
    run_id = result.stderr.split("flowscale runs wait ")[1].split()[0]
    assert client.get_run(run_id).status == "running"
    client.cancel_run(run_id)


def test_timeout_can_cancel_the_run(cli: Cli, client: flowscale.Flowscale, group: str) -> None:
    result = cli(
        "run", "Slow", "-i", "prompt=x", "-t", "0.5", "--cancel-on-timeout", "--group", group
    )
    assert result.returncode == TIMEOUT
    assert "it was cancelled" in result.stderr
    (run,) = client.get_runs(group).runs
    wait_status(client, run.id, {"cancelled"})


def test_output_not_ready_is_an_api_error(cli: Cli, client: flowscale.Flowscale) -> None:
    run_id = client.execute_workflow(SLOW, {"prompt": "x"}).run_id
    try:
        wait_status(client, run_id, {"running"})
        result = cli("output", "filename_prefix_1_AAAAAAAAAA.txt")
        assert result.returncode == API
        assert_clean_error(result.stderr, "not ready yet")
    finally:
        client.cancel_run(run_id)


def test_debug_shows_a_traceback_with_the_key_redacted(cli: Cli) -> None:
    result = cli("--debug", "--api-key", "wrong-key-123", "workflows")
    assert result.returncode == API
    assert "Traceback" in result.stderr
    assert "PermissionDeniedError" in result.stderr
    assert "wrong-key-123" not in result.stderr


def test_verbose_logs_never_show_the_key_or_header_values(
    cli: Cli, cli_server: LocalServer
) -> None:
    result = cli("-vv", "-H", "Authorization: Bearer secret-token-42", "health")
    assert result.returncode == 0, result.stderr
    assert "DEBUG flowscale" in result.stderr  # logging is on...
    assert cli_server.api_key not in result.stderr  # ...and the secrets are not in it
    assert "secret-token-42" not in result.stderr
