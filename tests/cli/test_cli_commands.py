"""Every command, run as a subprocess against the local server, in human and --json form."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

import flowscale
from flowscale.cli._app import cli as cli_group
from flowscale.cli._context import Session

from .helpers import (
    CLI,
    ECHO,
    PNG_SIGNATURE,
    PROMPT_ENHANCER,
    SLOW,
    TEXT_TO_IMAGE,
    Cli,
    InProcessCli,
    wait_status,
)

pytestmark = pytest.mark.timeout(60)


def completed_run(
    client: flowscale.Flowscale, prompt: str, group: str | None = None
) -> flowscale.RunResult:
    """A finished Text to Image run, made through the SDK (the CLI's `run` is tested above)."""
    return client.execute_workflow_async(
        TEXT_TO_IMAGE, {"text_51536": prompt}, group_id=group, timeout=30
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    """stdout of a successful --json command, parsed (it must hold JSON and nothing else)."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_help_lists_every_command_with_examples(cli: Cli) -> None:
    result = cli("--help")
    assert result.returncode == 0
    for command in ("run", "workflows", "health", "queue", "runs", "output", "serve", "demo"):
        assert f"  {command} " in result.stdout
    assert "Examples:" in result.stdout
    assert "Exit codes:" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ("run",),
        ("workflows",),
        ("health",),
        ("queue",),
        ("runs",),
        ("runs", "list"),
        ("runs", "get"),
        ("runs", "cancel"),
        ("runs", "wait"),
        ("runs", "events"),
        ("output",),
        ("serve",),
        ("demo",),
        ("completion",),
    ],
)
def test_every_command_has_help_with_examples(command: tuple[str, ...]) -> None:
    # In-process (help needs no server): the subprocess path is covered above.
    result = CliRunner().invoke(cli_group, [*command, "--help"], obj=Session())
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert "flowscale " + " ".join(command) in result.output


def test_version(cli: Cli) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert flowscale.__version__ in result.stdout


def test_workflows_table_and_json(cli: Cli, cli_inproc: InProcessCli) -> None:
    table = cli("workflows")
    assert table.returncode == 0, table.stderr
    assert "Text to Image" in table.stdout
    assert TEXT_TO_IMAGE in table.stdout
    assert "text_51536 (string)" in table.stdout
    data = ok_json(cli_inproc("workflows", "--json"))
    assert isinstance(data, list)
    by_name = {w["name"]: w for w in data}
    assert by_name["Text to Image"]["id"] == TEXT_TO_IMAGE
    assert by_name["Text to Image"]["inputs"] == {"text_51536": "string"}


def test_global_json_flag_works_before_the_command(cli_inproc: InProcessCli) -> None:
    data = ok_json(cli_inproc("--json", "health"))
    assert isinstance(data, list)
    assert {"container", "status"} <= set(data[0])


def test_health_and_queue(cli: Cli, cli_inproc: InProcessCli) -> None:
    health = cli("health")
    assert health.returncode == 0, health.stderr
    assert "CONTAINER" in health.stdout
    queue = ok_json(cli("queue", "--json"))
    assert isinstance(queue, list)
    assert {"container", "running", "pending"} <= set(queue[0])
    table = cli_inproc("queue")
    assert table.returncode == 0
    assert "RUNNING" in table.stdout


def test_run_by_name_saves_a_png_and_prints_its_path(cli: Cli) -> None:
    result = cli("run", "Text to Image", "-i", "text_51536=a red fox")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    saved = cli.cwd / lines[0]
    parts = Path(lines[0]).parts
    assert parts[0] == "flowscale-outputs"
    assert saved.read_bytes().startswith(PNG_SIGNATURE)
    # stderr is not a terminal: plain progress lines, no live display
    assert "running" in result.stderr
    assert "\x1b[" not in result.stderr
    assert f"run {parts[1]} started" in result.stderr


def test_run_by_id_json_is_the_only_stdout(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "results"
    data = ok_json(cli("run", TEXT_TO_IMAGE, "-i", "text_51536=fox", "--out", str(out), "--json"))
    assert isinstance(data, dict)
    assert data["status"] == "completed"
    assert data["workflow_id"] == TEXT_TO_IMAGE
    (output,) = data["outputs"]
    assert Path(output["path"]).parent == out
    assert output["content_type"] == "image/png"
    assert Path(output["path"]).stat().st_size == output["size"]
    with Image.open(output["path"]) as image:
        assert image.size == (512, 512)


def test_json_mode_prints_no_progress(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("run", "Text to Image", "-i", "text_51536=fox", "--json")
    assert result.returncode == 0
    assert result.stderr == ""


def test_quiet_prints_only_the_paths(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("-q", "run", "Text to Image", "-i", "text_51536=fox")
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.strip().endswith(".png")


def test_file_input_with_at_and_literal_with_double_at(cli: Cli, tmp_path: Path) -> None:
    doc = tmp_path / "notes.bin"
    payload = bytes(range(256)) * 3
    doc.write_bytes(payload)
    data = ok_json(
        cli("run", "Echo", "-i", f"doc=@{doc}", "-i", "text=@@handle", "--json", "-o", "echo")
    )
    assert isinstance(data, dict)
    paths = {Path(o["path"]).suffix: Path(o["path"]) for o in data["outputs"]}
    assert paths[".bin"].read_bytes() == payload
    # the file went up under its own name; "@@handle" arrived as the text "@handle"
    assert paths[".txt"].read_text() == "notes.bin|@handle"


def test_file_input_from_stdin(cli: Cli) -> None:
    data = ok_json(
        cli("run", ECHO, "-i", "doc=@-", "-i", "text=plain", "--json", stdin=b"from stdin")
    )
    assert isinstance(data, dict)
    contents = sorted(Path(o["path"]).read_bytes() for o in data["outputs"])
    assert b"from stdin" in contents


def test_image_to_image_with_an_uploaded_png(cli: Cli, tmp_path: Path) -> None:
    picture = tmp_path / "in.png"
    Image.new("RGB", (32, 16), (200, 10, 10)).save(picture)
    data = ok_json(
        cli(
            "run",
            "Image to Image",
            "-i",
            f"image_input=@{picture}",
            "-i",
            "prompt=sketch",
            "--json",
        )
    )
    assert isinstance(data, dict)
    with Image.open(data["outputs"][0]["path"]) as image:
        assert image.size == (16, 32)  # rotated by the workflow


def test_no_wait_then_runs_wait(cli: Cli, client: flowscale.Flowscale, tmp_path: Path) -> None:
    started = cli("run", "Text to Image", "-i", "text_51536=later", "--no-wait")
    assert started.returncode == 0, started.stderr
    run_id = started.stdout.strip()
    assert f"flowscale runs wait {run_id}" in started.stderr
    waited = cli("runs", "wait", run_id, "--out", str(tmp_path / "w"))
    assert waited.returncode == 0, waited.stderr
    (line,) = waited.stdout.splitlines()
    assert Path(line).parts[0] == "w"  # shown relative to the current directory
    assert (cli.cwd / line).read_bytes().startswith(PNG_SIGNATURE)
    assert client.get_run(run_id).status == "completed"


def test_no_wait_json(cli_inproc: InProcessCli) -> None:
    data = ok_json(cli_inproc("run", "Text to Image", "-i", "text_51536=x", "--no-wait", "--json"))
    assert isinstance(data, dict)
    assert set(data) == {"run_id", "workflow_id"}
    assert data["workflow_id"] == TEXT_TO_IMAGE


def test_runs_list_get_and_filters(
    cli: Cli, cli_inproc: InProcessCli, client: flowscale.Flowscale, group: str
) -> None:
    first = {"run_id": completed_run(client, "a", group).run_id}
    second = {"run_id": completed_run(client, "b", group).run_id}
    listed = ok_json(cli("runs", "list", "--group", group, "--json"))
    assert isinstance(listed, list)
    assert [r["id"] for r in listed] == [second["run_id"], first["run_id"]]  # newest first
    limited = ok_json(cli_inproc("runs", "list", "--group", group, "--limit", "1", "--json"))
    assert [r["id"] for r in limited] == [second["run_id"]]  # (signed URLs differ per call)
    failed = cli_inproc("runs", "list", "--group", group, "--status", "failed", "--json")
    assert ok_json(failed) == []
    table = cli("runs", "list", "--group", group)
    assert table.returncode == 0
    assert second["run_id"] in table.stdout
    assert "Text to Image" in table.stdout  # names, not only ids
    detail = ok_json(cli("runs", "get", first["run_id"], "--json"))
    assert isinstance(detail, dict)
    assert detail["status"] == "completed"
    assert detail["group_id"] == group
    assert detail["inputs"][0]["value"] == "a"
    shown = cli_inproc("runs", "get", first["run_id"])
    assert shown.returncode == 0
    assert "completed" in shown.stdout
    assert "input text_51536" in shown.stdout


def test_runs_events_text_and_json(
    cli: Cli, cli_inproc: InProcessCli, client: flowscale.Flowscale
) -> None:
    run_id = completed_run(client, "events").run_id
    text = cli("runs", "events", run_id)
    assert text.returncode == 0, text.stderr
    assert "status   running" in text.stdout
    assert "progress KSampler 3 8/8" in text.stdout
    assert text.stdout.splitlines()[-1].split()[-2:] == ["end", "completed"]
    lines = [
        json.loads(line) for line in cli("runs", "events", run_id, "--json").stdout.splitlines()
    ]
    assert [e["seq"] for e in lines] == sorted(e["seq"] for e in lines)
    assert lines[-1]["type"] == "end"
    later = cli_inproc("runs", "events", run_id, "--from-seq", str(lines[-2]["seq"]), "--json")
    assert [json.loads(line)["seq"] for line in later.stdout.splitlines()] == [
        e["seq"] for e in lines[-2:]
    ]


def test_runs_events_timeout_ends_with_code_6(
    cli: Cli, cli_inproc: InProcessCli, client: flowscale.Flowscale
) -> None:
    # A slow run outlives --timeout: the command stops watching, says so, and exits 6 (as
    # `runs wait`), leaving the run alone.
    submitted = client.execute_workflow(SLOW, {"prompt": "x"})
    try:
        wait_status(client, submitted.run_id, {"running"})
        result = cli("runs", "events", submitted.run_id, "--timeout", "1s")
        assert result.returncode == 6, result.stderr
        assert "status   running" in result.stdout  # what came before the deadline is shown
        assert "--timeout" in result.stderr
        assert f"flowscale runs events {submitted.run_id} --from-seq" in result.stderr
        as_json = cli_inproc("runs", "events", submitted.run_id, "-t", "0.5s", "--json")
        assert as_json.returncode == 6
        error = json.loads(as_json.stdout.splitlines()[-1])["error"]
        assert error["type"] == "RunTimeoutError"
        assert error["run_id"] == submitted.run_id
        assert client.get_run(submitted.run_id).status == "running"
    finally:
        client.cancel_run(submitted.run_id)


def test_runs_cancel(cli: Cli, client: flowscale.Flowscale) -> None:
    submitted = client.execute_workflow(SLOW, {"prompt": "x"})
    wait_status(client, submitted.run_id, {"running"})
    data = ok_json(cli("runs", "cancel", submitted.run_id, "--json"))
    assert isinstance(data, dict)
    assert data["run_id"] == submitted.run_id
    wait_status(client, submitted.run_id, {"cancelled"})


def test_output_by_filename(
    cli: Cli, cli_inproc: InProcessCli, client: flowscale.Flowscale, tmp_path: Path
) -> None:
    result = client.execute_workflow_async(PROMPT_ENHANCER, {"prompt": "a fox"}, timeout=30)
    filename = result.outputs[0].filename
    fetched = cli("output", filename)
    assert fetched.returncode == 0, fetched.stderr
    assert Path(fetched.stdout.strip()) == Path("flowscale-outputs") / filename
    assert (cli.cwd / fetched.stdout.strip()).read_text().startswith("a fox")
    to_stdout = cli("output", filename, "--out", "-")
    assert to_stdout.stdout.startswith("a fox")
    target = tmp_path / "enhanced.txt"
    meta = ok_json(cli_inproc("output", filename, "--out", str(target), "--json"))
    assert isinstance(meta, dict)
    assert meta["path"] == str(target)
    assert target.read_text() == to_stdout.stdout


def test_png_output_to_stdout_is_binary_clean(
    cli: Cli, client: flowscale.Flowscale, tmp_path: Path
) -> None:
    output = completed_run(client, "bytes").outputs[0]
    expected = client.download_output(output, tmp_path / "expected.png").read_bytes()
    raw = subprocess.run(
        [*CLI, "output", output.filename, "--out", "-"],
        cwd=cli.cwd,
        env=cli.env,
        capture_output=True,
        timeout=30,
        check=True,
    )
    assert raw.stdout == expected
    assert expected.startswith(PNG_SIGNATURE)


def test_completion_scripts(cli: Cli, cli_inproc: InProcessCli) -> None:
    assert "complete -o" in cli("completion", "bash").stdout
    for shell, marker in (
        ("bash", "complete -o"),
        ("zsh", "compdef"),
        ("fish", "complete --no-files --command flowscale"),
    ):
        result = cli_inproc("completion", shell)
        assert result.returncode == 0, result.stderr
        assert "_FLOWSCALE_COMPLETE" in result.stdout
        assert marker in result.stdout


def test_completion_protocol_completes_commands(cli: Cli) -> None:
    result = cli(env={"_FLOWSCALE_COMPLETE": "bash_complete", "COMP_WORDS": "flowscale ru",
                      "COMP_CWORD": "1"})  # fmt: skip
    assert result.returncode == 0
    assert "plain,run" in result.stdout
    assert "plain,runs" in result.stdout
    names = cli(env={"_FLOWSCALE_COMPLETE": "bash_complete", "COMP_WORDS": "flowscale run te",
                     "COMP_CWORD": "2"})  # fmt: skip
    assert names.stdout.splitlines() == ["plain,Text to Image"]  # from the server's list


def test_settings_from_dotenv_without_overriding_the_environment(
    cli: Cli, cli_inproc: InProcessCli, cli_env: dict[str, str]
) -> None:
    (cli.cwd / ".env").write_text(
        f"# local settings\nexport FLOWSCALE_API_URL={cli_env['FLOWSCALE_API_URL']}\n"
        f'FLOWSCALE_API_KEY="{cli_env["FLOWSCALE_API_KEY"]}"\nOTHER=1\n'
    )
    from_file = cli("health", env={"FLOWSCALE_API_URL": None, "FLOWSCALE_API_KEY": None})
    assert from_file.returncode == 0, from_file.stderr
    # a real variable wins over the file
    overridden = cli_inproc("health", env={"FLOWSCALE_API_KEY": "wrong-key"})
    assert overridden.returncode == 3


def test_options_beat_environment(cli_inproc: InProcessCli, cli_env: dict[str, str]) -> None:
    result = cli_inproc(
        "--base-url",
        cli_env["FLOWSCALE_API_URL"],
        "--api-key",
        cli_env["FLOWSCALE_API_KEY"],
        "health",
        env={"FLOWSCALE_API_URL": "http://127.0.0.1:9", "FLOWSCALE_API_KEY": "nope"},
    )
    assert result.returncode == 0, result.stderr


def test_custom_headers_and_request_timeout_are_accepted(cli_inproc: InProcessCli) -> None:
    result = cli_inproc("-H", "X-Trace: abc", "-H", "X-Other:1", "--timeout", "30s", "health")
    assert result.returncode == 0, result.stderr


def test_proxy_mode_sends_no_key(cli: Cli) -> None:
    # The local server wants a key: in proxy mode the CLI sends none, even with one in the env.
    result = cli("--proxy-mode", "health")
    assert result.returncode == 3
    assert "not authenticated (401)" in result.stderr


def test_serve_runs_a_server_until_ctrl_c(cli: Cli, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    args = ["--port", "0", "--api-key", "serve-key", "--workers", "1", "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        [*CLI, "serve", *args],
        cwd=cli.cwd,
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("Flowscale local server: http://127.0.0.1:")
        url = first.split(": ", 1)[1].strip()
        while "Ctrl-C" not in proc.stdout.readline():
            pass
        health = cli("--base-url", url, "--api-key", "serve-key", "health")
        assert health.returncode == 0, health.stderr
        assert "container #1" in health.stdout
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Stopped." in out
        assert (data_dir / "flowscale.sqlite3").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_run_and_output_show_byte_progress(cli: Cli, tmp_path: Path) -> None:
    doc = tmp_path / "big.bin"
    doc.write_bytes(bytes(range(256)) * 4096)  # 1 MiB up, and back down (Echo returns it)
    result = cli("run", "Echo", "-i", f"doc=@{doc}", "-i", "text=t", "-o", "echo")
    assert result.returncode == 0, result.stderr
    # stderr is not a terminal: the byte bars are plain lines at each quarter
    assert "uploading: 1.0 MiB of 1.0 MiB" in result.stderr
    assert "downloading: " in result.stderr
    saved = [line for line in result.stdout.splitlines() if line.endswith(".bin")]
    fetched = cli("output", Path(saved[0]).name, "--out", str(tmp_path / "again.bin"))
    assert fetched.returncode == 0, fetched.stderr
    assert "downloading: 1.0 MiB of 1.0 MiB" in fetched.stderr
    assert (tmp_path / "again.bin").read_bytes() == doc.read_bytes()
