"""Typed run events and their decoding from SSE frames (no I/O)."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs

from ._types import Output, RunFailure

__all__ = [
    "EndEvent",
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
    """Base of every event of a run's stream. `data` is the decoded JSON payload as sent."""

    type: ClassVar[str] = ""
    seq: int
    run_id: str
    timestamp: datetime.datetime | None
    data: Mapping[str, Any] = attrs.field(repr=False, eq=False)


@attrs.frozen(slots=True)
class StatusEvent(RunEvent):
    type: ClassVar[str] = "status"
    status: str
    queue_position: int | None = None
    error: RunFailure | None = None


@attrs.frozen(slots=True)
class ProgressEvent(RunEvent):
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
    type: ClassVar[str] = "output"
    output: Output


@attrs.frozen(slots=True)
class LogEvent(RunEvent):
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
    """An event of a type this SDK does not know (`event_type`), passed through as is."""

    type: ClassVar[str] = "unknown"
    event_type: str = ""


class EventDecodeError(ValueError):
    """An SSE frame that is not a run event (not JSON, or missing the common fields)."""


def _timestamp(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None


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
    )


def _status(common: dict[str, Any], d: Mapping[str, Any]) -> RunEvent:
    return StatusEvent(
        status=str(d["status"]),
        queue_position=_opt_int(d.get("queue_position")),
        error=_failure(d.get("error")),
        **common,
    )


def _progress(common: dict[str, Any], d: Mapping[str, Any]) -> RunEvent:
    return ProgressEvent(
        node_id=str(d["node_id"]),
        value=float(d["value"]),
        max=float(d["max"]),
        node_type=_opt_str(d.get("node_type")),
        **common,
    )


def _output(common: dict[str, Any], d: Mapping[str, Any]) -> RunEvent:
    if not isinstance(d.get("filename"), str):
        raise KeyError("filename")
    return OutputEvent(output=output_from_mapping(d), **common)


def _log(common: dict[str, Any], d: Mapping[str, Any]) -> RunEvent:
    return LogEvent(
        message=str(d["message"]),
        level=str(d.get("level") or "info"),
        node_id=_opt_str(d.get("node_id")),
        **common,
    )


def _end(common: dict[str, Any], d: Mapping[str, Any]) -> RunEvent:
    return EndEvent(status=str(d["status"]), **common)


_DECODERS: dict[str, Callable[[dict[str, Any], Mapping[str, Any]], RunEvent]] = {
    "status": _status,
    "progress": _progress,
    "output": _output,
    "log": _log,
    "end": _end,
}


def decode_event(event: str, data: str, id: str | None, run_id: str) -> RunEvent:
    """Decode one SSE frame into a typed event.

    The sequence number comes from `data.seq`, else from the frame's `id`. A known type whose
    payload lacks its fields, or whose values have the wrong types, comes through as
    `UnknownEvent` rather than failing: a server change must not break a client. Only a frame
    with no usable sequence number or non-JSON data raises `EventDecodeError`.
    """
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise EventDecodeError(f"event data is not JSON: {data[:200]!r}") from exc
    if not isinstance(payload, dict):
        raise EventDecodeError(f"event data is not a JSON object: {data[:200]!r}")
    seq = payload.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        try:
            seq = int(id) if id else None
        except ValueError:
            seq = None
    if seq is None:
        raise EventDecodeError(f"event has no sequence number: {data[:200]!r}")
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        kind = event or "message"
    common: dict[str, Any] = {
        "seq": seq,
        "run_id": str(payload.get("run_id") or run_id),
        "timestamp": _timestamp(payload.get("timestamp")),
        "data": payload,
    }
    decoder = _DECODERS.get(kind)
    if decoder is not None:
        try:
            return decoder(common, payload)
        except (KeyError, TypeError, ValueError, OverflowError):
            pass
    return UnknownEvent(event_type=kind, **common)


@attrs.frozen(slots=True)
class Frame:
    """One dispatched server-sent event, before it is read as a run event."""

    event: str
    data: str
    id: str | None


KEEPALIVE = object()
"""What `SSEDecoder.feed` returns for a comment line: the server is alive, nothing happened."""


class SSEDecoder:
    """Server-sent events from lines, per the WHATWG rules (no I/O).

    Written here rather than taken from httpx-sse because the waiter must see keep-alive
    comments (to enforce its deadline and idle timeout while a server only pings), which
    httpx-sse's iterator swallows; it also dispatches nothing for data-less blocks
    (httpx-sse#35) and drops a leading byte-order mark.
    """

    __slots__ = ("_data", "_event", "_first", "_last_id")

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._last_id: str | None = None
        self._first = True

    def feed(self, line: str) -> Frame | object | None:
        """Feed one line (without its line break): a `Frame` when an event is complete,
        `KEEPALIVE` for a comment, None otherwise."""
        if self._first:
            self._first = False
            line = line.removeprefix("\ufeff")
        if not line:
            if not self._data:
                self._event = ""
                return None
            frame = Frame(self._event or "message", "\n".join(self._data), self._last_id)
            self._event = ""
            self._data = []
            return frame
        if line[0] == ":":
            return KEEPALIVE
        name, _, value = line.partition(":")
        if value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._last_id = value
        return None


class StreamCursor:
    """Where a subscriber is in a run's stream: what to ask for on (re)connect, and which
    frames to pass on (no keep-alives, no duplicates, nothing after the final event)."""

    def __init__(self, run_id: str, from_seq: int | None = None) -> None:
        self.run_id = run_id
        self.last_seq = max(0, from_seq - 1) if from_seq else 0
        self.ended = False
        self.malformed = 0

    def params(self) -> dict[str, int]:
        return {"from_seq": self.last_seq + 1}

    def headers(self) -> dict[str, str]:
        # Last-Event-ID is what an SSE server expects on reconnect; it wins over from_seq.
        return {"Last-Event-ID": str(self.last_seq)} if self.last_seq else {}

    def accept_frame(self, frame: Frame) -> RunEvent | None:
        return self.accept(frame.event, frame.data, frame.id)

    def accept(self, event: str, data: str, id: str | None) -> RunEvent | None:
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
