"""A run's event stream rendered once, served from memory to both sides of a comparison.

The frames follow the wire format of `stream_run_events` (openapi/flowscale.yaml): `retry:`
once, then `id:` / `event:` / one-line JSON `data:` per event, a `: keep-alive` comment now
and then, and a final `end` event. The body is cut in 64 KiB chunks, as a socket would hand it
over, and served by an `httpx.MockTransport`: no I/O, so only parsing and dispatch are timed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import httpx

CHUNK = 64 * 1024
RUN_ID = "808f34d0-5c3e-4b7a-9d2e-0123456789ab"
BASE_URL = "http://127.0.0.1:9"  # never contacted: the mock transport answers
EVENTS_URL = f"{BASE_URL}/api/v1/runs/{RUN_ID}/events"


def _event(seq: int, total: int) -> dict[str, object]:
    common: dict[str, object] = {
        "seq": seq,
        "run_id": RUN_ID,
        "timestamp": f"2024-01-15T10:{seq // 60 % 60:02d}:{seq % 60:02d}.{seq % 1000:03d}Z",
    }
    if seq == 1:
        return {**common, "type": "status", "status": "queued", "queue_position": 0}
    if seq == 2:
        return {**common, "type": "status", "status": "running"}
    if seq == total:
        return {**common, "type": "end", "status": "completed"}
    if seq == total - 1:
        return {**common, "type": "status", "status": "completed"}
    if seq % 100 == 0:
        return {
            **common,
            "type": "output",
            "filename": f"filename_prefix_58358_{seq:010d}.png",
            "download_url": f"http://127.0.0.1:9/files/tok{seq}/out.png?expires=1&sig=abc",
            "file_content": None,
            "generation_status": "success",
            "content_type": "image/png",
            "size": 123456,
        }
    if seq % 10 == 0:
        return {**common, "type": "log", "level": "info", "message": f"step {seq} done"}
    return {
        **common,
        "type": "progress",
        "node_id": "3",
        "node_type": "KSampler",
        "value": seq % 20,
        "max": 20,
    }


def render(total: int) -> list[bytes]:
    """`total` events (at least 4) as the chunks of one response body."""
    parts = ["retry: 1000\n\n"]
    for seq in range(1, total + 1):
        data = _event(seq, total)
        line = json.dumps(data, separators=(",", ":"))
        parts.append(f"id: {seq}\nevent: {data['type']}\ndata: {line}\n\n")
        if seq % 1000 == 0:
            parts.append(": keep-alive\n\n")
    body = "".join(parts).encode()
    return [body[i : i + CHUNK] for i in range(0, len(body), CHUNK)]


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


def transport(chunks: list[bytes]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": "text/event-stream; charset=utf-8"},
            stream=_Chunks(chunks),
        )

    return httpx.MockTransport(handler)
