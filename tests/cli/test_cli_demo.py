"""`flowscale demo` and `scripts/demo`: a PNG on disk with no key, no network, no config."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from .helpers import PNG_SIGNATURE, Cli

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
NO_CONFIG = {"FLOWSCALE_API_URL": None, "FLOWSCALE_API_KEY": None}
FAST = ("--step-delay", "0.01")  # hidden option: the default pace is for people


def test_demo_saves_a_png_under_flowscale_outputs(cli: Cli) -> None:
    result = cli("demo", *FAST, env=NO_CONFIG)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    path = Path(line)
    assert path.parts[0] == "flowscale-outputs"
    assert len(path.parts) == 3  # flowscale-outputs/<run_id>/<file>.png
    saved = cli.cwd / path
    assert saved.read_bytes().startswith(PNG_SIGNATURE)
    with Image.open(saved) as image:
        image.verify()
    assert "Starting a local Flowscale server" in result.stderr
    assert "running" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_prompt_out_and_json(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "fox"
    # A broken deployment in the environment must not matter: the demo brings its own server.
    broken = {"FLOWSCALE_API_URL": "http://127.0.0.1:9", "FLOWSCALE_API_KEY": "nope"}
    result = cli("demo", "--prompt", "a red fox", "--out", str(out), "--json", *FAST, env=broken)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    (output,) = data["outputs"]
    assert Path(output["path"]).parent == out
    with Image.open(output["path"]) as image:
        assert image.format == "PNG"
        assert image.size == (512, 512)
    # a different prompt draws a different picture
    other = cli("demo", "--prompt", "a blue whale", "--json", *FAST, env=NO_CONFIG)
    other_path = json.loads(other.stdout)["outputs"][0]["path"]
    assert Path(other_path).read_bytes() != Path(output["path"]).read_bytes()


@pytest.mark.skipif(not (ROOT / ".venv" / "bin" / "python").exists(), reason="needs .venv")
def test_scripts_demo_runs_in_the_callers_directory(tmp_path: Path) -> None:
    # With the project's .venv set up (as scripts/test leaves it) the script starts at once
    # and reuses it; creating .venv-demo from nothing needs the package index.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWSCALE_")}
    result = subprocess.run(
        [str(ROOT / "scripts" / "demo"), "--json", "--step-delay", "0.01"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert result.returncode == 0, result.stderr
    path = Path(json.loads(result.stdout)["outputs"][0]["path"])
    assert path.is_relative_to(tmp_path / "flowscale-outputs")
    assert path.read_bytes().startswith(PNG_SIGNATURE)
