"""The asyncio side of the few primitives the two clients do differently.

`scripts/unasync` rewrites `flowscale/_async/` into `flowscale/_sync/`, mapping this module to
`_sync_utils`; the two modules must offer the same names.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# asyncio is imported where it is used, not at `import flowscale`: a program using only the
# blocking client never needs it (it costs a tenth of the SDK's import time).


def interrupts() -> tuple[type[BaseException], ...]:
    """What stops a wait from outside: task cancellation here, Ctrl-C in the sync client."""
    import asyncio

    return (asyncio.CancelledError, KeyboardInterrupt)


async def sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


BLOCKING = False
"""Whether this side of the clients blocks (it cannot await a user's coroutine function)."""


def interrupt_reader(response: Any) -> bool:
    """Whether a reader blocked on `response` elsewhere was woken to release it itself.

    Never here: a task awaiting a read is woken by closing the response from another task.
    """
    return False


if TYPE_CHECKING:
    import asyncio

    Background = asyncio.Task[None]
else:
    Background = Any


def in_background(work: Callable[[], Coroutine[Any, Any, None]]) -> Background:
    """Run `work` concurrently: an asyncio task (keep a reference until it is done)."""
    import asyncio

    return asyncio.get_running_loop().create_task(work())


async def call(callback: Callable[[T], Any] | None, value: T) -> None:
    """Call a user callback, awaiting it if it is a coroutine function."""
    if callback is None:
        return
    result = callback(value)
    if result is not None and inspect.isawaitable(result):  # most callbacks return None
        await result


async def map_bounded(fn: Callable[[T], Awaitable[R]], items: Iterable[T], limit: int) -> list[R]:
    """`fn` over `items`, at most `limit` at once, results in order. The first failure
    cancels the rest and is raised."""
    import asyncio

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
    import asyncio

    return asyncio.get_running_loop()


class ChunkWriter:
    """Writes a download's chunks to a file off the event loop, in batches of at least
    `batch` bytes: one thread hop per batch rather than per chunk. Each hop costs a few
    hundred microseconds (thread wake-up, GIL hand-over, loop wake-up): at 1 MiB they took
    a sixth of the throughput of a 512 MiB download; at 4 MiB, noise (for 4 MiB held).

    A batch is written while the next one is read (the write releases the GIL), so at most
    two batches are held; a failed write is raised by the next `write()` or by `close()`.
    """

    def __init__(self, fh: BinaryIO, batch: int = 4 << 20) -> None:
        self._fh = fh
        self._batch = batch
        self._chunks: list[bytes] = []
        self._size = 0
        self._writing: Any = None  # the asyncio.Future of the batch being written

    async def write(self, chunk: bytes) -> None:
        self._chunks.append(chunk)
        self._size += len(chunk)
        if self._size >= self._batch:
            await self._hand_over()

    async def close(self) -> None:
        """Write what is left and wait for it: the file is complete once this returns."""
        if self._chunks:
            await self._hand_over()
        await self._settle()

    async def abandon(self) -> None:
        """Wait for a write in progress, its outcome ignored: the caller is failing anyway,
        and must not close the file under the writing thread."""
        import asyncio

        self._chunks, self._size = [], 0
        writing, self._writing = self._writing, None
        if writing is not None:
            await asyncio.wait([writing])  # never raises; the outcome is read below
            if not writing.cancelled():
                writing.exception()

    async def _settle(self) -> None:
        import asyncio

        writing = self._writing
        if writing is not None:
            # Shielded: a cancelled download must not leave a thread writing into a file
            # its caller is about to close; `abandon()` waits for it instead.
            await asyncio.shield(writing)
            self._writing = None

    async def _hand_over(self) -> None:
        import asyncio

        await self._settle()
        chunks, self._chunks, self._size = self._chunks, [], 0
        self._writing = asyncio.ensure_future(asyncio.to_thread(self._fh.writelines, chunks))


def new_queue() -> Any:
    """A queue between the batch's workers and its reader (an asyncio.Queue here)."""
    import asyncio

    return asyncio.Queue()


class WorkerPool:
    """The batch's workers: tasks here (threads in the sync client). `stop()` cancels them."""

    def __init__(self) -> None:
        self._tasks: list[Any] = []

    def start(self, fn: Callable[[int], Coroutine[Any, Any, None]], slot: int) -> None:
        import asyncio

        self._tasks.append(asyncio.get_running_loop().create_task(fn(slot)))

    async def stop(self) -> None:
        import asyncio

        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()


def new_transport(limits: Any) -> Any:
    """The client's own connection pool, its sockets bounded by each attempt's deadline."""
    from ._transport import async_transport

    return async_transport(limits)
