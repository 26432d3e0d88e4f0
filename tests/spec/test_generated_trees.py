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


@pytest.mark.timeout(300)
@pytest.mark.skipif(
    not (ROOT / "node_modules" / "openapi-typescript").is_dir() or shutil.which("node") is None,
    reason="needs the Node tools: npm ci (scripts/test runs it)",
)
def test_regenerate_check_sees_typescript_drift(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "openapi", "generated", "scripts/regenerate")
    (project / "node_modules").symlink_to(ROOT / "node_modules")
    assert check(project, "regenerate").returncode == 0
    types = project / "generated" / "typescript" / "flowscale.ts"
    types.write_text(types.read_text().replace("Blob | string", "string"))
    (project / "generated" / "typescript" / "stray.ts").write_text("")
    result = check(project, "regenerate")
    assert result.returncode == 1
    assert "differs: typescript/flowscale.ts" in result.stderr
    assert "only in generated/: typescript/stray.ts" in result.stderr


@pytest.mark.timeout(300)
def test_regenerate_check_without_node_tools_checks_python_and_says_so(tmp_path: Path) -> None:
    project = copy_project(tmp_path, "openapi", "generated", "scripts/regenerate")
    result = check(project, "regenerate")
    assert result.returncode == 0
    assert "generated/typescript NOT checked" in result.stderr
