"""Decoding run events: typed known kinds, pass-through unknown ones, never a crash."""

from __future__ import annotations

import itertools
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowscale import EndEvent, OutputEvent, ProgressEvent, StatusEvent, UnknownEvent
from flowscale._events import EventDecodeError, StreamCursor, decode_event

T = "2024-01-15T10:30:00Z"


def frame(kind: str, seq: int, **fields: Any) -> tuple[str, str, str]:
    data = {"seq": seq, "run_id": "r1", "type": kind, "timestamp": T, **fields}
    return kind, json.dumps(data), str(seq)


def test_known_kinds_are_typed() -> None:
    status = decode_event(*frame("status", 1, status="queued", queue_position=2), run_id="r1")
    assert isinstance(status, StatusEvent)
    assert (status.status, status.queue_position, status.timestamp.year) == ("queued", 2, 2024)
    progress = decode_event(*frame("progress", 2, node_id="3", value=5, max=20), run_id="r1")
    assert isinstance(progress, ProgressEvent)
    assert progress.fraction == 0.25
    output = decode_event(
        *frame("output", 3, filename="a.png", download_url="http://x", generation_status="success"),
        run_id="r1",
    )
    assert isinstance(output, OutputEvent)
    assert output.output.download_url == "http://x"
    end = decode_event(*frame("end", 4, status="completed"), run_id="r1")
    assert isinstance(end, EndEvent)


def test_failed_status_carries_the_error() -> None:
    event = decode_event(
        *frame("status", 5, status="failed", error={"message": "boom", "node_id": "7"}),
        run_id="r1",
    )
    assert isinstance(event, StatusEvent)
    assert event.error is not None
    assert (event.error.message, event.error.node_id) == ("boom", "7")


def test_unknown_types_and_broken_known_types_pass_through() -> None:
    unknown = decode_event(*frame("preview", 1, image="..."), run_id="r1")
    assert isinstance(unknown, UnknownEvent)
    assert unknown.event_type == "preview"
    assert unknown.data["image"] == "..."
    broken = decode_event(*frame("progress", 2, node_id="3"), run_id="r1")  # no value/max
    assert isinstance(broken, UnknownEvent)


def test_seq_falls_back_to_the_frame_id() -> None:
    event = decode_event("log", json.dumps({"type": "log", "message": "hi"}), "9", run_id="r1")
    assert event.seq == 9
    assert event.run_id == "r1"


def test_cursor_skips_keepalives_duplicates_and_anything_after_the_end() -> None:
    cursor = StreamCursor("r1")
    assert cursor.accept("message", "", "1") is None  # httpx-sse keep-alive quirk
    assert cursor.accept(*frame("status", 1, status="queued")) is not None
    assert cursor.accept(*frame("status", 1, status="queued")) is None
    assert cursor.headers() == {"Last-Event-ID": "1"}
    assert cursor.params() == {"from_seq": 2}
    assert cursor.accept("x", "not json", "2") is None
    assert cursor.malformed == 1
    assert cursor.accept(*frame("end", 2, status="completed")) is not None
    assert cursor.ended
    assert cursor.accept(*frame("log", 3, message="late")) is None


def test_cursor_from_seq() -> None:
    cursor = StreamCursor("r1", from_seq=5)
    assert cursor.params() == {"from_seq": 5}
    assert cursor.accept(*frame("log", 4, message="old")) is None


@given(
    event=st.text(max_size=20),
    data=st.one_of(
        st.text(),
        st.dictionaries(
            st.sampled_from(
                [
                    "seq",
                    "run_id",
                    "type",
                    "timestamp",
                    "status",
                    "node_id",
                    "value",
                    "max",
                    "filename",
                    "download_url",
                    "message",
                    "error",
                    "queue_position",
                    "size",
                ]
            ),
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats()
            | st.text()
            | st.lists(st.integers())
            | st.dictionaries(st.text(), st.text()),
        ).map(json.dumps),
    ),
    id=st.none() | st.text(max_size=5) | st.integers(min_value=0).map(str),
)
def test_arbitrary_frames_decode_or_raise_event_decode_error(
    event: str, data: str, id: str | None
) -> None:
    try:
        decoded = decode_event(event, data, id, run_id="r1")
    except EventDecodeError:
        return
    assert isinstance(decoded.seq, int)
    cursor = StreamCursor("r1")
    cursor.accept(event, data, id)  # never raises


def test_absurd_numbers_pass_through_as_unknown() -> None:
    data = '{"seq": 1, "type": "progress", "node_id": "3", "value": 1' + "0" * 400 + ', "max": 1}'
    assert isinstance(decode_event("progress", data, "1", run_id="r1"), UnknownEvent)
    deep = '{"seq": 2, "type": "log", "message": ' + "[" * 100_000 + "]" * 100_000 + "}"
    cursor = StreamCursor("r1")
    assert cursor.accept("log", deep, "2") is None
    assert cursor.malformed == 1


def test_sse_decoder_follows_the_whatwg_rules() -> None:
    from flowscale._events import KEEPALIVE, SSEDecoder

    decoder = SSEDecoder()
    body = "\ufeffid: 1\r\nevent: status\r\ndata: {\rdata: }\n\n: ping\nid: 2\n\ndata:x\n".encode()
    out: list[object] = []
    for i in range(len(body)):  # byte by byte: every split point, CR/LF pairs included
        out += decoder.feed(body[i : i + 1])
    assert out == [("status", "{\n}", "1"), KEEPALIVE]  # the id-only block dispatches nothing
    assert decoder.feed(b"\n") == [("message", "x", "2")]


def test_json_with_surrounding_space_and_trailing_garbage() -> None:
    event = decode_event("log", ' {"seq": 1, "type": "log", "message": "m"} ', None, "r1")
    assert event.seq == 1
    import pytest

    with pytest.raises(EventDecodeError):
        decode_event("log", '{"seq": 1} trailing', None, "r1")


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["status", "log", ""]),
            st.text(
                alphabet=st.characters(
                    blacklist_characters="\r\n\x00", blacklist_categories=["Cs"]
                ),
                max_size=30,
            ),
        ),
        max_size=8,
    ),
    st.lists(st.integers(min_value=0, max_value=400), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_sse_decoder_is_independent_of_chunking(
    frames: list[tuple[str, str]], cuts: list[int], newline: str
) -> None:
    from flowscale._events import KEEPALIVE, SSEDecoder

    text = ""
    for n, (kind, data) in enumerate(frames, start=1):
        lines = [f"id: {n}", *([f"event: {kind}"] if kind else []), f"data: {data}", ": ka", ""]
        text += newline.join(lines) + newline
    body = text.encode()
    whole = SSEDecoder().feed(body)
    decoder = SSEDecoder()
    pieces: list[object] = []
    edges = sorted({0, len(body), *(c for c in cuts if c < len(body))})
    for start, end in itertools.pairwise(edges):
        pieces += decoder.feed(body[start:end])
    pieces += decoder.feed(b"")
    assert pieces == whole
    assert [f for f in whole if f is not KEEPALIVE] == [
        (kind or "message", data, str(n)) for n, (kind, data) in enumerate(frames, start=1)
    ]


def test_unicode_line_separators_inside_json_do_not_split_events() -> None:
    # U+2028, U+0085 and friends are legal unescaped in JSON strings; str.splitlines (and so a
    # text-level line splitter) would cut the event in two. SSE lines end only at CR/LF.
    from flowscale._events import SSEDecoder

    message = "a\u2028b\u0085c\x1cd"
    line = json.dumps({"seq": 1, "type": "log", "message": message}, ensure_ascii=False)
    frames = SSEDecoder().feed(f"id: 1\nevent: log\ndata: {line}\n\n".encode())
    (frame,) = frames
    event = StreamCursor("r1").accept_frame(frame)  # type: ignore[arg-type]
    assert event is not None
    assert event.data["message"] == message
