"""Every Python example in README.md runs, in order, against a local server."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from flowscale.server import LocalServer

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    workdir = tmp_path_factory.mktemp("readme")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "orange").save(buffer, "PNG")
    (workdir / "cat.png").write_bytes(buffer.getvalue())
    with LocalServer(step_delay=0.005) as server, pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLOWSCALE_API_URL", server.base_url)
        patch.setenv("FLOWSCALE_API_KEY", server.api_key)
        patch.chdir(workdir)
        yield workdir


def test_the_readme_has_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(environment: Path, index: int, capsys: Any) -> None:
    namespace: dict[str, Any] = {"__name__": f"readme_example_{index}"}
    exec(compile(BLOCKS[index], f"README.md example {index + 1}", "exec"), namespace)
    capsys.readouterr()
