"""Turns: at most N pieces of work per loop iteration, the rest in arrival order after."""

from __future__ import annotations

import asyncio

import pytest

from flowscale.server._turns import Turns


def test_a_burst_is_spread_over_iterations_in_arrival_order() -> None:
    async def main() -> list[tuple[int, int]]:
        turns = Turns(per_round=2)
        iteration = 0
        done: list[tuple[int, int]] = []

        async def count_iterations() -> None:
            nonlocal iteration
            while True:
                await asyncio.sleep(0)
                iteration += 1

        async def work(index: int) -> None:
            await turns.take()
            done.append((index, iteration))

        counter = asyncio.create_task(count_iterations())
        await asyncio.gather(*(work(i) for i in range(7)))
        counter.cancel()
        return done

    done = asyncio.run(main())
    assert [index for index, _ in done] == list(range(7))  # nothing reordered or dropped
    per_iteration: dict[int, int] = {}
    for _, iteration in done:
        per_iteration[iteration] = per_iteration.get(iteration, 0) + 1
    assert max(per_iteration.values()) <= 2
    assert len(per_iteration) >= 4


def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    async def main() -> list[str]:
        turns = Turns(per_round=1)
        order: list[str] = []

        async def work(name: str) -> None:
            await turns.take()
            order.append(name)

        first = asyncio.create_task(work("first"))
        doomed = asyncio.create_task(work("doomed"))
        last = asyncio.create_task(work("last"))
        await asyncio.sleep(0)
        doomed.cancel()
        await asyncio.gather(first, last)
        with pytest.raises(asyncio.CancelledError):
            await doomed
        return order

    assert asyncio.run(main()) == ["first", "last"]


def test_an_idle_loop_hands_out_turns_without_waiting() -> None:
    async def main() -> None:
        turns = Turns(per_round=3)
        for _ in range(3):
            await turns.take()  # within the budget: returns without yielding

    asyncio.run(main())


def test_per_round_must_be_positive() -> None:
    with pytest.raises(ValueError, match="per_round"):
        Turns(per_round=0)


def test_taking_turns_holds_heavy_requests_back_and_lets_the_others_through() -> None:
    from flowscale.server._turns import taking_turns

    async def main() -> list[str]:
        turns = Turns(per_round=1)
        served: list[str] = []

        async def app(scope: dict[str, object], receive: object, send: object) -> None:
            served.append(str(scope["path"]))

        wrapped = taking_turns(app, turns, lambda scope: scope["path"] != "/health")
        heavy = [wrapped({"type": "http", "path": f"/run/{i}"}, None, None) for i in range(5)]
        tasks = [asyncio.ensure_future(request) for request in heavy]
        await asyncio.sleep(0)  # the heavy ones took or queued for their turns
        await wrapped({"type": "http", "path": "/health"}, None, None)
        served_before_the_rest = list(served)
        await asyncio.gather(*tasks)
        return [*served_before_the_rest, "|", *served]

    result = asyncio.run(main())
    cut = result.index("|")
    before, everything = result[:cut], result[cut + 1 :]
    assert "/health" in before  # not behind the four heavy requests still waiting
    assert len([p for p in before if p.startswith("/run/")]) <= 1
    assert [p for p in everything if p.startswith("/run/")] == [f"/run/{i}" for i in range(5)]


def test_a_run_creation_takes_a_second_turn_once_its_body_is_read() -> None:
    # Clients send the headers, then the body: bodies arriving together would otherwise wake
    # every waiting creation in one iteration of the loop. The health check takes none.
    from flowscale.server import LocalServer

    from .helpers import TEXT_TO_IMAGE, http

    with LocalServer(step_delay=0.002, workers=1) as server, http(server) as client:
        assert server._state is not None
        turns = server._state.turns
        before = turns.taken
        client.get("/api/v1/comfy/health").raise_for_status()
        assert turns.taken == before
        reply = client.post(
            "/api/v1/runs", params={"workflow_id": TEXT_TO_IMAGE}, data={"text_51536": "a cat"}
        )
        reply.raise_for_status()
        assert turns.taken == before + 2
