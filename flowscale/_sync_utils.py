"""The blocking side of the few primitives the two clients do differently (see _async_utils)."""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def interrupts() -> tuple[type[BaseException], ...]:
    return (KeyboardInterrupt,)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def call(callback: Callable[[T], Any] | None, value: T) -> None:
    if callback is None:
        return
    result = callback(value)
    if result is not None and inspect.isawaitable(result):  # most callbacks return None
        close = getattr(result, "close", None)
        if close is not None:
            close()  # no "never awaited" warning on top of the error
        raise TypeError(
            f"callback {callback!r} is a coroutine function: the blocking Flowscale client "
            "cannot await it (use AsyncFlowscale, or a plain function)"
        )


def map_bounded(fn: Callable[[T], R], items: Iterable[T], limit: int) -> list[R]:
    """`fn` over `items` one after the other (the sync client does not spawn threads)."""
    return [fn(item) for item in items]


def current_loop() -> object | None:
    return None


class ChunkWriter:
    """Writes a download's chunks to a file as they come (the async twin batches them to
    spare thread hops; here that would only hold memory)."""

    def __init__(self, fh: BinaryIO, batch: int = 4 << 20) -> None:
        self._fh = fh

    def write(self, chunk: bytes) -> None:
        self._fh.write(chunk)

    def flush(self) -> None:
        pass


def new_queue() -> Any:
    """A queue between the batch's worker threads and its reader."""
    import queue

    return queue.Queue()


class WorkerPool:
    """The batch's workers as daemon threads (the blocking client's only concurrency). A
    thread cannot be cancelled: `stop()` leaves them to notice the batch stopping, at their
    next request; they never start a new row."""

    def __init__(self) -> None:
        self._threads: list[Any] = []

    def start(self, fn: Callable[[int], None], slot: int) -> None:
        import threading

        thread = threading.Thread(target=fn, args=(slot,), daemon=True, name=f"batch-{slot}")
        thread.start()
        self._threads.append(thread)

    def stop(self) -> None:
        self._threads.clear()


def new_transport(limits: Any) -> Any:
    """The client's own connection pool, its sockets bounded by each attempt's deadline."""
    from ._transport import sync_transport

    return sync_transport(limits)
