"""Typed run events and their decoding from SSE frames (no I/O)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs

from ._errors import ResponseValidationError
from ._types import Output, RunFailure

__all__ = [
    "EndEvent",
    "EventStreamTooLargeError",
    "LogEvent",
    "OutputEvent",
    "ProgressEvent",
    "RunEvent",
    "StatusEvent",
    "UnknownEvent",
    "decode_event",
]


@attrs.frozen(slots=True)
class RunEvent:
    """Base of every event of a run's stream.

    Attributes:
        type: The event's type, as the SSE `event:` field names it (a class constant).
        seq: The event's sequence number in its run, from 1; the SSE `id:`.
        run_id: The run the event belongs to.
        timestamp: When the server produced the event, if it said.
        data: The decoded JSON payload as sent, unknown fields included.
    """

    type: ClassVar[str] = ""
    seq: int
    run_id: str
    timestamp: datetime.datetime | None
    data: Mapping[str, Any] = attrs.field(repr=False, eq=False)


@attrs.frozen(slots=True)
class StatusEvent(RunEvent):
    """The run's status changed (`queued`, `running`, `completed`, `failed`, `cancelled`).

    Attributes:
        status: The new status.
        queue_position: The run's place in the queue while `queued` (0 is next), else None.
        error: Why the run failed, on a `failed` status.
    """

    type: ClassVar[str] = "status"
    status: str
    queue_position: int | None = None
    error: RunFailure | None = None


@attrs.frozen(slots=True)
class ProgressEvent(RunEvent):
    """A node of the workflow reports progress (ComfyUI's `progress` message).

    Attributes:
        node_id: The id of the node in the workflow's graph.
        value: Steps done.
        max: Steps in all (0 when the node does not say).
        node_type: The node's class, e.g. `KSampler`, when the server sends it.
    """

    type: ClassVar[str] = "progress"
    node_id: str
    value: float
    max: float
    node_type: str | None = None

    @property
    def fraction(self) -> float:
        """Progress of the node between 0 and 1."""
        return min(max(self.value / self.max, 0.0), 1.0) if self.max > 0 else 0.0


@attrs.frozen(slots=True)
class OutputEvent(RunEvent):
    """An output of the run is ready.

    Attributes:
        output: The output: its filename and a download URL or, for text, its content.
    """

    type: ClassVar[str] = "output"
    output: Output


@attrs.frozen(slots=True)
class LogEvent(RunEvent):
    """A log line of the run.

    Attributes:
        message: The text of the line.
        level: `debug`, `info`, `warning` or `error` (as the server sends it).
        node_id: The node that logged it, when the server says.
    """

    type: ClassVar[str] = "log"
    message: str
    level: str = "info"
    node_id: str | None = None


@attrs.frozen(slots=True)
class EndEvent(RunEvent):
    """The final event: the server closes the stream after it. `status` is the final status."""

    type: ClassVar[str] = "end"
    status: str


@attrs.frozen(slots=True)
class UnknownEvent(RunEvent):
    """An event of a type this SDK does not know, passed through as is.

    `type` is the event's real type as the server sent it (as with every other event, so
    `event.type == "my_type"` works as in JS); `event_type` says the same.

    Attributes:
        event_type: The event's type as the server sent it.
    """

    event_type: str = ""

    @property
    def type(self) -> str:  # type: ignore[override]
        """The event's real type, as the server sent it."""
        return self.event_type


class EventDecodeError(ValueError):
    """An SSE frame that is not a run event (not JSON, or missing the common fields)."""


_fromisoformat = datetime.datetime.fromisoformat


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _failure(value: Any) -> RunFailure | None:
    if isinstance(value, Mapping) and isinstance(value.get("message"), str):
        return RunFailure(
            message=value["message"],
            node_id=_opt_str(value.get("node_id")),
            node_type=_opt_str(value.get("node_type")),
            exception_type=_opt_str(value.get("exception_type")),
        )
    if isinstance(value, str):
        return RunFailure(message=value)
    return None


def output_from_mapping(data: Mapping[str, Any], filename: str | None = None) -> Output:
    """Build an `Output` from the output endpoint's `data` (or an `output` event)."""
    name = filename if filename is not None else data.get("filename")
    size = data.get("size")
    return Output(
        filename=str(name) if name is not None else "",
        download_url=_opt_str(data.get("download_url")),
        file_content=_opt_str(data.get("file_content")),
        generation_status=str(data.get("generation_status") or "success"),
        content_type=_opt_str(data.get("content_type")),
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        raw=data,
    )


# The decoders below build events positionally: the common fields (seq, run_id, timestamp,
# data) first, then the type's own, in field order. This is the SDK's hottest path.
Common = tuple[int, str, datetime.datetime | None, Mapping[str, Any]]


def _builder(cls: type[RunEvent]) -> Callable[..., Any]:
    """A positional constructor of `cls` that sets each slot through its descriptor.

    The same object as `cls(*values)` (these classes have no validators or converters), in
    half the time: a frozen attrs `__init__` goes through `object.__setattr__` by name for
    each field, which costs more than decoding the event's JSON. Generated, as attrs
    generates its own `__init__`, so each class gets straight-line code.
    """
    names = [field.name for field in attrs.fields(cls)]
    args = ", ".join(f"v{i}" for i in range(len(names)))
    sets = "".join(f"    s{i}(o, v{i})\n" for i in range(len(names)))
    namespace: dict[str, Any] = {"new": object.__new__, "cls": cls}
    for i, name in enumerate(names):
        namespace[f"s{i}"] = getattr(cls, name).__set__
    exec(f"def build({args}):\n    o = new(cls)\n{sets}    return o\n", namespace)
    build: Callable[..., Any] = namespace["build"]
    return build


_new_status = _builder(StatusEvent)
_new_progress = _builder(ProgressEvent)
_new_output = _builder(OutputEvent)
_new_log = _builder(LogEvent)
_new_end = _builder(EndEvent)
_new_unknown = _builder(UnknownEvent)


def _str(value: Any) -> str:
    return value if type(value) is str else str(value)


def _status(c: Common, d: Mapping[str, Any]) -> RunEvent:
    error = d.get("error")
    position = d.get("queue_position")
    event: RunEvent = _new_status(
        *c,
        _str(d["status"]),
        position if type(position) is int else None,
        None if error is None else _failure(error),
    )
    return event


def _progress(c: Common, d: Mapping[str, Any]) -> RunEvent:
    node_type = d.get("node_type")
    event: RunEvent = _new_progress(
        *c,
        _str(d["node_id"]),
        float(d["value"]),
        float(d["max"]),
        None if node_type is None else _str(node_type),
    )
    return event


def _output(c: Common, d: Mapping[str, Any]) -> RunEvent:
    if type(d.get("filename")) is not str:
        raise KeyError("filename")
    event: RunEvent = _new_output(*c, output_from_mapping(d))
    return event


def _log(c: Common, d: Mapping[str, Any]) -> RunEvent:
    node_id = d.get("node_id")
    event: RunEvent = _new_log(
        *c, _str(d["message"]), _str(d.get("level") or "info"), _opt_str(node_id)
    )
    return event


def _end(c: Common, d: Mapping[str, Any]) -> RunEvent:
    event: RunEvent = _new_end(*c, _str(d["status"]))
    return event


_DECODERS: dict[str, Callable[[Common, Mapping[str, Any]], RunEvent]] = {
    "status": _status,
    "progress": _progress,
    "output": _output,
    "log": _log,
    "end": _end,
}
_DECODE_ERRORS = (KeyError, TypeError, ValueError, OverflowError)
_raw_json = json.JSONDecoder().raw_decode


def _json(text: str) -> Any:
    # raw_decode skips JSONDecoder.decode's two whitespace regex passes; the servers send
    # compact one-line JSON, and anything after the object is still an error.
    if text[:1].isspace():
        text = text.lstrip()
    value, end = _raw_json(text)
    if end != len(text) and text[end:].strip():
        raise ValueError(f"extra data after the JSON object at {end}")
    return value


def decode_event(event: str, data: str | bytes, id: str | None, run_id: str) -> RunEvent:
    """Decode one SSE frame into a typed event.

    The sequence number comes from `data.seq`, else from the frame's `id`. A known type whose
    payload lacks its fields, or whose values have the wrong types, comes through as
    `UnknownEvent` rather than failing: a server change must not break a client. Only a frame
    with no usable sequence number or non-JSON data raises `EventDecodeError`.
    """
    try:
        if type(data) is str and not data[:1].isspace():
            # _json inlined: one call less per event on the hottest path.
            payload, end = _raw_json(data)
            if end != len(data) and data[end:].strip():
                raise ValueError(f"extra data after the JSON object at {end}")
        else:
            payload = _json(data) if type(data) is str else json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise EventDecodeError(f"event data is not JSON: {data[:200]!r}") from exc
    if type(payload) is not dict:
        raise EventDecodeError(f"event data is not a JSON object: {data[:200]!r}")
    seq = payload.get("seq")
    if type(seq) is not int:
        try:
            seq = int(id) if id else None
        except ValueError:
            seq = None
        if seq is None:
            raise EventDecodeError(f"event has no sequence number: {data[:200]!r}")
    kind = payload.get("type")
    if type(kind) is not str or not kind:
        kind = event or "message"
    owner = payload.get("run_id")
    stamp = payload.get("timestamp")
    try:
        timestamp = _fromisoformat(stamp) if type(stamp) is str else None
    except ValueError:
        timestamp = None
    common: Common = (seq, owner if type(owner) is str and owner else run_id, timestamp, payload)
    decoder = _DECODERS.get(kind)
    if decoder is not None:
        try:
            return decoder(common, payload)
        except _DECODE_ERRORS:
            pass
    unknown: RunEvent = _new_unknown(*common, kind)
    return unknown


Frame = tuple[str, str, "str | None"]
"""One dispatched server-sent event: its type, data and id (a plain tuple: the hot path)."""


_BOM = b"\xef\xbb\xbf"
KEEPALIVE = object()
"""What `SSEDecoder.feed` reports for a comment: the server is alive, nothing happened."""


# Bounds on what one server can make the decoder hold: a line without its newline, and the
# data of one event. Far above any real event (an output's inline text included).
MAX_LINE_BYTES = 16 * 2**20
MAX_EVENT_BYTES = 32 * 2**20


class SSELimitError(ValueError):
    """A line or an event of the stream is larger than the decoder's bound (no I/O)."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} is longer than {limit:,} bytes")
        self.what = what
        self.limit = limit


class EventStreamTooLargeError(ResponseValidationError):
    """The event stream sent a line or an event past the SDK's bound (`limit` bytes).

    Raised by iterating a stream (or by `dispatch`), both clients alike. No real server
    comes near the bounds (16 MiB for a line, 32 MiB for an event's data); the SDK stops
    reading rather than hold whatever a broken or hostile server sends.

    Attributes:
        limit: The bound that was passed, in bytes.
    """

    def __init__(self, message: str, *, url: str, status_code: int, limit: int) -> None:
        super().__init__(message, url=url, status_code=status_code, body=None)
        self.limit = limit


class SSEDecoder:
    """Server-sent events from the bytes of a response, per the WHATWG rules (no I/O).

    Written here rather than taken from httpx-sse because the waiter must see keep-alive
    comments (to enforce its deadline and idle timeout while a server only pings), which
    httpx-sse's iterator swallows. Working on whole chunks of bytes (split in C) rather than
    line by line also makes it several times faster. It dispatches nothing for data-less blocks
    (httpx-sse#35) and drops a leading byte-order mark.

    Memory and time are bounded: a line still waiting for its newline is kept as a list of
    chunks joined once when the newline comes (linear time, where growing one buffer chunk
    by chunk is quadratic), and raises `SSELimitError` past `max_line` bytes; so does an
    event whose data passes `max_event` bytes.
    """

    __slots__ = (
        "_buffer",
        "_cr",
        "_data",
        "_data_size",
        "_event",
        "_first",
        "_last_id",
        "_max_event",
        "_max_line",
        "_parts",
        "_parts_size",
    )

    def __init__(self, *, max_line: int = MAX_LINE_BYTES, max_event: int = MAX_EVENT_BYTES) -> None:
        self._buffer = b""
        self._parts: list[bytes] = []  # a line cut over several chunks, after `_buffer`
        self._parts_size = 0
        self._cr = False  # the previous chunk ended in CR: an LF starting this one pairs with it
        self._event = ""
        self._data: list[bytes] = []
        self._data_size = 0
        self._last_id: str | None = None
        self._first = True
        self._max_line = max_line
        self._max_event = max_event

    def feed(self, chunk: bytes) -> list[Frame | object]:
        """Frames completed by `chunk`, with `KEEPALIVE` for each comment line."""
        if self._cr:
            self._cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]  # the LF of a CRLF cut between two chunks
        if b"\r" in chunk:
            self._cr = chunk.endswith(b"\r")
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        if b"\n" not in chunk and not self._first:
            if chunk:
                # Still inside one line: keep the piece, join once at the newline.
                self._parts.append(chunk)
                self._parts_size += len(chunk)
                if len(self._buffer) + self._parts_size > self._max_line:
                    raise SSELimitError("a line of the event stream", self._max_line)
            return []
        if self._parts:
            buffer = b"".join([self._buffer, *self._parts, chunk])
            self._parts = []
            self._parts_size = 0
        else:
            buffer = self._buffer + chunk if self._buffer else chunk
        if self._first:
            if len(buffer) < 3 and _BOM.startswith(buffer):
                self._buffer = buffer  # maybe a byte-order mark cut in pieces: wait
                return []
            self._first = False
            buffer = buffer.removeprefix(_BOM)
        end = buffer.rfind(b"\n")
        if end < 0:
            self._buffer = buffer
            if len(buffer) > self._max_line:
                raise SSELimitError("a line of the event stream", self._max_line)
            return []
        self._buffer = buffer[end + 1 :]
        lines = buffer[:end].split(b"\n")
        if end > self._max_line and max(map(len, lines)) > self._max_line:
            raise SSELimitError("a line of the event stream", self._max_line)
        out: list[Frame | object] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    text = (data[0] if len(data) == 1 else b"\n".join(data)).decode(
                        "utf-8", "replace"
                    )
                    out.append((self._event or "message", text, self._last_id))
                    data = self._data = []
                    self._data_size = 0
                self._event = ""
            elif line[0] == 58:  # ":" starts a comment
                out.append(KEEPALIVE)
            else:
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name == b"data":
                    data.append(value)
                    if len(data) > 1:  # one line is bounded by max_line already
                        self._data_size += len(value) + 1
                        if self._data_size + len(data[0]) > self._max_event:
                            raise SSELimitError("an event of the stream", self._max_event)
                elif name == b"event":
                    self._event = value.decode("utf-8", "replace")
                elif name == b"id" and b"\0" not in value:
                    self._last_id = value.decode("utf-8", "replace")
        return out


class StreamCursor:
    """Where a subscriber is in a run's stream: what to ask for on (re)connect, and which
    frames to pass on (no keep-alives, no duplicates, nothing after the final event)."""

    def __init__(self, run_id: str, from_seq: int | None = None) -> None:
        self.run_id = run_id
        self.last_seq: int = max(0, from_seq - 1) if from_seq else 0
        self.ended: bool = False
        self.malformed: int = 0

    def params(self) -> dict[str, int]:
        """Query parameters for the next (re)connect: `from_seq` after the last event passed on."""
        return {"from_seq": self.last_seq + 1}

    def headers(self) -> dict[str, str]:
        """Headers for the next (re)connect: `Last-Event-ID` once an event was passed on."""
        # Last-Event-ID is what an SSE server expects on reconnect; it wins over from_seq.
        return {"Last-Event-ID": str(self.last_seq)} if self.last_seq else {}

    def accept_frame(self, frame: Frame) -> RunEvent | None:
        """`accept` for a frame from `SSEDecoder.feed`."""
        return self.accept(*frame)

    def accept(self, event: str, data: str | bytes, id: str | None) -> RunEvent | None:
        """The typed event for a frame, or None for a frame to skip."""
        if self.ended or not data:
            # Data-less frames are keep-alives (httpx-sse turns comment blocks that follow an
            # `id:` into empty "message" events, httpx-sse#35).
            return None
        try:
            decoded = decode_event(event, data, id, self.run_id)
        except EventDecodeError:
            self.malformed += 1
            return None
        if decoded.seq <= self.last_seq:
            return None  # replayed after a reconnect: already passed on
        self.last_seq = decoded.seq
        if isinstance(decoded, EndEvent):
            self.ended = True
        return decoded
