"""No event lost silently: a wait that fell back to polling keeps resuming the event stream."""

from __future__ import annotations

from typing import Any

import pytest

from flowscale import Completed, EventsMissed, LogEvent, PollRetry
from flowscale.server import LocalServer, RunContext, Workflow

CHATTY = "test-chatty"
EVENTS = 10_000


def _chatty(ctx: RunContext) -> dict[str, Any]:
    for n in range(int(str(ctx.inputs["count"]))):
        ctx.log(f"line {n}")
    ctx.sleep(float(str(ctx.inputs.get("linger", "0"))))
    return {"result.txt": "done"}


@pytest.fixture
def chatty(server: LocalServer) -> str:
    server.register_workflow(
        Workflow(
            id=CHATTY,
            name="Chatty",
            inputs={"count": "number", "linger": "number"},
            outputs={"result": "text"},
            fn=_chatty,
        )
    )
    return CHATTY


def _lines(events: list[Any]) -> list[str]:
    return [e.message for e in events if isinstance(e, LogEvent)]


def test_three_refused_streams_then_polling_still_delivers_every_event(
    make_client: Any, server: LocalServer, chatty: str
) -> None:
    client = make_client(max_retries=2)
    # The first connection and its 2 reconnects fail: the wait polls, and resumes the stream.
    server.faults.status(500, route="stream_run_events", count=3)
    events: list[Any] = []
    updates: list[Any] = []
    client.execute_workflow_async(
        chatty,
        {"count": EVENTS, "linger": 0.5},
        on_event=events.append,
        on_intermediate_response=updates.append,
        poll_interval=0.05,
        timeout=120,
    )
    assert _lines(events) == [f"line {n}" for n in range(EVENTS)]
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # each once, in order
    assert seqs[0] == 1
    assert any(isinstance(u, PollRetry) for u in updates)
    assert not any(isinstance(u, EventsMissed) for u in updates)
    assert isinstance(updates[-1], Completed)
    assert server.counters()["requests"]["stream_run_events"] >= 4


def test_a_stream_that_drops_every_100_events_while_polling_loses_none(
    make_client: Any, server: LocalServer, chatty: str
) -> None:
    client = make_client(max_retries=2)
    server.faults.status(500, route="stream_run_events", count=3)
    server.faults.drop_stream(after_events=100)  # every later connection
    events: list[Any] = []
    client.execute_workflow_async(
        chatty,
        {"count": 1_000, "linger": 0},
        on_event=events.append,
        poll_interval=0.05,
        timeout=120,
    )
    assert _lines(events) == [f"line {n}" for n in range(1_000)]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_the_events_of_a_run_that_ended_while_polling_are_replayed(
    make_client: Any, server: LocalServer, chatty: str
) -> None:
    # The stream comes back only after polling saw the run end: the replay still comes.
    client = make_client(max_retries=0)
    server.faults.status(500, route="stream_run_events", count=1)
    server.faults.latency(1.5, route="stream_run_events", count=1)
    events: list[Any] = []
    updates: list[Any] = []
    client.execute_workflow_async(
        chatty,
        {"count": 50, "linger": 0},
        on_event=events.append,
        on_intermediate_response=updates.append,
        poll_interval=0.02,
        timeout=60,
    )
    assert _lines(events) == [f"line {n}" for n in range(50)]
    statuses = [u.status for u in updates if u.type == "run_status"]
    assert statuses[-1] == "completed"  # replayed statuses are history, not updates
    assert statuses.count("completed") == 1
    assert not any(isinstance(u, EventsMissed) for u in updates)


@pytest.mark.parametrize("status", [500, 501])
def test_events_that_cannot_be_had_are_reported(
    make_client: Any, server: LocalServer, chatty: str, status: int
) -> None:
    client = make_client(max_retries=1)
    server.faults.status(status, route="stream_run_events")
    events: list[Any] = []
    updates: list[Any] = []
    result = client.execute_workflow_async(
        chatty,
        {"count": 20, "linger": 0},
        on_event=events.append,
        on_intermediate_response=updates.append,
        poll_interval=0.02,
        timeout=60,
    )
    assert result[0].file_content == "done"
    missed = [u for u in updates if isinstance(u, EventsMissed)]
    assert len(missed) == 1
    assert missed[0].after_seq == 0
    assert events == []
    assert missed[0].reason == ("unavailable" if status == 501 else "failed")
    assert missed[0].error is not None
    assert isinstance(updates[-1], Completed)


def test_without_on_event_nothing_is_reported_missing(
    make_client: Any, server: LocalServer, chatty: str
) -> None:
    client = make_client(max_retries=0)
    server.faults.status(500, route="stream_run_events")
    updates: list[Any] = []
    client.execute_workflow_async(
        chatty,
        {"count": 5, "linger": 0},
        on_intermediate_response=updates.append,
        poll_interval=0.02,
        timeout=60,
    )
    assert not any(isinstance(u, EventsMissed) for u in updates)
