"""Input encoding: every documented type, and nothing but documented errors for anything."""

from __future__ import annotations

import io
import json
import math
import pathlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowscale import File
from flowscale._inputs import encode_inputs, sniff_content_type

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 8


def test_scalars_are_text() -> None:
    encoded = encode_inputs(
        {"s": "a cat", "i": 3, "f": 0.5, "t": True, "n": False, "d": {"a": [1, 2]}, "l": [1, "x"]}
    )
    assert dict(encoded.fields) == {
        "s": "a cat",
        "i": "3",
        "f": "0.5",
        "t": "true",
        "n": "false",
        "d": '{"a":[1,2]}',
        "l": '[1,"x"]',
    }
    assert encoded.files == ()


def test_a_str_that_names_a_file_is_still_text(tmp_path: pathlib.Path, monkeypatch: Any) -> None:
    (tmp_path / "secret.txt").write_text("do not upload")
    monkeypatch.chdir(tmp_path)
    encoded = encode_inputs({"prompt": "secret.txt"})
    assert dict(encoded.fields) == {"prompt": "secret.txt"}
    assert encoded.files == ()


def test_path_is_streamed_with_a_guessed_type_and_closed(tmp_path: pathlib.Path) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(PNG)
    encoded = encode_inputs({"image": image})
    (part,) = encoded.files
    assert (part.name, part.filename, part.content_type) == ("image", "cat.png", "image/png")
    with encoded.open() as kwargs:
        ((_, (_, handle, _)),) = kwargs["files"]
        assert handle.read() == PNG
    assert handle.closed


def test_bytes_are_sniffed_and_files_keep_their_name(tmp_path: pathlib.Path) -> None:
    encoded = encode_inputs({"raw": PNG, "other": b"\x00\x01"})
    assert [p.content_type for p in encoded.files] == ["image/png", "application/octet-stream"]
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\0\0\0\x18ftypmp42")
    with path.open("rb") as fh:
        (part,) = encode_inputs({"video": fh}).files
        assert (part.filename, part.content_type) == ("clip.mp4", "video/mp4")
        assert not fh.closed


def test_explicit_file_overrides_name_and_type() -> None:
    (part,) = encode_inputs(
        {"x": File(b"abc", filename="notes.bin", content_type="application/x-thing")}
    ).files
    assert (part.filename, part.content_type) == ("notes.bin", "application/x-thing")


def test_callers_file_objects_are_rewound_not_closed_for_each_attempt() -> None:
    stream = io.BytesIO(b"xxpayload")
    stream.seek(2)
    encoded = encode_inputs({"f": stream})
    for _ in range(2):
        with encoded.open() as kwargs:
            assert kwargs["files"][0][1][1].read() == b"payload"
    assert not stream.closed
    assert encoded.replayable


def test_unseekable_stream_is_not_replayable() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b: Any) -> int:
            return 0

    assert not encode_inputs({"f": Pipe()}).replayable


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"x": None}, "is None"),
        ({"x": object()}, "unsupported type object"),
        ({"x": {1, 2}}, "unsupported type set"),
        ({"x": {"k": object()}}, "cannot send as JSON"),
        ({"x": [math.nan]}, "cannot send as JSON"),
        ({1: "x"}, "input names must be non-empty strings"),
        ({"": "x"}, "input names must be non-empty strings"),
        ({"x": io.StringIO("text")}, "text mode"),
        ({"x": File("not bytes")}, "File content must be"),  # type: ignore[arg-type]
    ],
)
def test_bad_values_are_type_errors_naming_the_input(inputs: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        encode_inputs(inputs)


def test_inputs_must_be_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping"):
        encode_inputs([("a", "b")])  # type: ignore[arg-type]


def test_missing_path_is_file_not_found(tmp_path: pathlib.Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.png"):
        encode_inputs({"image": tmp_path / "nope.png"})


def test_sniffing() -> None:
    assert sniff_content_type(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert sniff_content_type(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff_content_type(b"hello") is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
anything = (
    st.text()
    | st.integers()
    | st.floats()
    | st.booleans()
    | st.binary()
    | st.none()
    | st.lists(json_values)
    | st.dictionaries(st.text(), json_values)
    | st.builds(object)
    | st.sets(st.integers())
    | st.complex_numbers()
)


@given(st.dictionaries(st.text(), anything))
def test_arbitrary_inputs_encode_or_raise_type_error(inputs: dict[str, Any]) -> None:
    try:
        encoded = encode_inputs(inputs)
    except TypeError:
        return
    for name, value in inputs.items():
        if isinstance(value, bytes):
            assert any(part.name == name for part in encoded.files)
        elif isinstance(value, str):
            assert encoded.fields[name] == value
        elif isinstance(value, bool):
            assert encoded.fields[name] in ("true", "false")
        elif isinstance(value, list | dict):
            assert json.loads(encoded.fields[name]) == value


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, 10**5000, []], ids=["nan", "inf", "huge", "deep"]
)
def test_numbers_json_cannot_hold_are_type_errors(value: Any) -> None:
    if isinstance(value, list):
        value = nested = []
        for _ in range(100_000):
            nested.append([])
            nested = nested[0]
    with pytest.raises(TypeError):
        encode_inputs({"x": value})
