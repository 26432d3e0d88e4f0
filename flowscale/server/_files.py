"""The file host: a second origin serving inputs and outputs through expiring signed URLs.

Like the service's storage host it knows nothing of API keys: a link is valid because its
signature is, and an expired or tampered link gets 403. Files are streamed from disk in
chunks, so their size does not matter. A single byte range (``Range: bytes=a-b``, ``a-``,
``-n``) is answered with 206 and Content-Range, as storage hosts do. Faults ``slow_download`` and
``wrong_content_length`` act here.
"""

from __future__ import annotations

import asyncio
import re
from typing import Final
from urllib.parse import parse_qs

import anyio.to_thread

from ._asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    abort_connection,
    error_body,
    send_json,
    wait_for_disconnect,
)
from ._state import ServerState
from ._store import FileRow

_PATH: Final = re.compile(r"/files/([^/]+)/([^/]+)")
CHUNK: Final = 1024 * 1024
_RANGE: Final = re.compile(r"bytes=(\d*)-(\d*)")


def build_files_app(state: ServerState) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        match = _PATH.fullmatch(scope["path"])
        if match is None or method not in ("GET", "HEAD"):
            await send_json(send, 404, error_body("Not Found"), head=method == "HEAD")
            return
        token, filename = match.groups()
        query = parse_qs(scope["query_string"].decode("latin-1"))
        expires = query.get("expires", [None])[-1]
        sig = query.get("sig", [None])[-1]
        problem = state.signer.check(token, filename, expires, sig)
        if problem is not None:
            await send_json(send, 403, error_body(problem), head=method == "HEAD")
            return
        file = state.store.get_file(token)
        if file is None or file.filename != filename or not file.path.is_file():
            await send_json(send, 404, error_body("No such file"), head=method == "HEAD")
            return
        await _serve(state, file, scope, receive, send, head=method == "HEAD")

    return app


async def _serve(
    state: ServerState, file: FileRow, scope: Scope, receive: Receive, send: Send, *, head: bool
) -> None:
    size = file.path.stat().st_size
    requested = _byte_range(_header(scope, b"range"), size)
    if isinstance(requested, str):  # unsatisfiable
        await send(
            {
                "type": "http.response.start",
                "status": 416,
                "headers": [
                    (b"content-range", f"bytes */{size}".encode()),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    first, last = requested if requested is not None else (0, size - 1)
    span = last - first + 1
    slow = state.faults.take("slow_download")
    wrong = state.faults.take("wrong_content_length")
    declared = max(0, span + int(wrong.params["delta"])) if wrong is not None else span
    headers = [
        (b"content-type", file.content_type.encode("latin-1")),
        (b"content-length", str(declared).encode()),
        (b"accept-ranges", b"bytes"),
        (b"cache-control", b"private, max-age=0"),
    ]
    if requested is not None:
        headers.append((b"content-range", f"bytes {first}-{last}/{size}".encode()))
    await send(
        {
            "type": "http.response.start",
            "status": 206 if requested is not None else 200,
            "headers": headers,
        }
    )
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    # uvicorn drops what is sent after a disconnect without telling: watch for it ourselves.
    gone = asyncio.ensure_future(wait_for_disconnect(receive))
    try:
        remaining = min(span, declared)
        chunk = CHUNK
        pause = 0.0
        if slow is not None:
            rate = int(slow.params["bytes_per_second"])
            chunk = max(1, rate // 10)
            pause = chunk / rate
        with file.path.open("rb") as handle:
            if first:
                handle.seek(first)
            while remaining > 0 and not gone.done():
                data = await anyio.to_thread.run_sync(handle.read, min(chunk, remaining))
                if not data:
                    break
                remaining -= len(data)
                await send({"type": "http.response.body", "body": data, "more_body": True})
                if pause and remaining > 0:
                    try:
                        await asyncio.wait_for(state.stopping.wait(), timeout=pause)
                    except TimeoutError:
                        continue
                    gone.cancel()
                    await abort_connection(scope, receive)  # server stopping mid-trickle
                    return
        if gone.done():
            return
        if declared > span:
            # The body is shorter than announced: cut the connection, as a broken peer would.
            gone.cancel()
            await abort_connection(scope, receive)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        gone.cancel()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def _byte_range(value: str | None, size: int) -> tuple[int, int] | str | None:
    """The one byte range of a `Range` header as (first, last), inclusive; None to send the
    whole file (no header, or one this host does not serve: several ranges, other units),
    "unsatisfiable" for a range past the end (416), as RFC 9110 section 14 has it."""
    if value is None:
        return None
    match = _RANGE.fullmatch(value.strip())
    if match is None:
        return None
    start, end = match.groups()
    if start == "" and end == "":
        return None
    if start == "":  # the last N bytes
        suffix = int(end)
        if suffix == 0:
            return "unsatisfiable"
        return (max(0, size - suffix), size - 1)
    first = int(start)
    if first >= size:
        return "unsatisfiable"
    last = size - 1 if end == "" else min(int(end), size - 1)
    if last < first:
        return None
    return (first, last)
