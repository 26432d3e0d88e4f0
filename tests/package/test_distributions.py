"""The wheel and sdist: what they contain, their metadata, and that the sdist's tests collect.

scripts/test builds both once (FLOWSCALE_TEST_DIST); run alone, this module builds them itself
with `python -m build` into a temporary folder.
"""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import flowscale

ROOT = Path(__file__).resolve().parents[2]
VERSION = flowscale.__version__


@pytest.fixture(scope="module")
def dist_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("FLOWSCALE_TEST_DIST")
    if built:
        return Path(built)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.fixture(scope="module")
def wheel_names(dist_dir: Path) -> list[str]:
    with zipfile.ZipFile(dist_dir / f"flowscale-{VERSION}-py3-none-any.whl") as wheel:
        return wheel.namelist()


@pytest.fixture(scope="module")
def sdist_path(dist_dir: Path) -> Path:
    return dist_dir / f"flowscale-{VERSION}.tar.gz"


@pytest.fixture(scope="module")
def sdist_names(sdist_path: Path) -> list[str]:
    with tarfile.open(sdist_path) as sdist:
        prefix = f"flowscale-{VERSION}/"
        names = sdist.getnames()
    assert all(n.startswith(prefix) or n == prefix.rstrip("/") for n in names)
    return [n.removeprefix(prefix) for n in names if n != prefix.rstrip("/")]


def _metadata(dist_dir: Path) -> email.message.Message:
    with zipfile.ZipFile(dist_dir / f"flowscale-{VERSION}-py3-none-any.whl") as wheel:
        text = wheel.read(f"flowscale-{VERSION}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def test_the_version_is_a_2_0_0_pre_release() -> None:
    assert re.fullmatch(r"2\.0\.0(a|b|rc)\d+", VERSION), VERSION


def test_the_wheel_ships_both_packages_typed_and_nothing_else(wheel_names: list[str]) -> None:
    tops = {name.split("/")[0] for name in wheel_names}
    assert tops == {"flowscale", "flowscale_api", f"flowscale-{VERSION}.dist-info"}
    assert "flowscale/py.typed" in wheel_names
    assert "flowscale_api/py.typed" in wheel_names
    assert f"flowscale-{VERSION}.dist-info/licenses/LICENSE" in wheel_names
    for name in wheel_names:
        assert "__pycache__" not in name, name
        assert not name.endswith((".pyc", ".pyo", ".tmp")), name
        assert "tests/" not in name, name


def test_the_wheel_holds_every_module_of_the_checkout(wheel_names: list[str]) -> None:
    checkout = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "flowscale").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert checkout <= set(wheel_names)


def test_the_wheel_metadata(dist_dir: Path) -> None:
    meta = _metadata(dist_dir)
    assert meta["Name"] == "flowscale"
    assert meta["Version"] == VERSION
    assert meta["License-Expression"] == "MIT"
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["Author"]
    assert meta.get_all("Project-URL")
    assert set(meta.get_all("Provides-Extra") or []) == {"cli", "proxy", "server"}  # no `dev`
    core = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    # httpx and attrs, plus the two small ones chosen since: filetype (content sniffing of file
    # inputs, issue 11) and sniffio (httpcore looks it up on every async request, issue 9).
    names = sorted(re.split(r"[<>=!~ ;\[]", r)[0] for r in core)
    assert names == ["attrs", "filetype", "httpx", "sniffio"]
    classifiers = set(meta.get_all("Classifier") or [])
    for minor in (11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert {
        "Development Status :: 4 - Beta",
        "Intended Audience :: Developers",
        "Operating System :: OS Independent",
        "Typing :: Typed",
    } <= classifiers
    entry_points = zipfile.ZipFile(dist_dir / f"flowscale-{VERSION}-py3-none-any.whl").read(
        f"flowscale-{VERSION}.dist-info/entry_points.txt"
    )
    assert b"flowscale = flowscale.cli:main" in entry_points


def test_the_sdist_has_what_its_tests_need(sdist_names: list[str]) -> None:
    for needed in (
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "pyproject.toml",
        "mkdocs.yml",
        "docs/index.md",
        "bench/__init__.py",
        "openapi/flowscale.yaml",
        "generated/flowscale_api/py.typed",
        "flowscale/py.typed",
        "scripts/test",
    ):
        assert needed in sdist_names, needed
    tracked = subprocess.run(
        ["git", "ls-files", "tests", "bench", "cassettes", "docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if tracked.returncode == 0 and tracked.stdout:  # a git checkout (not an unpacked sdist)
        present = {p for p in tracked.stdout.splitlines() if (ROOT / p).exists()}
        missing = present - set(sdist_names)
        assert not missing, sorted(missing)
    for name in sdist_names:
        assert "__pycache__" not in name, name
        assert not name.endswith((".pyc", ".tmp")), name


def test_the_sdist_tests_collect(sdist_path: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist_path) as sdist:
        sdist.extractall(tmp_path, filter="data")
    unpacked = tmp_path / f"flowscale-{VERSION}"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    files = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    expected = {str(p.relative_to(unpacked)) for p in (unpacked / "tests").rglob("test_*.py")}
    assert files == expected
