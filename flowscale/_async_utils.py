"""The asyncio side of the few primitives the two clients do differently.

`scripts/unasync` rewrites `flowscale/_async/` into `flowscale/_sync/`, mapping this module to
`_sync_utils`; the two modules must offer the same names.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# What stops a wait from outside: task cancellation here, Ctrl-C in the sync client.
INTERRUPTS: tuple[type[BaseException], ...] = (asyncio.CancelledError, KeyboardInterrupt)


async def sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def call(callback: Callable[[T], Any] | None, value: T) -> None:
    """Call a user callback, awaiting it if it is a coroutine function."""
    if callback is None:
        return
    result = callback(value)
    if inspect.isawaitable(result):
        await result


async def map_bounded(fn: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int) -> list[R]:
    """`fn` over `items`, at most `limit` at once, results in order. The first failure
    cancels the rest and is raised."""
    semaphore = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with semaphore:
            return await fn(item)

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one(item)) for item in items]
    except BaseExceptionGroup as group_error:
        # Same error as the sync client: the first failure, not a group of them.
        raise group_error.exceptions[0] from None
    return [task.result() for task in tasks]


def current_loop() -> object | None:
    """The running event loop (the sync side has none)."""
    return asyncio.get_running_loop()


async def run_sync(fn: Callable[[T], R], arg: T) -> R:
    """Blocking work (a file write) off the event loop."""
    return await asyncio.to_thread(fn, arg)
