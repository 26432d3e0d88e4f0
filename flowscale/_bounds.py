"""How long one request attempt may take and how large its reply may grow (no I/O).

httpx's timeouts bound each network read, so a server that trickles a byte a second, or sends
`100 Continue` forever, never trips them. Each attempt therefore also gets a whole-response
deadline (`attempt_deadline`), enforced on every socket read by `_transport.py`, and every
reply body is decoded through `BoundedDecoder`, which stops at `max_response_bytes` of
decompressed data, whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from contextvars import ContextVar

import httpx

from ._deadline import Deadline

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "RESPONSE_DEADLINE",
    "BodyTooLarge",
    "BoundedDecoder",
    "decodes",
    "attempt_deadline",
    "attempt_seconds",
    "declared_within",
    "retry_wait_allowed",
]

# Real replies are kilobytes (a page of 100 runs is ~100 KiB): 16 MiB is far above any of
# them, and small enough that a hostile reply costs little memory before it is refused.
DEFAULT_MAX_RESPONSE_BYTES = 16 << 20

# The monotonic time by which the current request attempt's response must have arrived
# whole; read by the socket wrapper of `_transport.py` (a context variable: per task, per
# thread, so concurrent requests of one pool each keep their own).
RESPONSE_DEADLINE: ContextVar[float | None] = ContextVar(
    "flowscale_response_deadline", default=None
)

# Output produced per input slice of the decompressor: a bomb inflates ~1000x, so each step
# is capped here (256 KiB) rather than letting one 64 KiB read become 64 MiB.
_STEP = 256 << 10


def attempt_seconds(timeout: httpx.Timeout) -> float | None:
    """The whole-response bound of one attempt: the read timeout (None: none set)."""
    return timeout.read


def attempt_deadline(call: Deadline, timeout: httpx.Timeout) -> Deadline:
    """The deadline of one attempt: `timeout`'s whole-response bound, within the call's own."""
    seconds = attempt_seconds(timeout)
    mine = Deadline.after(seconds)
    if call.at is None:
        return mine
    if mine.at is None:
        return call
    return Deadline(min(call.at, mine.at))


def retry_wait_allowed(delay: float, call: Deadline, timeout: httpx.Timeout, floor: float) -> bool:
    """Whether to sleep `delay` before a retry: never past the call's deadline, and never
    longer than one attempt may take (or `floor`, the backoff's own cap, if that is longer).
    A longer `Retry-After` raises the error at once (it carries `retry_after`) rather than
    sleeping past every bound the caller set."""
    left = call.remaining()
    if left is not None and delay >= left:
        return False
    seconds = attempt_seconds(timeout)
    return seconds is None or delay <= max(seconds, floor)


# Input slice fed to the decompressor at a time when streaming: deflate inflates at most
# ~1032x, so each slice yields about a mebibyte at most, whatever the server sent.
STREAM_SLICE = 1 << 10


def decodes(content_encoding: str) -> bool:
    """Whether `BoundedDecoder` decodes (rather than passes through) this `Content-Encoding`."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    return bool(codings) and all(c in ("gzip", "x-gzip", "deflate", "identity") for c in codings)


class BodyTooLarge(Exception):
    """Raised by `BoundedDecoder` once the decoded body passes its limit."""


class BoundedDecoder:
    """Decodes a body's `Content-Encoding` (gzip, deflate; others pass through as they are)
    into at most `limit` bytes, raising `BodyTooLarge` as soon as more would come out.

    Written here rather than using httpx's decoders because those inflate each network read
    in one go, without an output limit.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._stages: list[_Inflater] = []
        for coding in reversed([c.strip().lower() for c in content_encoding.split(",")]):
            if coding in ("gzip", "x-gzip"):
                self._stages.append(_Inflater(zlib.MAX_WBITS | 16))
            elif coding == "deflate":
                self._stages.append(_Inflater(zlib.MAX_WBITS, raw_fallback=True))
            # identity, and codings this client did not ask for: passed through undecoded.

    def feed(self, data: bytes) -> list[bytes]:
        """Decoded pieces of `data`."""
        pieces = [data]
        for stage in self._stages:
            pieces = [out for piece in pieces for out in stage.feed(piece, self._room())]
        return self._count(pieces)

    def finish(self) -> list[bytes]:
        """Whatever the decompressors still hold at the end of the body."""
        pieces: list[bytes] = []
        for stage in self._stages:
            pieces = [out for piece in pieces for out in stage.feed(piece, self._room())]
            pieces.extend(stage.flush(self._room()))
        return self._count(pieces)

    def _room(self) -> int:
        return self.limit - self.size + 1

    def _count(self, pieces: list[bytes]) -> list[bytes]:
        self.size += sum(len(p) for p in pieces)
        if self.size > self.limit:
            raise BodyTooLarge(self.limit)
        return [p for p in pieces if p]


class _Inflater:
    def __init__(self, wbits: int, *, raw_fallback: bool = False) -> None:
        self._wbits = wbits
        self._raw_fallback = raw_fallback
        self._started = False
        self._z = zlib.decompressobj(wbits)

    def feed(self, data: bytes, room: int) -> list[bytes]:
        out: list[bytes] = []
        produced = 0
        try:
            while data:
                chunk = self._z.decompress(data, min(_STEP, max(room - produced, 1)))
                self._started = True
                out.append(chunk)
                produced += len(chunk)
                if produced >= room:
                    raise BodyTooLarge(room)
                data = self._z.unconsumed_tail
                if self._z.eof:
                    break
        except zlib.error as exc:
            if self._raw_fallback and not self._started:
                # Some servers send raw deflate (no zlib header) as "deflate".
                self._raw_fallback = False
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data, room)
            raise httpx.DecodingError(f"the reply's compressed body is corrupt: {exc}") from exc
        return out

    def flush(self, room: int) -> list[bytes]:
        try:
            # flush()'s argument is its first buffer's size, not a limit: keep it small.
            return [self._z.flush(max(min(room, _STEP), 1))]
        except zlib.error as exc:
            raise httpx.DecodingError(f"the reply's compressed body is corrupt: {exc}") from exc


def declared_within(response: httpx.Response, limit: int) -> bool:
    """Whether a reply is sent uncompressed with a Content-Length of at most `limit`."""
    headers = response.headers
    if "content-encoding" in headers or response.is_stream_consumed:
        return False
    declared = headers.get("content-length")
    return (
        declared is not None
        and declared.isascii()
        and declared.isdigit()
        and int(declared) <= limit
    )
