"""The store's LoopFirstLock: worker threads queue on a gate, the event loop's thread does not."""

from __future__ import annotations

import asyncio
import threading

from flowscale.server._store import LoopFirstLock


def test_reentrant_in_a_worker_thread() -> None:
    lock = LoopFirstLock()
    entered: list[int] = []

    def worker() -> None:
        with lock, lock, lock:  # re-entry must skip the gate (or this would deadlock)
            entered.append(1)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert entered == [1]
    assert not lock._gate.locked()


def test_the_event_loop_skips_the_workers_queue() -> None:
    lock = LoopFirstLock()
    lock._gate.acquire()  # as if a worker held the gate, waiting for its turn
    try:

        async def on_the_loop() -> bool:
            with lock, lock:
                return True

        assert asyncio.run(on_the_loop())  # would block forever if the loop queued too
    finally:
        lock._gate.release()


def test_a_worker_waits_for_its_turn_at_the_gate() -> None:
    lock = LoopFirstLock()
    lock._gate.acquire()
    entered = threading.Event()

    def worker() -> None:
        with lock:
            entered.set()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert not entered.wait(0.2)  # queued behind the gate's holder
    finally:
        lock._gate.release()
    thread.join(10)
    assert entered.is_set()
    assert not lock._gate.locked()


def test_mutual_exclusion_between_workers_and_the_loop() -> None:
    lock = LoopFirstLock()
    inside = 0
    overlaps = 0

    def critical() -> None:
        nonlocal inside, overlaps
        with lock:
            inside += 1
            if inside > 1:
                overlaps += 1
            for _ in range(200):
                pass
            inside -= 1

    def worker() -> None:
        for _ in range(200):
            critical()

    async def loop_side() -> None:
        for _ in range(200):
            critical()
            await asyncio.sleep(0)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    asyncio.run(loop_side())
    for thread in threads:
        thread.join(30)
    assert overlaps == 0
    assert not lock._gate.locked()
