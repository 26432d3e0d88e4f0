"""Turning workflow inputs into form fields and file parts (no network I/O).

Rules: `str` is text (never a path); `bool` is `true`/`false`; `int`/`float` are their decimal
text; `dict`/`list` are JSON; `pathlib.Path`, `bytes`, binary file objects and `File` are file
parts. Anything else is a `TypeError` before any request is sent.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import mimetypes
import os
import pathlib
import re
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import IO, Any, BinaryIO

import attrs

__all__ = ["EncodedInputs", "File", "encode_inputs", "numbered_inputs"]

_OCTET = "application/octet-stream"

# How much of a file the sniffer looks at: filetype's own window (ISO-BMFF brands, zip members).
SNIFF_BYTES = 8192

# filetype's names that are not the registered media types.
_REGISTERED = {"audio/x-wav": "audio/wav", "audio/x-flac": "audio/flac"}

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # all but \t \n \f \r


def sniff_content_type(head: bytes) -> str | None:
    """The media type of binary content starting with `head` by its magic number (the
    `filetype` package: images, video, audio, documents, archives), or None."""
    # Loaded on the first file input, not by `import flowscale`. filetype ships no stubs.
    import filetype  # type: ignore[import-untyped]

    try:
        mime = getattr(filetype.guess(head), "mime", None)
    except Exception:  # a matcher tripping over a malformed header: then it is no known type
        return None
    return _REGISTERED.get(mime, mime) if isinstance(mime, str) else None


def _sniff_text(head: bytes) -> str | None:
    """JSON or plain text, which have no magic number: UTF-8 without control characters."""
    # In UTF-8 a control character is always that one byte (multi-byte sequences are >= 0x80).
    if not head or _CONTROL_BYTES.search(head):
        return None
    try:
        # An incremental decoder accepts a multi-byte character cut at the end of `head`.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if text.lstrip()[:1] in ("{", "["):
        return "application/json"
    return "text/plain" if text else None


def _guess(filename: str | None, head: bytes = b"") -> str:
    if filename:
        guessed, _ = mimetypes.guess_type(filename)
        if guessed:
            return guessed
    return sniff_content_type(head) or _sniff_text(head) or _OCTET


@attrs.frozen(slots=True)
class File:
    """An explicit file input, for a name or content type of your choosing.

    Attributes:
        content: The bytes, a `pathlib.Path` (streamed from disk, never read whole), a
            binary file object (read from its current position; rewound for a retry when it
            is seekable, and not closed: it stays yours) or an iterator of bytes. A stream
            that cannot seek (a pipe, `sys.stdin.buffer`, a socket) and an iterator are sent
            once, with chunked transfer encoding, as they are read.
        filename: The name the server sees; default: the path's or file object's name, else the
            input's name.
        content_type: The part's type; default: guessed from the filename, then the content.
    """

    content: bytes | pathlib.Path | IO[bytes] | Iterator[bytes]
    filename: str | None = None
    content_type: str | None = None


class _OneShot:
    """A stream of unknown length, read once: what httpx sends with chunked encoding.

    It offers only `read` (no `fileno`, `seek` or `tell`), so httpx cannot take a size from
    it: a pipe's `fstat` size, or a file object's whole size when its position is not at 0,
    would declare a Content-Length the body then contradicts (h11's "Too much data for
    declared Content-Length"). `head` is what was read ahead to guess the content type.
    """

    __slots__ = ("_chunks", "_head", "_name")

    def __init__(self, name: str, head: bytes, chunks: Iterator[bytes]) -> None:
        self._name = name
        self._head = head
        self._chunks = chunks

    def read(self, size: int = -1) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        for chunk in self._chunks:
            if isinstance(chunk, bytearray | memoryview):
                chunk = bytes(chunk)
            if not isinstance(chunk, bytes):
                raise TypeError(
                    f"input {self._name!r}: the iterator gave {type(chunk).__name__}, not bytes"
                )
            if chunk:
                return chunk
        return b""


def _read_chunks(stream: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def numbered_inputs(name: str, values: Iterable[Any]) -> list[tuple[str, Any]]:
    """Several values of one input as the vendor's SDKs send them: `name_0`, `name_1`, ...

    The one implementation of that convention: `Flowscale` uses it for a list of files,
    `FlowscaleAPI` (1.x) for any list, as 1.x did.
    """
    return [(f"{name}_{index}", value) for index, value in enumerate(values)]


@attrs.frozen(slots=True)
class _FilePart:
    name: str
    source: bytes | pathlib.Path | IO[bytes] | _OneShot
    filename: str
    content_type: str
    start: int | None  # where a caller's file object was when encoded; None if not seekable

    @property
    def replayable(self) -> bool:
        return isinstance(self.source, bytes | pathlib.Path) or (
            self.start is not None and not isinstance(self.source, _OneShot)
        )


@attrs.frozen(slots=True)
class EncodedInputs:
    """Form fields and file parts ready for one request (or several, for retries)."""

    fields: Mapping[str, str]
    files: tuple[_FilePart, ...]
    # `(bytes_sent, total)` as httpx reads the file parts (from 0 again on a retry).
    progress: Callable[[int, int | None], object] | None = attrs.field(
        default=None, eq=False, repr=False
    )

    def with_progress(self, progress: Callable[[int, int | None], object] | None) -> EncodedInputs:
        """The same inputs, reporting upload progress to `progress`."""
        return attrs.evolve(self, progress=progress)

    @property
    def file_bytes(self) -> int | None:
        """The bytes of all file parts, or None when a stream's length cannot be known."""
        total = 0
        for part in self.files:
            if isinstance(part.source, bytes):
                total += len(part.source)
            elif isinstance(part.source, pathlib.Path):
                total += part.source.stat().st_size
            elif isinstance(part.source, _OneShot):
                return None  # a pipe or an iterator: no length before it is read
            else:
                try:
                    total += os.fstat(part.source.fileno()).st_size - (part.start or 0)
                except (AttributeError, OSError, ValueError):
                    return None
        return total

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again: a caller's unseekable stream cannot."""
        return all(part.replayable for part in self.files)

    @contextmanager
    def open(self) -> Iterator[dict[str, Any]]:
        """The `data=`/`files=` arguments for httpx. Files the SDK opens are closed on exit,
        whatever happens; a caller's file objects are rewound, never closed."""
        with ExitStack() as stack:
            counter = _UploadCounter(self.progress, self.file_bytes if self.progress else None)
            files: list[tuple[str, tuple[str, Any, str]]] = []
            for part in self.files:
                payload: Any
                if isinstance(part.source, pathlib.Path):
                    payload = stack.enter_context(part.source.open("rb"))
                elif isinstance(part.source, bytes):
                    # A file object, so httpx streams it in 64 KiB pieces: given bytes, its
                    # multipart encoder holds two more copies (3x the input at peak).
                    # BytesIO shares the bytes' buffer until written to: no copy here.
                    payload = io.BytesIO(part.source)
                elif isinstance(part.source, _OneShot):
                    payload = part.source
                else:
                    if part.start is not None:
                        part.source.seek(part.start)
                    # From the start, httpx's length of a file object is right; from further
                    # in it would be the whole file's: then it goes chunked.
                    payload = (
                        part.source
                        if part.start == 0
                        else _OneShot(part.name, b"", _read_chunks(part.source))
                    )
                if self.progress is not None:
                    payload = _CountingReader(payload, counter)
                files.append((part.name, (part.filename, payload, part.content_type)))
            kwargs: dict[str, Any] = {"data": dict(self.fields)}
            if files:
                kwargs["files"] = files
            yield kwargs


class _UploadCounter:
    def __init__(self, progress: Callable[[int, int | None], object] | None, total: int | None):
        self.progress = progress
        self.total = total
        self.sent = 0

    def add(self, n: int) -> None:
        self.sent += n
        if self.progress is not None:
            self.progress(self.sent, self.total)


class _CountingReader:
    """A file part as httpx reads it, counting the bytes read (everything else delegated:
    httpx asks `fileno`/`tell`/`seek` for the length and rewinds with `seek`)."""

    def __init__(self, raw: Any, counter: _UploadCounter) -> None:
        self._raw = raw
        self._counter = counter

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._raw.read(size)
        if data:
            self._counter.add(len(data))
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _part_header_text(name: str, what: str, value: Any) -> str | None:
    """`value` if it can go into a multipart part header as it is (no header injection)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"input {name!r}: {what} must be a str, not {type(value).__name__}")
    if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in value):
        raise ValueError(
            f"input {name!r}: {what} {value[:80]!r} contains a line break or control character"
        )
    return value


def _file_part(name: str, value: Any) -> _FilePart:
    filename: str | None = None
    content_type: str | None = None
    if isinstance(value, File):
        filename, content_type, value = value.filename, value.content_type, value.content
        filename = _part_header_text(name, "filename", filename)
        content_type = _part_header_text(name, "content_type", content_type)
    if isinstance(value, bytearray | memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return _FilePart(
            name,
            value,
            filename or name,
            content_type or _guess(filename, value[:SNIFF_BYTES]),
            None,
        )
    if isinstance(value, pathlib.PurePath):
        path = pathlib.Path(value)
        if not path.is_file():
            raise FileNotFoundError(f"input {name!r}: no such file: {str(path)!r}")
        filename = filename or path.name
        if content_type is None:
            with path.open("rb") as fh:
                content_type = _guess(filename, fh.read(SNIFF_BYTES))
        return _FilePart(name, path, filename, content_type, None)
    if isinstance(value, AsyncIterable) and not callable(getattr(value, "read", None)):
        raise TypeError(
            f"input {name!r}: an async iterator cannot be uploaded; pass an iterator of bytes, "
            "a binary file object or a pathlib.Path"
        )
    if isinstance(value, Iterator) and not callable(getattr(value, "read", None)):
        first = next(value, b"")
        if isinstance(first, bytearray | memoryview):
            first = bytes(first)
        if not isinstance(first, bytes):
            raise TypeError(
                f"input {name!r}: an iterator input must give bytes, not {type(first).__name__}"
            )
        filename = filename or name
        return _FilePart(
            name,
            _OneShot(name, first, value),
            filename,
            content_type or _guess(filename, first[:SNIFF_BYTES]),
            None,
        )
    if isinstance(value, io.TextIOBase):
        raise TypeError(f"input {name!r}: file {value!r} is open in text mode; open it with 'rb'")
    if callable(getattr(value, "read", None)):
        stream: BinaryIO = value
        if filename is None:
            raw_name = getattr(stream, "name", None)
            filename = os.path.basename(raw_name) if isinstance(raw_name, str) else name
        start: int | None = None
        head = b""
        try:
            if stream.seekable():
                start = stream.tell()
                head = stream.read(SNIFF_BYTES)
                stream.seek(start)
        except (OSError, ValueError, AttributeError):
            start = None
        if start is None:
            # Cannot seek (a pipe, stdin, a socket): read ahead for the type, send it once.
            head = stream.read(SNIFF_BYTES)
            if isinstance(head, bytearray | memoryview):
                head = bytes(head)
        if not isinstance(head, bytes):
            raise TypeError(f"input {name!r}: file object must return bytes; open it with 'rb'")
        if start is None:
            source: IO[bytes] | _OneShot = _OneShot(name, head, _read_chunks(stream))
            return _FilePart(name, source, filename, content_type or _guess(filename, head), None)
        return _FilePart(name, stream, filename, content_type or _guess(filename, head), start)
    raise TypeError(
        f"input {name!r}: File content must be bytes, a pathlib.Path or a binary file object, "
        f"not {type(value).__name__}"
    )


def _text(name: str, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):
            raise TypeError(f"input {name!r}: {value!r} is not a finite number")
        return repr(value)
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError as exc:  # more digits than int->str conversion allows
            raise TypeError(f"input {name!r}: {exc}") from None
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError) as exc:
            raise TypeError(f"input {name!r}: cannot send as JSON: {exc}") from None
    return None


def _is_file(value: Any) -> bool:
    return isinstance(
        value, File | bytes | bytearray | memoryview | pathlib.PurePath | io.IOBase | Iterator
    ) or callable(getattr(value, "read", None))


def encode_inputs(inputs: Mapping[str, Any]) -> EncodedInputs:
    """Check and encode every input, or raise `TypeError` / `FileNotFoundError` naming it."""
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"inputs must be a mapping of field name to value, not {type(inputs).__name__}"
        )
    fields: dict[str, str] = {}
    files: list[_FilePart] = []
    for name, value in inputs.items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"input names must be non-empty strings, not {name!r}")
        if value is None:
            raise TypeError(f"input {name!r} is None: leave it out instead")
        if _is_file(value):
            files.append(_file_part(name, value))
            continue
        if isinstance(value, list | tuple) and value and any(_is_file(v) for v in value):
            if not all(_is_file(v) for v in value):
                kinds = sorted({"file" if _is_file(v) else type(v).__name__ for v in value})
                raise TypeError(
                    f"input {name!r}: a list mixes files with other values ({', '.join(kinds)});"
                    f" a list of files is sent as {name}_0, {name}_1, ..., a list of other "
                    "values as JSON: pass one kind"
                )
            for numbered, item in numbered_inputs(name, value):
                if numbered in inputs:
                    raise TypeError(
                        f"input {numbered!r} is given twice: by name and as item of {name!r}"
                    )
                files.append(_file_part(numbered, item))
            continue
        text = _text(name, value)
        if text is None:
            raise TypeError(
                f"input {name!r}: unsupported type {type(value).__name__}; use str, int, float, "
                "bool, dict, list, pathlib.Path, bytes, a binary file object or flowscale.File"
            )
        fields[name] = text
    return EncodedInputs(fields=fields, files=tuple(files))
