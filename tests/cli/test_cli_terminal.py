"""The live display, as a person at a terminal sees it (the CLI runs in a pty)."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowscale

from .helpers import PNG_SIGNATURE, SLOW, Cli, wait_status
from .terminal import Terminal, plain

pytestmark = pytest.mark.timeout(60)


def test_live_display_shows_status_progress_and_ends_with_the_saved_paths(cli: Cli) -> None:
    term = Terminal(["run", "Steady", "-i", "prompt=x"], cwd=cli.cwd, env=cli.env)
    code = term.finish()
    screen = term.screen()
    assert code == 0, "\n".join(screen)
    frames = plain(term.text)
    # While it ran: the status and the sampler's progress bar were drawn.
    assert "running" in frames
    assert "KSampler (node 3)" in frames
    assert "━" in frames
    # What stays on the screen: the final frame, then the saved paths.
    head = next(i for i, line in enumerate(screen) if "Steady" in line)
    assert screen[head].startswith("✓ Steady  run ")
    assert "completed" in screen[head]
    assert "10/10" in screen[head + 1]
    assert "outputs: " in screen[head + 2]
    paths = screen[head + 3 :]
    assert len(paths) == 2
    assert all(p.startswith("flowscale-outputs/") for p in paths)
    saved = {Path(p).suffix: cli.cwd / p for p in paths}
    assert saved[".png"].read_bytes().startswith(PNG_SIGNATURE)
    assert saved[".txt"].read_text() == "ten steps"
    assert "\x1b[" in term.text  # drawn with escape codes: this was the live display


def test_ctrl_c_asks_and_cancels_the_run(cli: Cli, client: flowscale.Flowscale) -> None:
    term = Terminal(["run", SLOW, "-i", "prompt=x"], cwd=cli.cwd, env=cli.env)
    term.expect("KSampler")
    term.type(b"\x03")  # Ctrl-C: the terminal sends SIGINT to the CLI
    term.expect("on the server? [Y/n]")
    run_id = plain(term.text).split("Cancel run ")[1].split()[0]
    term.type(b"y\r")
    assert term.finish() == 130
    assert f"cancelled run {run_id}" in plain(term.text)
    assert "Traceback" not in term.text
    wait_status(client, run_id, {"cancelled"})


def test_ctrl_c_answered_no_leaves_the_run(cli: Cli, client: flowscale.Flowscale) -> None:
    term = Terminal(["run", SLOW, "-i", "prompt=x"], cwd=cli.cwd, env=cli.env)
    term.expect("KSampler")
    term.type(b"\x03")
    term.expect("on the server? [Y/n]")
    run_id = plain(term.text).split("Cancel run ")[1].split()[0]
    term.type(b"n\r")
    try:
        assert term.finish() == 130
        assert f"flowscale runs wait {run_id}" in plain(term.text)
        assert client.get_run(run_id).status == "running"
    finally:
        client.cancel_run(run_id)
