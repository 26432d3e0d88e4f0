"""Wakes the SSE streams of a run when its events change.

Events are written to the store by worker threads; the streams live on the server's event loop.
The hub only carries "run X has news" across that boundary: each stream then reads what it has
not sent yet from the store, so a wake-up can never lose or duplicate an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import defaultdict


class Subscription:
    """One stream's doorbell: ``wake`` is set on news, on client disconnect and on shutdown."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.closed = False

    def close(self) -> None:
        self.closed = True
        self.wake.set()


class EventHub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscriptions: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()
        self._news: set[str] = set()  # runs published since the last delivery

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, run_id: str) -> None:
        """Thread-safe: schedule a wake-up of every stream following ``run_id``.

        Coalesced: news published while a delivery is pending joins it, so a thousand runs
        changing at once cost the loop one callback (and one self-pipe write), not a thousand.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._lock:
            first = not self._news
            self._news.add(run_id)
        if first:
            # RuntimeError: the loop closed between the check and the call (shutdown).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            news, self._news = self._news, set()
            subscriptions = [s for run_id in news for s in self._subscriptions.get(run_id, ())]
        for subscription in subscriptions:
            subscription.wake.set()

    def subscribe(self, run_id: str) -> Subscription:
        subscription = Subscription()
        with self._lock:
            self._subscriptions[run_id].add(subscription)
        return subscription

    def unsubscribe(self, run_id: str, subscription: Subscription) -> None:
        with self._lock:
            subscriptions = self._subscriptions.get(run_id)
            if subscriptions is not None:
                subscriptions.discard(subscription)
                if not subscriptions:
                    del self._subscriptions[run_id]

    def close_all(self) -> None:
        """On the loop: end every stream (server shutdown)."""
        with self._lock:
            everything = [s for subs in self._subscriptions.values() for s in subs]
        for subscription in everything:
            subscription.close()

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(subs) for subs in self._subscriptions.values())
