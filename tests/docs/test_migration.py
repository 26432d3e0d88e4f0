"""Every Python example of docs/migration.md runs, in order, against a local server."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowscale.server import LocalServer

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "migration.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    workdir = tmp_path_factory.mktemp("migration")
    with LocalServer(step_delay=0.005) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWSCALE_API_URL", server.base_url)
        patch.setenv("FLOWSCALE_API_KEY", server.api_key)
        patch.chdir(workdir)
        yield workdir


def test_the_guide_has_examples() -> None:
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_migration_example_runs(environment: Path, index: int, capsys: Any) -> None:
    namespace: dict[str, Any] = {"__name__": f"migration_example_{index}"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # FlowscaleAPI's, on purpose
        exec(compile(BLOCKS[index], f"docs/migration.md example {index + 1}", "exec"), namespace)
    out = capsys.readouterr().out
    if "notes.txt" in BLOCKS[index]:  # the refused path string says how to pass the file
        assert "pathlib.Path('notes.txt')" in out
