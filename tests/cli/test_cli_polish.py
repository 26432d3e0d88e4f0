"""The CLI's rough edges, filed in issue 11: ids cut by narrow terminals, `--out dir/`,
completion of names with spaces in a real bash, `--json` on failure, unknown statuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import flowscale

from .helpers import FAILING, SLOW, TEXT_TO_IMAGE, Cli, InProcessCli
from .terminal import Terminal, plain

# ---- whole workflow ids at any width -----------------------------------------------------------


@pytest.mark.parametrize("cols", [40, 200])
def test_workflow_ids_are_whole_at_any_terminal_width(
    cli: Cli, client: flowscale.Flowscale, cols: int
) -> None:
    ids = [w.id for w in client.get_workflows()]
    term = Terminal(["workflows"], cwd=cli.cwd, env=cli.env, rows=200, cols=cols)
    assert term.finish() == 0, plain(term.text)
    screen = term.screen()
    for workflow_id in ids:  # each on one row of the screen, as a person copies it
        assert any(workflow_id in row for row in screen), (workflow_id, screen)
    if cols == 200:
        assert screen[0].split() == ["ID", "NAME", "INPUTS", "OUTPUTS"]  # still a table
    else:
        assert "  name: Text to Image" in screen  # one record per workflow


@pytest.mark.parametrize("columns", ["40", "200"])
def test_piped_workflow_ids_are_whole(cli_inproc: InProcessCli, columns: str) -> None:
    result = cli_inproc("workflows", env={"COLUMNS": columns})
    assert result.returncode == 0, result.stderr
    assert any(line.startswith(TEXT_TO_IMAGE) for line in result.stdout.splitlines())


# ---- --out dir/ --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def output_name(cli_server: object) -> str:
    from flowscale.server import LocalServer

    assert isinstance(cli_server, LocalServer)
    with flowscale.Flowscale(api_key=cli_server.api_key, base_url=cli_server.base_url) as sdk:
        return sdk.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "out"})[0].filename


def test_output_into_a_new_folder_with_a_trailing_slash(cli: Cli, output_name: str) -> None:
    result = cli("output", output_name, "--out", "new/deeper/")
    assert result.returncode == 0, result.stderr
    saved = cli.cwd / "new" / "deeper" / output_name
    assert saved.is_file()
    assert result.stdout.strip() == str(Path("new", "deeper", output_name))


def test_output_into_an_existing_folder(cli_inproc: InProcessCli, output_name: str) -> None:
    (cli_inproc.cwd / "existing").mkdir()
    result = cli_inproc("output", output_name, "--out", "existing", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["path"] == str(cli_inproc.cwd / "existing" / output_name)


def test_output_to_a_file_name(cli_inproc: InProcessCli, output_name: str) -> None:
    result = cli_inproc("output", output_name, "--out", "picture.png")
    assert result.returncode == 0, result.stderr
    assert (cli_inproc.cwd / "picture.png").is_file()


def test_run_out_with_a_trailing_slash(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("-q", "run", TEXT_TO_IMAGE, "-i", "text_51536=x", "--out", "made/here/")
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert Path(line).parent == Path("made", "here")
    assert (cli_inproc.cwd / line).is_file()


# ---- completion in real shells -----------------------------------------------------------------

# shell: (argv of an interactive shell without rc files, setup line, how it says the exit code)
SHELLS = {
    "bash": (["bash", "--norc", "--noprofile", "-i"], 'eval "$(flowscale completion bash)"', "$?"),
    "zsh": (
        ["zsh", "-f", "-i"],
        'autoload -Uz compinit && compinit -u && eval "$(flowscale completion zsh)"',
        "$?",
    ),
    "fish": (["fish", "--no-config", "-i"], "flowscale completion fish | source", "$status"),
}


@pytest.mark.parametrize("shell", sorted(SHELLS))
def test_a_name_with_spaces_completes_to_a_working_command(
    cli: Cli, tmp_path: Path, shell: str
) -> None:
    argv, setup, status = SHELLS[shell]
    executable = shutil.which(argv[0])
    if executable is None:  # scripts/test installs all three (Debian: apt-get install zsh fish)
        pytest.skip(f"{shell} is not installed")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    launcher = bindir / "flowscale"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} -m flowscale.cli "$@"\n')
    launcher.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **cli.env,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(home),  # compinit's dump, fish's history: not the user's
        "PS1": "$ ",
        "INPUTRC": str(tmp_path / "no-inputrc"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local"),
    }
    term = _ShellTerminal([executable, *argv[1:]], cwd=cli.cwd, env=env)
    try:
        term.type(f"{setup}; echo setup-{status}\n".encode())
        term.expect("setup-0", timeout=30)
        term.type(b"flowscale run Tex\t")
        term.expect("Text\\ to\\ Image", timeout=30)
        term.type(f" -i text_51536=fox --no-wait >/dev/null; echo exit={status}\n".encode())
        term.expect("exit=0", timeout=30)
        term.type(b"exit\n")
    finally:
        term.finish()


class _ShellTerminal(Terminal):
    """An interactive shell on a pty (its controlling terminal), instead of the CLI itself."""

    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str]) -> None:
        import fcntl
        import struct
        import termios

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
        self.cols = 200
        self.master = master
        self.raw = b""
        wrapper = (
            "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
            "os.execv(sys.argv[1], sys.argv[1:])"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", wrapper, *argv],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            cwd=cwd,
            env={**env, "TERM": "xterm-256color"},
            start_new_session=True,
        )
        os.close(slave)


# ---- --json on failure: one error object on stdout, same exit code ------------------------


def _error(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    document = json.loads(result.stdout)  # the whole of stdout is one JSON value
    assert set(document) == {"error"}
    error: dict[str, object] = document["error"]
    assert error["exit_code"] == result.returncode
    assert isinstance(error["message"], str)
    assert error["message"]
    return error


def test_json_error_of_a_failed_run_has_its_id(cli: Cli) -> None:
    result = cli("run", FAILING, "-i", "prompt=x", "--json")
    assert result.returncode == 4
    error = _error(result)
    assert error["type"] == "RunFailedError"
    assert "exploded on purpose" in str(error["message"])
    assert isinstance(error["run_id"], str)
    assert "error:" in result.stderr  # the line for people stays on stderr


def test_json_error_of_a_run_timeout(cli_inproc: InProcessCli, client: flowscale.Flowscale) -> None:
    result = cli_inproc("run", SLOW, "-i", "prompt=x", "--timeout", "0.3s", "--json")
    assert result.returncode == 6
    error = _error(result)
    assert error["type"] == "RunTimeoutError"
    client.cancel_run(str(error["run_id"]))


BAD_ID = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("args", "code", "kind"),
    [
        (["runs", "get", BAD_ID, "--json"], 3, "NotFoundError"),
        (["runs", "wait", BAD_ID, "--json"], 3, "NotFoundError"),
        (["runs", "cancel", BAD_ID, "--json"], 3, "NotFoundError"),
        (["runs", "events", BAD_ID, "--json"], 3, "NotFoundError"),
        (["output", "filename_prefix_1_ZZZZZZZZZZ.png", "--json"], 3, None),
        (["run", "No Such Workflow", "--json"], 2, "UsageError"),
        (["run", TEXT_TO_IMAGE, "-i", "nope", "--json"], 2, "UsageError"),
        (["runs", "list", "--status", "bogus", "--json"], 2, "UsageError"),
        (["--json", "completion", "tcsh"], 2, "UsageError"),
        (["--json", "serve", "--port", "99999"], 2, "UsageError"),
    ],
)
def test_json_error_for_every_command(
    cli_inproc: InProcessCli, args: list[str], code: int, kind: str | None
) -> None:
    result = cli_inproc(*args)
    assert result.returncode == code, result.stderr
    error = _error(result)
    if kind is not None:
        assert error["type"] == kind


@pytest.mark.parametrize("command", ["workflows", "health", "queue", "runs list", "demo"])
def test_json_error_of_a_refused_key(cli_inproc: InProcessCli, command: str) -> None:
    if command == "demo":  # the demo runs its own server: give it a bad output folder
        result = cli_inproc("demo", "--json", "--out", "/proc/flowscale-no-such-dir/x")
        assert result.returncode != 0
        _error(result)
        return
    result = cli_inproc(*command.split(), "--json", env={"FLOWSCALE_API_KEY": "wrong-key"})
    assert result.returncode == 3
    assert _error(result)["type"] in ("AuthenticationError", "PermissionDeniedError")
    assert "wrong-key" not in result.stdout


def test_json_error_without_configuration(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("health", "--json", env={"FLOWSCALE_API_URL": None})
    assert result.returncode == 2
    assert _error(result)["type"] == "ConfigurationError"


# ---- runs list --status ------------------------------------------------------------------------


def test_an_unknown_status_is_refused_with_the_known_ones(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("runs", "list", "--status", "bogus")
    assert result.returncode == 2
    assert "'bogus' is not one of" in result.stderr
    for known in ("queued", "running", "completed", "failed", "cancelled"):
        assert known in result.stderr
    assert result.stdout == ""


def test_statuses_are_case_insensitive(
    cli_inproc: InProcessCli, client: flowscale.Flowscale, group: str
) -> None:
    run_id = client.execute_workflow(SLOW, {"prompt": "x"}, group).run_id
    client.cancel_run(run_id)
    deadline = time.monotonic() + 20
    while client.get_run(run_id).status != "cancelled" and time.monotonic() < deadline:
        time.sleep(0.05)
    result = cli_inproc("runs", "list", "--group", group, "--status", "CANCELLED", "--json")
    assert result.returncode == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == [run_id]


def test_json_error_of_a_parse_error_before_json_was_read(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("runs", "list", "--no-such-option", "--json")
    assert result.returncode == 2
    assert _error(result)["type"] == "UsageError"


def test_json_error_of_ctrl_c_names_the_run(cli: Cli, client: flowscale.Flowscale) -> None:
    import signal

    run_id = client.execute_workflow(SLOW, {"prompt": "x"}).run_id
    try:
        watched = cli.popen("-vv", "runs", "wait", run_id, "--json")
        watched.wait_for("/events -> 200")  # the wait is on (requests are logged on stderr)
        watched.proc.send_signal(signal.SIGINT)
        code, out, err = watched.finish()
        assert code == 130, err
        error = _error(subprocess.CompletedProcess([], code, out, err))
        assert (error["type"], error["run_id"]) == ("Interrupted", run_id)
    finally:
        client.cancel_run(run_id)


def test_run_ids_are_whole_in_a_narrow_runs_list(
    cli: Cli, client: flowscale.Flowscale, group: str
) -> None:
    run_id = client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "narrow"}, group).run_id
    client.wait_for_run(run_id)
    term = Terminal(["runs", "list", "--group", group], cwd=cli.cwd, env=cli.env, cols=50)
    assert term.finish() == 0, plain(term.text)
    assert any(run_id in row for row in term.screen()), term.screen()
