"""`flowscale batch`: bad rows reported up front with their line numbers, the other rows run,
exit code 4 with the count; a manifest is never reused without --resume."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator

import pytest

from flowscale.server import LocalServer

PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"


@pytest.fixture
def env() -> Iterator[dict[str, str]]:
    with LocalServer(step_delay=0.002) as server:
        yield {"FLOWSCALE_API_URL": server.base_url, "FLOWSCALE_API_KEY": server.api_key}


class _Result:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = done.returncode
        self.stdout = done.stdout
        self.output = done.stdout + done.stderr  # the order within stderr is kept


def _flowscale(args: list[str], env: dict[str, str], cwd: pathlib.Path) -> _Result:
    done = subprocess.run([sys.executable, "-m", "flowscale.cli", *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=60, cwd=cwd)  # fmt: skip
    return _Result(done)


def test_bad_rows_are_reported_first_and_never_stop_the_others(
    env: dict[str, str], tmp_path: pathlib.Path
) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text("prompt\nfox\n@missing.txt\nowl\n")
    (tmp_path / "extra.jsonl").write_text('{"prompt": "a"}\n{"prompt": "b", "nope": 1}\n')
    out = tmp_path / "out"
    result = _flowscale(
        ["batch", PROMPT_ENHANCER, "--rows", str(rows), "--out", str(out)], env, tmp_path
    )
    assert result.exit_code == 4, result.output
    output = result.output
    assert output.index(
        "bad row: line 3: input 'prompt': no such file: missing.txt"
    ) < output.index("done 2")  # before any run finished
    assert "1 of 3 rows failed" in output
    results = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["status"] for r in results] == ["completed", "invalid", "completed"]
    assert "line 3" in (out / "results.csv").read_text()

    again = _flowscale(
        ["batch", PROMPT_ENHANCER, "--rows", str(rows), "--out", str(out)], env, tmp_path
    )
    assert again.exit_code == 2
    assert "--resume" in again.output

    args = ["batch", PROMPT_ENHANCER, "--rows", str(tmp_path / "extra.jsonl"), "--json"]
    jsonl = _flowscale([*args, "--manifest", str(tmp_path / "extra.sqlite")], env, tmp_path)
    assert jsonl.exit_code == 4
    lines = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert (tmp_path / "results.jsonl").is_file()  # beside the manifest
    # The summary, then (as for every failing --json command) one error object, one line each.
    assert lines[-2]["summary"]["completed"] == 1
    assert lines[-2]["summary"]["invalid"] == 1
    assert lines[-1]["error"]["exit_code"] == 4


def test_usage_errors(env: dict[str, str], tmp_path: pathlib.Path) -> None:
    result = _flowscale(["batch", PROMPT_ENHANCER], env, tmp_path)
    assert result.exit_code == 2
    assert "--rows FILE or --each-file DIR" in result.output
    result = _flowscale(["batch", PROMPT_ENHANCER, "--each-file", str(tmp_path)], env, tmp_path)
    assert result.exit_code == 2
    assert "--as INPUT" in result.output
    rows = tmp_path / "r.csv"
    rows.write_text("prompt\nx\n")
    result = _flowscale(
        ["batch", PROMPT_ENHANCER, "--rows", str(rows), "--shard", "3/3"], env, tmp_path
    )
    assert result.exit_code == 2
    assert "0 <= K < N" in result.output
    result = _flowscale(
        ["batch", PROMPT_ENHANCER, "--rows", str(rows), "-i", "bogus=1"], env, tmp_path
    )
    assert result.exit_code == 2
    assert "bogus" in result.output
