"""Any file input: pipes and other unseekable streams, iterators of bytes, lists of files."""

from __future__ import annotations

import io
import json
import os
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from flowscale import File
from flowscale.server import InputFile, LocalServer, RunContext, Workflow

FILES = "test-one-file"
THREE = "test-three-files"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\0" * 64


def _describe(ctx: RunContext) -> dict[str, Any]:
    described = {}
    for name, value in ctx.inputs.items():
        if isinstance(value, InputFile):
            described[name] = [value.filename, value.content_type, value.size, value.data.hex()]
        else:
            described[name] = value
    return {"files.txt": json.dumps(described, sort_keys=True)}


@pytest.fixture
def files(server: LocalServer) -> str:
    server.register_workflow(
        Workflow(
            id=FILES,
            name="File",
            inputs={"image": "image"},
            outputs={"files": "text"},
            fn=_describe,
        )
    )
    server.register_workflow(
        Workflow(
            id=THREE,
            name="Files",
            inputs={"images_0": "image", "images_1": "image", "images_2": "image"},
            outputs={"files": "text"},
            fn=_describe,
        )
    )
    return FILES


def _run(client: Any, workflow: str, inputs: dict[str, Any]) -> dict[str, Any]:
    result = client.execute_workflow_async(workflow, inputs, timeout=60)
    return dict(json.loads(result[0].file_content))


def test_a_pipe_uploads_whole(client: Any, files: str) -> None:
    payload = PNG + os.urandom(300_000)  # more than a pipe buffer: the writer must keep up
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)

    writer = threading.Thread(target=write)
    writer.start()
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        assert not pipe.seekable()
        described = _run(client, files, {"image": pipe})
    writer.join(10)
    _filename, content_type, size, data = described["image"]
    assert size == len(payload)
    assert bytes.fromhex(data) == payload
    assert content_type == "image/png"  # sniffed from what was read ahead


def test_an_iterator_of_bytes_uploads_whole(client: Any, files: str) -> None:
    chunks = [PNG, b"a" * 70_000, bytearray(b"b" * 10), b"", b"c"]

    def gen() -> Iterator[bytes | bytearray]:
        yield from chunks

    described = _run(client, files, {"image": File(gen(), filename="x.png")})
    filename, content_type, _size, data = described["image"]
    assert filename == "x.png"
    assert content_type == "image/png"
    assert bytes.fromhex(data) == b"".join(bytes(c) for c in chunks)


def test_a_file_object_not_at_its_start_sends_the_rest(
    client: Any, files: str, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "in.bin"
    path.write_bytes(b"skip" + PNG)
    with path.open("rb") as fh:
        fh.seek(4)
        described = _run(client, files, {"image": fh})
    assert bytes.fromhex(described["image"][3]) == PNG
    buffer = io.BytesIO(b"xx" + PNG)
    buffer.seek(2)
    assert bytes.fromhex(_run(client, files, {"image": buffer})["image"][3]) == PNG


def test_a_list_of_files_is_sent_as_numbered_inputs(
    client: Any, files: str, tmp_path: pathlib.Path
) -> None:
    path = tmp_path / "b.png"
    path.write_bytes(PNG + b"b")
    described = _run(
        client, THREE, {"images": [PNG + b"a", path, File(iter([PNG, b"c"]), filename="c.png")]}
    )
    assert sorted(described) == ["images_0", "images_1", "images_2"]
    assert bytes.fromhex(described["images_0"][3]) == PNG + b"a"
    assert described["images_1"][0] == "b.png"
    assert bytes.fromhex(described["images_2"][3]) == PNG + b"c"


def test_mixed_lists_and_bad_iterators_fail_before_any_request(
    client: Any, server: LocalServer, files: str
) -> None:
    server.reset()
    with pytest.raises(TypeError, match="mixes files with other values"):
        client.execute_workflow(files, {"images": [PNG, "a caption"]})
    with pytest.raises(TypeError, match="given twice"):
        client.execute_workflow(files, {"images": [PNG], "images_0": PNG})
    with pytest.raises(TypeError, match="must give bytes"):
        client.execute_workflow(files, {"image": iter(["text"])})
    assert server.counters()["requests"] == {}


def test_legacy_and_new_clients_share_the_numbering() -> None:
    from flowscale._inputs import encode_inputs, numbered_inputs
    from flowscale._legacy import _legacy_inputs

    assert numbered_inputs("images", ["a", "b"]) == [("images_0", "a"), ("images_1", "b")]
    assert list(_legacy_inputs({"images": [b"a", b"b"]})) == ["images_0", "images_1"]
    assert [p.name for p in encode_inputs({"images": [b"a", b"b"]}).files] == [
        "images_0",
        "images_1",
    ]
    assert not encode_inputs({"image": iter([b"a"])}).replayable
    assert encode_inputs({"tags": ["a", "b"]}).fields == {"tags": '["a","b"]'}  # still JSON
