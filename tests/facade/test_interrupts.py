"""Ctrl-C and task cancellation stop a wait at once, and can cancel the run."""

from __future__ import annotations

import _thread
import asyncio
import threading
import time

import pytest

from flowscale import AsyncFlowscale, Flowscale
from flowscale.server import LocalServer

from .conftest import SLOW


def _status_after(server: LocalServer, run_id: str) -> str:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        for _ in range(100):
            status = client.get_run(run_id).status
            if status not in ("queued", "running"):
                return status
            time.sleep(0.05)
        return status


@pytest.mark.parametrize("cancel", [True, False])
def test_ctrl_c_interrupts_a_sync_wait(server: LocalServer, cancel: bool) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        run_id = client.execute_workflow(SLOW, {"seconds": 5}).run_id
        timer = threading.Timer(0.3, _thread.interrupt_main)
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            client.wait_for_run(run_id, cancel_on_interrupt=cancel, timeout=30)
        assert time.monotonic() - started < 5
        timer.join()
    assert _status_after(server, run_id) == ("cancelled" if cancel else "completed")


@pytest.mark.parametrize("cancel", [True, False])
def test_cancelling_the_task_stops_an_async_wait(server: LocalServer, cancel: bool) -> None:
    async def scenario() -> str:
        async with AsyncFlowscale(api_key=server.api_key, base_url=server.base_url) as client:
            run_id = (await client.execute_workflow(SLOW, {"seconds": 2})).run_id
            task = asyncio.create_task(
                client.wait_for_run(run_id, cancel_on_interrupt=cancel, timeout=30)
            )
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # Nothing of the wait lives on: only this task and the loop's own remain.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            assert others == []
            return run_id

    run_id = asyncio.run(scenario())
    assert _status_after(server, run_id) == ("cancelled" if cancel else "completed")
