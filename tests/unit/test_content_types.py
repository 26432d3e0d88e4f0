"""Content types of bytes and file-object inputs, sniffed from real file headers.

Images are whole files written by Pillow, WAV by the `wave` module; the other headers are the
first bytes of files written by common encoders (ffmpeg, iTunes, iPhone, LAME, libFLAC).
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from flowscale import File
from flowscale._inputs import encode_inputs


def _image(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, format_)
    return buffer.getvalue()


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


HEADERS = {
    "image/png": _image("PNG"),
    "image/jpeg": _image("JPEG"),
    "image/webp": _image("WEBP"),
    "image/gif": _image("GIF"),
    "image/avif": _image("AVIF"),
    "image/bmp": _image("BMP"),
    "image/tiff": _image("TIFF"),
    # iPhone photo: ftyp heic, compatible mif1 heic, then the meta box
    "image/heic": bytes.fromhex(
        "00000018 66747970 68656963 00000000 6d696631 68656963 000001fe 6d657461"
    ),
    # ffmpeg -f mp4: ftyp isom, compatible isom iso2 avc1 mp41, then free
    "video/mp4": bytes.fromhex(
        "00000020 66747970 69736f6d 00000200 69736f6d 69736f32 61766331 6d703431 00000008 66726565"
    ),
    # QuickTime: ftyp qt, then wide
    "video/quicktime": bytes.fromhex(
        "0000001466747970717420200000020071742020" + "0000000877696465"
    ),
    # ffmpeg -f webm: EBML header with DocType webm, then the Segment id
    "video/webm": bytes.fromhex(
        "1a45dfa39f4286810142f7810142f2810442f381084282847765626d428781044285810218538067"
    ),
    # iTunes AAC: ftyp M4A, compatible M4A mp42 isom
    "audio/mp4": bytes.fromhex(
        "00000020 66747970 4d344120 00000000 4d344120 6d703432 69736f6d 00000000"
    ),
    # LAME with an ID3v2.4 tag; and a bare MPEG-1 Layer III frame (no tag at all)
    "audio/mpeg": b"ID3\x04\x00\x00\x00\x00\x00#TSSE\x00\x00\x00\x0f\x00\x00\x03Lavf60.3.100",
    "audio/wav": _wav(),
    # libFLAC: fLaC, then the STREAMINFO block
    "audio/flac": bytes.fromhex("664c614300000022100010000000000000000ac442f000000000"),
    "application/pdf": b"%PDF-1.7\n%\xb5\xb5\xb5\xb5\n1 0 obj\n<</Type/Catalog/Pages 2 0 R>>",
    "application/json": b'{"prompt": "a red fox", "steps": 20}',
}
MP3_WITHOUT_ID3 = bytes.fromhex("fffb9064000f00000000000000000000") + b"\x00" * 400


def _content_type(value: object) -> str:
    (part,) = encode_inputs({"input": value}).files
    return part.content_type


@pytest.mark.parametrize(("expected", "content"), sorted(HEADERS.items()), ids=sorted(HEADERS))
def test_bytes_are_labelled_by_their_header(expected: str, content: bytes) -> None:
    assert _content_type(content) == expected


@pytest.mark.parametrize(("expected", "content"), sorted(HEADERS.items()), ids=sorted(HEADERS))
def test_nameless_file_objects_are_labelled_by_their_header(expected: str, content: bytes) -> None:
    stream = io.BytesIO(b"already read" + content)
    stream.read(12)
    assert _content_type(stream) == expected
    assert stream.tell() == 12  # rewound to where the caller left it


def test_mp3_without_an_id3_tag() -> None:
    assert _content_type(MP3_WITHOUT_ID3) == "audio/mpeg"


def test_json_arrays_text_and_unknown_binary() -> None:
    assert _content_type(b"  [1, 2, 3]") == "application/json"
    assert _content_type("un texte accentué".encode()) == "text/plain"
    assert _content_type(b"\x00\x01\x02\x03binary") == "application/octet-stream"
    # a multi-byte character cut by the sniffing window is still text
    assert _content_type(("é" * 5000).encode()) == "text/plain"


def test_a_file_name_or_an_explicit_type_wins_over_the_header() -> None:
    png = HEADERS["image/png"]
    assert _content_type(File(png, filename="notes.txt")) == "text/plain"
    assert _content_type(File(png, content_type="image/x-custom")) == "image/x-custom"


def test_a_malformed_iso_header_is_no_known_type() -> None:
    assert _content_type(b"\x00\x00\x00\xffftyp") == "application/octet-stream"


# ---- what a server receives (the one end-to-end check of this file) --------------------------


@pytest.fixture(scope="module")
def echo_server() -> Iterator[Any]:
    from flowscale.server import InputFile, LocalServer, RunContext, Workflow

    def describe(ctx: RunContext) -> dict[str, str]:
        upload = ctx.inputs["upload"]
        assert isinstance(upload, InputFile)
        return {"echo.txt": f"{upload.content_type} {upload.size}"}

    with LocalServer(step_delay=0.001) as server:
        server.register_workflow(
            Workflow(
                id="echo-type",
                name="Echo type",
                fn=describe,
                inputs={"upload": "file"},
                outputs={"echo": "text"},
            )
        )
        yield server


@pytest.mark.parametrize("as_stream", [False, True], ids=["bytes", "file object"])
def test_the_server_receives_the_sniffed_type(echo_server: Any, as_stream: bool) -> None:
    from flowscale import Flowscale

    cases = {**HEADERS, "audio/mpeg": MP3_WITHOUT_ID3}
    with Flowscale(api_key=echo_server.api_key, base_url=echo_server.base_url) as client:
        for expected, content in cases.items():
            value: Any = io.BytesIO(content) if as_stream else content
            result = client.execute_workflow_async("echo-type", {"upload": value}, timeout=30)
            assert result[0].file_content == f"{expected} {len(content)}"
