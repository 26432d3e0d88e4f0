"""Ctrl-C (SIGINT to the process) while following a run: exit 130, nothing left following,
and the run cancelled when asked to."""

from __future__ import annotations

import signal

import pytest

import flowscale

from .helpers import SLOW, Cli, run_id_from, wait_status

pytestmark = pytest.mark.timeout(60)

INTERRUPTED = 130


def test_sigint_without_a_terminal_leaves_the_run_and_says_so(
    cli: Cli, client: flowscale.Flowscale
) -> None:
    watched = cli.popen("run", "Slow", "-i", "prompt=x")
    run_id = run_id_from(watched.wait_for(" started"))
    watched.wait_for("running")
    watched.proc.send_signal(signal.SIGINT)
    code, out, err = watched.finish()
    try:
        assert code == INTERRUPTED, err
        assert "Traceback" not in err
        assert f"run {run_id} is still going" in err
        assert f"flowscale runs wait {run_id}" in err
        assert out == ""
        # No question was asked (stdin is not a terminal), and the run was not touched.
        assert "Cancel run" not in err
        assert client.get_run(run_id).status == "running"
    finally:
        client.cancel_run(run_id)


def test_sigint_with_cancel_on_interrupt_cancels_the_run(
    cli: Cli, client: flowscale.Flowscale
) -> None:
    watched = cli.popen("run", SLOW, "-i", "prompt=x", "--cancel-on-interrupt")
    run_id = run_id_from(watched.wait_for(" started"))
    watched.wait_for("running")
    watched.proc.send_signal(signal.SIGINT)
    code, _, err = watched.finish()
    assert code == INTERRUPTED, err
    assert f"cancelled run {run_id}" in err
    wait_status(client, run_id, {"cancelled"})


def test_sigint_during_runs_wait(cli: Cli, client: flowscale.Flowscale) -> None:
    run_id = client.execute_workflow(SLOW, {"prompt": "x"}).run_id
    watched = cli.popen("runs", "wait", run_id, "--cancel-on-interrupt")
    watched.wait_for("running")  # printed from inside the wait
    watched.proc.send_signal(signal.SIGINT)
    code, out, err = watched.finish()
    assert code == INTERRUPTED, err
    assert out == ""
    wait_status(client, run_id, {"cancelled"})


def test_sigint_during_the_demo_stops_the_server_and_exits(cli: Cli) -> None:
    watched = cli.popen("demo", env={"FLOWSCALE_API_URL": None, "FLOWSCALE_API_KEY": None})
    watched.wait_for(" started")
    watched.proc.send_signal(signal.SIGINT)
    code, _, err = watched.finish()
    # The run may have finished in the meantime (it takes about two seconds): then the demo
    # completes; otherwise it is interrupted and cancelled with its in-process server.
    assert code in (0, INTERRUPTED), err
    assert "Traceback" not in err
