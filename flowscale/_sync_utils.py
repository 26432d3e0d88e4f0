"""The blocking side of the few primitives the two clients do differently (see _async_utils)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import inspect
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def interrupts() -> tuple[type[BaseException], ...]:
    return (KeyboardInterrupt,)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


BLOCKING = True
"""Whether this side of the clients blocks (it cannot await a user's coroutine function)."""


def interrupt_reader(response: Any) -> bool:
    """Wake a thread blocked reading `response` by shutting its socket down (closing a socket
    another thread is blocked on does not wake it); that thread then releases the response.
    False when there is no socket to shut (no response, or a transport without one)."""
    stream = getattr(response, "extensions", {}).get("network_stream")
    get_extra_info = getattr(stream, "get_extra_info", None)
    sock = get_extra_info("socket") if get_extra_info is not None else None
    if sock is None:
        return False
    with contextlib.suppress(OSError):  # already closed: the reader is woken all the same
        sock.shutdown(socket.SHUT_RDWR)
    return True


Background = concurrent.futures.Future[None]


def in_background(work: Callable[[], None]) -> Background:
    """Run `work` in a new daemon thread; the future is done when it returns or raises."""
    future: Background = concurrent.futures.Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            work()
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(None)

    threading.Thread(target=run, name="flowscale-dispatch", daemon=True).start()
    return future


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
    """`fn` over `items`, at most `limit` at once in threads, results in order. The first
    failure stops the items not started yet and is raised once the running ones end (a
    thread cannot be cancelled). One item, or a limit of 1, runs in the calling thread.

    Daemon threads, not a ThreadPoolExecutor: after Ctrl-C the program can exit at once
    instead of joining downloads still running (the executor's threads are joined at exit).
    """
    import threading

    work = list(items)
    if limit <= 1 or len(work) <= 1:
        return [fn(item) for item in work]
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []
    lock = threading.Lock()
    next_index = iter(range(len(work)))
    finished = threading.Event()
    running = [min(limit, len(work))]

    def worker() -> None:
        try:
            while True:
                with lock:
                    if errors:
                        return
                    index = next(next_index, None)
                if index is None:
                    return
                try:
                    results[index] = fn(work[index])
                except BaseException as exc:  # handed to the calling thread
                    with lock:
                        errors.append(exc)
                    return
        finally:
            with lock:
                running[0] -= 1
                if running[0] == 0:
                    finished.set()

    for n in range(running[0]):
        threading.Thread(target=worker, daemon=True, name=f"flowscale-{n}").start()
    try:
        finished.wait()
    except BaseException:
        with lock:  # Ctrl-C: start nothing new
            errors.append(KeyboardInterrupt())
        raise
    if errors:
        raise errors[0]
    return results


def current_loop() -> object | None:
    return None


class ChunkWriter:
    """Writes a download's chunks to a file as they come (the async twin batches them to
    spare thread hops; here that would only hold memory)."""

    def __init__(self, fh: BinaryIO, batch: int = 4 << 20) -> None:
        self._fh = fh

    def write(self, chunk: bytes) -> None:
        self._fh.write(chunk)

    def close(self) -> None:
        pass

    def abandon(self) -> None:
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
