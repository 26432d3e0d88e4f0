"""`scripts/regenerate --check` and `scripts/unasync --check` catch every kind of drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def copy_project(tmp_path: Path, *parts: str) -> Path:
    for part in parts:
        source = ROOT / part
        target = tmp_path / part
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return tmp_path


def check(project: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(project / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.timeout(300)
def test_regenerate_check_sees_edits_new_and_deleted_files(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "openapi", "generated", "scripts/regenerate")
    assert check(project, "regenerate").returncode == 0
    package = project / "generated" / "flowscale_api"
    (package / "models" / "stray.py").write_text("")
    (package / "api" / "runs" / "get_run.py").unlink()
    client = package / "client.py"
    client.write_text(client.read_text() + "\n# hand edit\n")
    result = check(project, "regenerate")
    assert result.returncode == 1
    assert "only in generated/: models/stray.py" in result.stderr
    assert "missing from generated/: api/runs/get_run.py" in result.stderr
    assert "differs: client.py" in result.stderr


def test_unasync_check_sees_a_stale_sync_twin(tmp_path: Path) -> None:
    project = copy_project(
        tmp_path, "flowscale/_async", "flowscale/_sync", "scripts/unasync", "pyproject.toml"
    )
    assert check(project, "unasync").returncode == 0
    source = project / "flowscale" / "_async" / "_http.py"
    source.write_text(source.read_text().replace("DEFAULT_LIMITS = ", "DEFAULT_LIMITS_X = "))
    result = check(project, "unasync")
    assert result.returncode == 1
    assert "_http.py" in result.stderr
