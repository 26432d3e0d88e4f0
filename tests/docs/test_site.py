"""The documentation site: every Python example runs against a local server, the API reference
covers every public name, and the built site loads nothing from another host.

scripts/test builds the site once (`mkdocs build --strict`, FLOWSCALE_TEST_SITE); run alone,
this module builds it itself.
"""

from __future__ import annotations

import inspect
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

import flowscale
import flowscale.proxy
import flowscale.server
from flowscale.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
EXAMPLES = [
    (page, index, code)
    for page in PAGES
    for index, code in enumerate(FENCE.findall(page.read_text(encoding="utf-8")))
]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.005) as running:
        yield running


@pytest.fixture(scope="module")
def workdirs(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    return {}


@pytest.fixture
def environment(
    server: LocalServer, workdirs: dict[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    def enter(page: Path) -> Path:
        # One folder per page: a page's examples run in order and may use each other's files.
        if page not in workdirs:
            workdir = tmp_path_factory.mktemp(page.stem)
            buffer = io.BytesIO()
            Image.new("RGB", (64, 64), "orange").save(buffer, "PNG")
            (workdir / "cat.png").write_bytes(buffer.getvalue())
            workdirs[page] = workdir
        return workdirs[page]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWSCALE_API_URL", server.base_url)
        patch.setenv("FLOWSCALE_API_KEY", server.api_key)
        yield enter, patch


def _call_pytest_examples(namespace: dict[str, Any], tmp_path: Path) -> int:
    """Run the `test_*` functions an example defines, with the fixtures they name."""
    called = 0
    for name, function in list(namespace.items()):
        if not (name.startswith("test_") and inspect.isfunction(function)):
            continue
        wanted = inspect.signature(function).parameters
        with LocalServer(step_delay=0.005) as fixture_server:
            fixtures = {
                "flowscale_server": fixture_server,
                "flowscale_server_session": fixture_server,
                "tmp_path": tmp_path,
            }
            function(**{parameter: fixtures[parameter] for parameter in wanted})
        called += 1
    return called


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 20
    guide = {page.stem for page, _, _ in EXAMPLES}
    for page in ("quickstart", "configuration", "inputs", "waiting", "events", "errors"):
        assert page in guide


@pytest.mark.parametrize(
    ("page", "index", "code"),
    EXAMPLES,
    ids=[f"{page.relative_to(DOCS)}-{index + 1}" for page, index, _ in EXAMPLES],
)
def test_docs_example_runs(
    environment: Any, page: Path, index: int, code: str, capsys: Any, tmp_path: Path
) -> None:
    enter, patch = environment
    patch.chdir(enter(page))
    namespace: dict[str, Any] = {"__name__": f"docs_example_{page.stem}_{index}"}
    exec(compile(code, f"{page.relative_to(ROOT)} example {index + 1}", "exec"), namespace)
    if "def test_" in code:
        assert _call_pytest_examples(namespace, tmp_path) >= 1
    capsys.readouterr()


def _reference_names() -> set[str]:
    names: set[str] = set()
    for page in (DOCS / "reference").glob("*.md"):
        names.update(re.findall(r"^::: flowscale\.(\w+)\s*$", page.read_text(), flags=re.M))
    return names


def test_every_public_name_is_in_the_api_reference() -> None:
    missing = set(flowscale.__all__) - _reference_names()
    assert not missing, sorted(missing)


def test_every_page_is_in_the_navigation() -> None:
    # mkdocs.yml has no custom tags, so a plain YAML reader can load it.
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())

    def pages(node: Any) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from pages(item)
        elif isinstance(node, dict):
            for value in node.values():
                yield from pages(value)

    in_nav = set(pages(config["nav"]))
    on_disk = {str(page.relative_to(DOCS)) for page in PAGES}
    assert in_nav == on_disk


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    built = os.environ.get("FLOWSCALE_TEST_SITE")
    if built:
        return Path(built)
    out = tmp_path_factory.mktemp("site")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    subprocess.run(
        [
            str(mkdocs),
            "build",
            "--strict",
            "--site-dir",
            str(out),
        ],  # not --quiet: it mutes --strict
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return out


# What a browser would fetch by itself: scripts, stylesheets, fonts, images, frames, imports.
# Plain links (<a href>) to other sites are fine: they load only when clicked.
FETCHED = [
    re.compile(r"<(?:script|img|iframe|source|audio|video)\b[^>]*\bsrc=[\"']?(?:https?:)?//", re.I),
    re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"@import\s+[\"'](?:https?:)?//", re.I),
    re.compile(r"fonts\.(?:googleapis|gstatic)\.com", re.I),
]


def test_the_built_site_loads_nothing_from_another_host(site: Path) -> None:
    checked = 0
    for path in site.rglob("*"):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in FETCHED:
            match = pattern.search(text)
            assert match is None, (
                f"{path.relative_to(site)}: {text[match.start() : match.end() + 80]}"
            )
        checked += 1
    assert checked > 20


def test_the_built_reference_documents_every_public_name(site: Path) -> None:
    html = "".join(p.read_text(encoding="utf-8") for p in (site / "reference").glob("*.html"))
    anchors = set(re.findall(r'id="(flowscale\.[\w.]+)"', html))
    missing = {f"flowscale.{name}" for name in flowscale.__all__} - anchors
    assert not missing, sorted(missing)
    # The extras' packages too: every name they export.
    for package in (flowscale.proxy, flowscale.server):
        missing = {f"{package.__name__}.{name}" for name in package.__all__} - anchors
        assert not missing, sorted(missing)
    # The methods too: each public method of the clients has its own entry.
    for client in ("Flowscale", "AsyncFlowscale"):
        cls = getattr(flowscale, client)
        for name, _ in inspect.getmembers(cls, callable):
            if not name.startswith("_"):
                assert f"flowscale.{client}.{name}" in anchors, (client, name)
