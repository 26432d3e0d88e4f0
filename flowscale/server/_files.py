"""The file host: a second origin serving inputs and outputs through expiring signed URLs.

Like the service's storage host it knows nothing of API keys: a link is valid because its
signature is, and an expired or tampered link gets 403. Files are streamed from disk in
chunks, so their size does not matter. Faults ``slow_download`` and ``wrong_content_length``
act here.
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
    slow = state.faults.take("slow_download")
    wrong = state.faults.take("wrong_content_length")
    declared = max(0, size + int(wrong.params["delta"])) if wrong is not None else size
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", file.content_type.encode("latin-1")),
                (b"content-length", str(declared).encode()),
                (b"cache-control", b"private, max-age=0"),
            ],
        }
    )
    if head:
        await send({"type": "http.response.body", "body": b""})
        return
    # uvicorn drops what is sent after a disconnect without telling: watch for it ourselves.
    gone = asyncio.ensure_future(wait_for_disconnect(receive))
    try:
        remaining = min(size, declared)
        chunk = CHUNK
        pause = 0.0
        if slow is not None:
            rate = int(slow.params["bytes_per_second"])
            chunk = max(1, rate // 10)
            pause = chunk / rate
        with file.path.open("rb") as handle:
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
        if declared > size:
            # The body is shorter than announced: cut the connection, as a broken peer would.
            gone.cancel()
            await abort_connection(scope, receive)
            return
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        gone.cancel()
