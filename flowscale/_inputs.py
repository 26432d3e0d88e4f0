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
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import IO, Any, BinaryIO

import attrs

__all__ = ["EncodedInputs", "File", "encode_inputs"]

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
        content: The bytes, a `pathlib.Path` (streamed from disk, never read whole) or a
            binary file object (read from its current position; rewound for a retry when it
            is seekable, and not closed: it stays yours).
        filename: The name the server sees; default: the path's or file object's name, else the
            input's name.
        content_type: The part's type; default: guessed from the filename, then the content.
    """

    content: bytes | pathlib.Path | IO[bytes]
    filename: str | None = None
    content_type: str | None = None


@attrs.frozen(slots=True)
class _FilePart:
    name: str
    source: bytes | pathlib.Path | IO[bytes]
    filename: str
    content_type: str
    start: int | None  # where a caller's file object was when encoded; None if not seekable

    @property
    def replayable(self) -> bool:
        return isinstance(self.source, bytes | pathlib.Path) or self.start is not None


@attrs.frozen(slots=True)
class EncodedInputs:
    """Form fields and file parts ready for one request (or several, for retries)."""

    fields: Mapping[str, str]
    files: tuple[_FilePart, ...]

    @property
    def replayable(self) -> bool:
        """Whether the body can be sent again: a caller's unseekable stream cannot."""
        return all(part.replayable for part in self.files)

    @contextmanager
    def open(self) -> Iterator[dict[str, Any]]:
        """The `data=`/`files=` arguments for httpx. Files the SDK opens are closed on exit,
        whatever happens; a caller's file objects are rewound, never closed."""
        with ExitStack() as stack:
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
                else:
                    if part.start is not None:
                        part.source.seek(part.start)
                    payload = part.source
                files.append((part.name, (part.filename, payload, part.content_type)))
            kwargs: dict[str, Any] = {"data": dict(self.fields)}
            if files:
                kwargs["files"] = files
            yield kwargs


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
        if not isinstance(head, bytes):
            raise TypeError(f"input {name!r}: file object must return bytes; open it with 'rb'")
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
        value, File | bytes | bytearray | memoryview | pathlib.PurePath | io.IOBase
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
        text = _text(name, value)
        if text is None:
            raise TypeError(
                f"input {name!r}: unsupported type {type(value).__name__}; use str, int, float, "
                "bool, dict, list, pathlib.Path, bytes, a binary file object or flowscale.File"
            )
        fields[name] = text
    return EncodedInputs(fields=fields, files=tuple(files))
