"""The run event stream (text/event-stream): replay from the store, then follow live.

Frames: ``retry: 1000`` once, then per event ``id: <seq>``, ``event: <type>``, ``data: <JSON on
one line>``; ``: keep-alive`` comments when nothing happened for ``keepalive_interval``
seconds. After the ``end`` event (or straight away when a finished run has nothing more to
send) the response ends.
"""

from __future__ import annotations

import asyncio
import json

from starlette.responses import Response

from ._asgi import TRANSPORT_KEY, Receive, Scope, Send, abort_connection, wait_for_disconnect
from ._hub import EventHub, Subscription
from ._models import TERMINAL
from ._render import event_json
from ._signing import Signer
from ._store import EventRow, Store
from ._turns import Turns

RETRY_MS = 1000


def frame(event: EventRow, signer: Signer) -> bytes:
    data = json.dumps(event_json(event, signer), separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode()


class EventStream(Response):
    """An ASGI response streaming one run's events after ``after_seq``."""

    def __init__(
        self,
        *,
        run_id: str,
        after_seq: int,
        store: Store,
        hub: EventHub,
        signer: Signer,
        keepalive_interval: float,
        stopping: asyncio.Event,
        drop_after: int | None = None,
        turns: Turns | None = None,
    ) -> None:
        super().__init__(status_code=200, media_type="text/event-stream")
        self.run_id = run_id
        self.after_seq = after_seq
        self.store = store
        self.hub = hub
        self.signer = signer
        self.keepalive_interval = keepalive_interval
        self.stopping = stopping
        self.drop_after = drop_after
        self.turns = turns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscription = self.hub.subscribe(self.run_id)

        async def watch_disconnect() -> None:
            await wait_for_disconnect(receive)
            subscription.close()

        # Shutdown sets ``stopping`` and closes every subscription of the hub in one callback
        # on this loop: a stream subscribed before it is closed there, one subscribed after
        # sees the flag here (no watcher task per stream: a thousand streams are a thousand
        # tasks fewer for every garbage collection to walk).
        if self.stopping.is_set():
            subscription.close()
        watchers = [asyncio.create_task(watch_disconnect())]
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            await self._body(subscription, scope, receive, send)
        finally:
            for watcher in watchers:
                watcher.cancel()
            self.hub.unsubscribe(self.run_id, subscription)

    async def _body(
        self, subscription: Subscription, scope: Scope, receive: Receive, send: Send
    ) -> None:
        async def emit(body: bytes, *, final: bool = False) -> None:
            await send({"type": "http.response.body", "body": body, "more_body": not final})

        await emit(f"retry: {RETRY_MS}\n\n".encode())
        transport = scope.get(TRANSPORT_KEY)
        last = self.after_seq
        sent = 0
        while not subscription.closed:
            if transport is not None and transport.is_closing():
                return  # the client went away; uvicorn has not told us yet
            if self.turns is not None:
                await self.turns.take()
                if subscription.closed:
                    break
            # Clear before reading: news published after this read sets it again.
            subscription.wake.clear()
            # Status first, events second: a run ends in the same transaction that stores its
            # last events, so if it had ended before this read, nothing can be missed below.
            status = self.store.run_status(self.run_id)
            events = self.store.events_after(self.run_id, last)
            # Everything read goes out in one write (fewer syscalls with many subscribers).
            frames: list[bytes] = []
            ended = False
            for event in events:
                if self.drop_after is not None and sent >= self.drop_after:
                    break
                frames.append(frame(event, self.signer))
                sent += 1
                last = event.seq
                if event.type == "end":
                    ended = True
                    break
            if ended:
                await emit(b"".join(frames), final=True)
                return
            if frames:
                await emit(b"".join(frames))
            if self.drop_after is not None and sent >= self.drop_after:
                await abort_connection(scope, receive)
                return
            if events:
                continue  # there may be more than one page of stored events
            if status is None or status in TERMINAL:
                # Ended and nothing left after ``last``: asked for more than the run has.
                break
            try:
                await asyncio.wait_for(subscription.wake.wait(), timeout=self.keepalive_interval)
            except TimeoutError:
                await emit(b": keep-alive\n\n")
        await emit(b"", final=True)
