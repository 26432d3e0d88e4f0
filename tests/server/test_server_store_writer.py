"""The store's single writer: writes from other threads run on the bound loop, in order, each
undone alone when it fails; unbind() runs what is still waiting."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from flowscale.server._store import Store


@pytest.fixture
def bound() -> Iterator[tuple[Store, asyncio.AbstractEventLoop]]:
    """A store bound to a loop running in its own thread (as in the server)."""
    store = Store(None)
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def main() -> None:
        asyncio.set_event_loop(loop)
        store.bind(loop)
        loop.call_soon(ready.set)
        loop.run_forever()

    thread = threading.Thread(target=main)
    thread.start()
    assert ready.wait(10)
    try:
        yield store, loop
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        store.unbind()
        loop.close()
        store.close()


def _loop_thread(loop: asyncio.AbstractEventLoop) -> int:
    box: list[int] = []
    done = threading.Event()
    loop.call_soon_threadsafe(lambda: (box.append(threading.get_ident()), done.set()))
    assert done.wait(10)
    return box[0]


def test_a_write_from_another_thread_runs_on_the_loop(
    bound: tuple[Store, asyncio.AbstractEventLoop],
) -> None:
    store, loop = bound
    assert store.write(threading.get_ident) == _loop_thread(loop)


def test_writes_handed_over_without_waiting_run_in_order(
    bound: tuple[Store, asyncio.AbstractEventLoop],
) -> None:
    store, _ = bound
    for n in range(200):
        store.write_soon(lambda n=n: store.append_event("r", "log", "t", {"n": n}))
    # A later waited write from the same thread sees every earlier one done.
    events = store.write(lambda: store.events_after("r", 0))
    assert [e.fields["n"] for e in events] == list(range(200))
    assert [e.seq for e in events] == list(range(1, 201))


def test_a_failing_write_undoes_only_itself(
    bound: tuple[Store, asyncio.AbstractEventLoop],
) -> None:
    store, _ = bound

    def half_then_fail() -> None:
        store.append_event("r", "log", "t", {"n": "lost"})
        raise RuntimeError("boom")

    store.write_soon(lambda: store.append_event("r", "log", "t", {"n": 1}))
    with pytest.raises(RuntimeError, match="boom"):
        store.write(half_then_fail)
    store.write(lambda: store.append_event("r", "log", "t", {"n": 2}))
    events = store.write(lambda: store.events_after("r", 0))
    assert [(e.seq, e.fields["n"]) for e in events] == [(1, 1), (2, 2)]  # no gap, nothing lost


def test_unbind_runs_the_writes_still_waiting() -> None:
    store = Store(None)
    loop = asyncio.new_event_loop()  # bound but never run: nothing drains the writes
    store.bind(loop)
    done: list[int] = []
    writer = threading.Thread(target=lambda: done.append(store.write(lambda: 7)))
    writer.start()
    writer.join(0.2)
    assert writer.is_alive()  # waiting for the loop
    store.unbind()
    writer.join(10)
    assert done == [7]
    assert store.write(lambda: 8) == 8  # unbound: runs at once, in the caller's thread
    loop.close()
    store.close()
