"""The bounding policies without sockets: attempt deadlines, retry waits, the bounded
decoder, safe names from servers, argument checks before any request."""

from __future__ import annotations

import gzip
import pathlib
import time
import zlib
from typing import Any

import httpx
import pytest

from flowscale import File, Flowscale, Output
from flowscale._bounds import (
    BodyTooLarge,
    BoundedDecoder,
    attempt_deadline,
    declared_within,
    decodes,
    retry_wait_allowed,
)
from flowscale._deadline import NO_DEADLINE, Deadline
from flowscale._inputs import encode_inputs
from flowscale._paths import MAX_NAME_BYTES, is_safe_name, safe_name, temp_path, unique_targets
from flowscale.cli._follow import DEFAULT_OUT_ROOT, default_out_dir

HOSTILE_NAMES = [
    "../..", "..", ".", "", "/etc/passwd", "/", "a/../../b", "..\\..\\win", "C:\\x", "x\x00y",
    "line\nbreak", "tab\there", "CON", "con.txt", "LPT1.log", "nul", "trailing.", "trailing ",
    " leading", "a" * 241, "é" * 200, "\u202ertl.png", "x\x7f", "?*<>|", "\ud800", "COM¹",
]  # fmt: skip


# ---- attempt deadlines and retry waits ----------------------------------------------------


def test_an_attempt_gets_its_timeout_as_a_whole_response_bound() -> None:
    bound = attempt_deadline(NO_DEADLINE, httpx.Timeout(2.0))
    assert bound.at is not None
    assert 1.9 < bound.at - time.monotonic() <= 2.0


def test_an_attempt_never_outlives_the_call() -> None:
    call = Deadline.after(0.5)
    assert attempt_deadline(call, httpx.Timeout(60.0)) == call
    assert attempt_deadline(NO_DEADLINE, httpx.Timeout(None)) == NO_DEADLINE


def test_retry_after_never_sleeps_past_the_deadline_or_one_attempt() -> None:
    two_seconds = httpx.Timeout(2.0)
    assert retry_wait_allowed(1.0, NO_DEADLINE, two_seconds, floor=8.0)
    assert retry_wait_allowed(8.0, NO_DEADLINE, two_seconds, floor=8.0)  # backoff's own cap
    assert not retry_wait_allowed(60.0, NO_DEADLINE, two_seconds, floor=8.0)  # issue: 60.25 s
    assert retry_wait_allowed(60.0, NO_DEADLINE, httpx.Timeout(60.0), floor=8.0)
    assert not retry_wait_allowed(1.0, Deadline.after(0.5), two_seconds, floor=8.0)
    assert retry_wait_allowed(1.0, NO_DEADLINE, httpx.Timeout(None), floor=8.0)


# ---- the bounded decoder ------------------------------------------------------------------


def _feed_all(decoder: BoundedDecoder, body: bytes, size: int = 65536) -> bytes:
    out = [p for i in range(0, len(body), size) for p in decoder.feed(body[i : i + size])]
    return b"".join(out + decoder.finish())


@pytest.mark.parametrize("coding", ["gzip", "x-gzip", "deflate", "identity", ""])
def test_normal_bodies_decode_whole(coding: str) -> None:
    body = b'{"status": "success", "data": [1, 2, 3]}' * 1000
    encoded = {
        "gzip": gzip.compress(body),
        "x-gzip": gzip.compress(body),
        "deflate": zlib.compress(body),
    }.get(coding, body)
    assert _feed_all(BoundedDecoder(coding, 1 << 20), encoded) == body


def test_an_unlimited_decoder_streams_without_huge_buffers() -> None:
    # Streamed bodies use a practically unlimited cap: no buffer may be sized by it.
    body = b"streamed" * 10_000
    assert _feed_all(BoundedDecoder("gzip", 1 << 62), gzip.compress(body), size=1024) == body


def test_raw_deflate_is_accepted_as_deflate() -> None:
    z = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = b"raw deflate" * 100
    assert _feed_all(BoundedDecoder("deflate", 1 << 20), z.compress(body) + z.flush()) == body


def test_a_body_exactly_at_the_limit_passes_and_one_byte_more_does_not() -> None:
    assert _feed_all(BoundedDecoder("", 10), b"0123456789") == b"0123456789"
    with pytest.raises(BodyTooLarge):
        _feed_all(BoundedDecoder("", 10), b"0123456789A")
    with pytest.raises(BodyTooLarge):
        _feed_all(BoundedDecoder("gzip", 10), gzip.compress(b"0123456789A"))


@pytest.mark.parametrize("coding", ["gzip", "deflate", "gzip, gzip"])
def test_a_bomb_stops_at_the_cap_without_inflating_it(coding: str) -> None:
    bomb = b"\0" * (64 << 20)
    for _ in coding.split(","):
        bomb = gzip.compress(bomb) if "gzip" in coding else zlib.compress(bomb)
    decoder = BoundedDecoder(coding, 1 << 20)
    with pytest.raises(BodyTooLarge):
        _feed_all(decoder, bomb)
    # It stopped within one decompression step of the cap, not after 64 MiB.
    assert decoder.size <= (1 << 20) + (256 << 10)


def test_a_corrupt_compressed_body_is_a_decoding_error() -> None:
    with pytest.raises(httpx.DecodingError):
        _feed_all(BoundedDecoder("gzip", 1 << 20), b"not gzip at all")


def test_unknown_codings_pass_through_and_are_not_decoded_by_us() -> None:
    assert _feed_all(BoundedDecoder("br", 100), b"opaque") == b"opaque"
    assert decodes("gzip")
    assert decodes("deflate, gzip")
    assert not decodes("br")
    assert not decodes("")


# ---- names from the server ----------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_name_becomes_one_safe_component(name: str, tmp_path: pathlib.Path) -> None:
    assert not is_safe_name(name)
    safe = safe_name(name)
    assert is_safe_name(safe)
    assert len(safe.encode()) <= MAX_NAME_BYTES
    target = tmp_path / safe
    assert target.parent == tmp_path
    # The temporary sibling fits too: the name leaves room for it (the 241+ chars).
    temp_path(target).write_bytes(b"x")
    assert [p.parent for p in tmp_path.iterdir()] == [tmp_path]


def test_safe_names_pass_unchanged_and_bad_ones_stay_distinct() -> None:
    for name in ["image_00001_.png", "run id 1", "550e8400-e29b-41d4-a716-446655440000"]:
        assert safe_name(name) == name
    assert len({safe_name(n) for n in HOSTILE_NAMES}) == len(HOSTILE_NAMES)


@pytest.mark.parametrize("run_id", ["../..", "/etc", "../../home/u/.ssh", "CON", "a/b", ""])
def test_the_cli_output_folder_never_leaves_flowscale_outputs(run_id: str) -> None:
    folder = default_out_dir(run_id)
    assert folder.parent == DEFAULT_OUT_ROOT
    assert ".." not in folder.parts
    assert not folder.is_absolute()


def test_two_outputs_with_one_name_stay_two_files(tmp_path: pathlib.Path) -> None:
    names = ["a.png", "a.png", "A.png", "../a.png", "sub/a.png", "a" * 300 + ".png"]
    outputs = [Output(n, download_url="http://127.0.0.1/x") for n in names]
    targets = unique_targets(outputs, tmp_path)
    assert len({t.name.casefold() for t in targets}) == len(outputs)
    assert all(t.parent == tmp_path and is_safe_name(t.name) for t in targets)


# ---- arguments checked before any request -------------------------------------------------


@pytest.fixture
def offline() -> Any:
    # Port 9 on loopback: nothing listens; a request would fail as a connection error, not as
    # the TypeError/ValueError these tests expect.
    with Flowscale(api_key="k", base_url="http://127.0.0.1:9", max_retries=0) as client:
        yield client


def test_ids_too_long_or_with_control_characters_are_refused(offline: Flowscale) -> None:
    with pytest.raises(ValueError, match="at most"):
        offline.get_run("x" * (1 << 20))
    with pytest.raises(ValueError, match="control"):
        offline.cancel_run("a\r\nX-Injected: 1")
    with pytest.raises(ValueError, match="at most"):
        offline.execute_workflow("w" * 5000, {"a": "b"})
    with pytest.raises(TypeError):
        offline.subscribe_run_events(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("file", "error"),
    [
        (File(b"x", content_type=123), TypeError),  # type: ignore[arg-type]
        (File(b"x", content_type="image/png\r\nX-Evil: 1"), ValueError),
        (File(b"x", filename="a.png\r\nContent-Type: text/html"), ValueError),
        (File(b"x", content_type="image/png\x00"), ValueError),
    ],
)
def test_part_headers_cannot_be_injected(file: File, error: type[Exception]) -> None:
    with pytest.raises(error):
        encode_inputs({"image": file})


@pytest.mark.parametrize(
    ("headers", "limit", "expected"),
    [
        ([("content-length", "776")], 1024, True),
        ([("content-length", "776")], 776, True),
        ([("content-length", "777")], 776, False),  # larger than the cap: the bounded reader
        ([("content-length", "10"), ("content-encoding", "gzip")], 1024, False),  # inflated
        ([("transfer-encoding", "chunked")], 1024, False),  # no declared length
        ([("content-length", "²".encode())], 1024, False),  # a digit to str.isdigit only
        ([("content-length", "-1")], 1024, False),
    ],
)
def test_only_plain_replies_of_declared_length_skip_the_bounded_reader(
    headers: list[tuple[str, str | bytes]], limit: int, expected: bool
) -> None:
    response = httpx.Response(200, headers=headers, stream=httpx.ByteStream(b""))
    assert declared_within(response, limit) is expected
