"""The command-line examples of the README's "Batch runs" section run, in order, against a
local server (the Python example runs with the others in tests/docs)."""

from __future__ import annotations

import io
import json
import pathlib
import re
import shlex

import pytest
from click.testing import CliRunner
from PIL import Image

from flowscale.cli._app import cli
from flowscale.server import LocalServer

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


def _commands() -> list[list[str]]:
    section = README.read_text().split("## Batch runs", 1)[1].split("\n## ", 1)[0]
    lines = re.findall(r"^flowscale batch .*$", section, flags=re.MULTILINE)
    return [shlex.split(line, comments=True)[1:] for line in lines]


def test_readme_batch_commands_run(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = _commands()
    assert len(commands) >= 4
    (tmp_path / "prompts.csv").write_text("text_51536\na red fox\nan owl\na lighthouse\n")
    (tmp_path / "photos").mkdir()
    for name in ("a.png", "b.png"):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), "orange").save(buffer, "PNG")
        (tmp_path / "photos" / name).write_bytes(buffer.getvalue())
    monkeypatch.chdir(tmp_path)
    with LocalServer(step_delay=0.002) as server:
        env = {"FLOWSCALE_API_URL": server.base_url, "FLOWSCALE_API_KEY": server.api_key}
        for args in commands:
            result = CliRunner().invoke(cli, ["--quiet", *args], env=env)
            assert result.exit_code == 0, (args, result.output)
        created = sum(server.counters()["runs_created"].values())
    # 3 prompts, 2 photos; the resume and the shard (of rows already done elsewhere: its own
    # manifest) add the shard's one row only.
    assert created == 3 + 2 + 1
    rows = [json.loads(line) for line in (tmp_path / "results/results.jsonl").open()]
    assert [r["status"] for r in rows] == ["completed"] * 3
    assert all(pathlib.Path(r["paths"][0]).is_file() for r in rows)
