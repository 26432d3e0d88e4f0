"""Turns on the event loop: at most N pieces of heavy work per loop iteration.

A burst (a thousand runs started at once, a thousand streams woken by runs ending together)
otherwise lands in a single iteration of the loop: every request that arrives meanwhile, the
health check included, waits behind all of it. Each piece of work (creating a run, one read of
a stream's new events) first takes a turn; an iteration hands out ``per_round`` turns and the
rest wait, in arrival order, for the next ones, while the loop serves everything else in
between. Nothing is dropped or reordered; when the loop is not busy a turn costs nothing.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable

from ._asgi import ASGIApp, Receive, Scope, Send


class Turns:
    def __init__(self, per_round: int = 16) -> None:
        if per_round < 1:
            raise ValueError("per_round must be >= 1")
        self._per_round = per_round
        self._left = per_round
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._round_scheduled = False
        self.taken = 0  # turns handed out since the start (tests count them)

    async def take(self) -> None:
        """Return once this iteration of the loop has a turn left for the caller."""
        loop = asyncio.get_running_loop()
        self.taken += 1
        if self._left > 0 and not self._waiters:
            self._left -= 1
            self._schedule_round(loop)
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self._schedule_round(loop)
        await waiter

    def _schedule_round(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._round_scheduled:
            self._round_scheduled = True
            loop.call_soon(self._next_round, loop)

    def _next_round(self, loop: asyncio.AbstractEventLoop) -> None:
        # Runs in the next iteration: the turns of the one before are spent.
        self._round_scheduled = False
        self._left = self._per_round
        while self._left > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter gives its turn to the next one
                waiter.set_result(None)
                self._left -= 1
        if self._waiters or self._left < self._per_round:
            self._schedule_round(loop)


def taking_turns(app: ASGIApp, turns: Turns, heavy: Callable[[Scope], bool]) -> ASGIApp:
    """Wrap ``app``: a ``heavy`` request takes its turn before anything else runs for it.

    In front of every other layer, so that in a burst the requests waiting for a turn have
    cost the loop almost nothing yet (routing and middleware included), and the others (the
    health check) go straight through. A turn is not held: a slow upload blocks nobody.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and heavy(scope):
            await turns.take()
        await app(scope, receive, send)

    return wrapped
