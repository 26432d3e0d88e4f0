"""Waiting for runs: events, the polling fallback, failures, cancellation, deadlines."""

from __future__ import annotations

import threading
import time
from typing import Any

import attrs
import pytest

from flowscale import (
    Completed,
    EndEvent,
    OutputStatus,
    PollRetry,
    ProgressEvent,
    RunCancelledError,
    RunFailedError,
    RunStatusUpdate,
    RunTimeoutError,
    StatusEvent,
    WorkflowSubmitted,
)
from flowscale.server import LocalServer

from .conftest import FAIL, QUIET, SLOW, TEXT_TO_IMAGE


def test_updates_come_in_the_documented_kinds_and_order(client: Any, server: LocalServer) -> None:
    updates: list[Any] = []
    events: list[Any] = []
    result = client.execute_workflow_async(
        SLOW,
        {"seconds": 0.1},
        on_intermediate_response=updates.append,
        on_event=events.append,
        timeout=30,
    )
    assert isinstance(updates[0], WorkflowSubmitted)
    assert isinstance(updates[-1], Completed)
    assert updates[-1].result == result
    statuses = [u.status for u in updates if isinstance(u, RunStatusUpdate)]
    assert statuses[-1] == "completed"
    assert "running" in statuses
    assert any(isinstance(u, OutputStatus) and u.ready for u in updates)
    assert {u.type for u in updates} <= {
        "workflow_submitted",
        "run_status",
        "output_status",
        "poll_retry",
        "completed",
    }
    assert any(isinstance(e, ProgressEvent) for e in events)
    assert isinstance(events[-1], EndEvent)
    # Events mode: the execute request, one event stream, one read of the finished run.
    requests = server.counters()["requests"]
    assert requests.get("execute_workflow") == 1
    assert requests.get("stream_run_events") == 1
    assert requests.get("get_run") == 1
    assert "get_output" not in requests


@pytest.mark.parametrize("status", [501, 500])
def test_polling_fallback_when_the_event_stream_is_missing_or_broken(
    make_client: Any, server: LocalServer, status: int
) -> None:
    client = make_client()
    server.faults.status(status, route="stream_run_events")
    updates: list[Any] = []
    result = client.execute_workflow_async(
        SLOW,
        {"seconds": 0.2},
        poll_interval=0.05,
        on_intermediate_response=updates.append,
        timeout=30,
    )
    assert result[0].file_content == "slept 0.2"
    # A failing stream is a retry worth reporting; a server without one is not.
    assert any(isinstance(u, PollRetry) for u in updates) == (status == 500)
    assert isinstance(updates[-1], Completed)
    assert server.counters()["requests"]["get_run"] >= 1
    if status == 501:  # remembered: the next wait polls straight away
        streams = server.counters()["requests"]["stream_run_events"]
        client.execute_workflow_async(SLOW, {"seconds": 0.1}, poll_interval=0.05, timeout=30)
        assert server.counters()["requests"]["stream_run_events"] == streams


def test_a_dropped_stream_is_resumed_without_duplicates(client: Any, server: LocalServer) -> None:
    server.faults.drop_stream(after_events=2, count=3)
    events: list[Any] = []
    client.execute_workflow_async(SLOW, {"seconds": 0.2}, on_event=events.append, timeout=30)
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))
    assert seqs[0] == 1
    assert isinstance(events[-1], EndEvent)
    assert server.counters()["requests"]["stream_run_events"] >= 2


def test_a_failed_run_raises_at_once_with_its_details(client: Any) -> None:
    started = time.monotonic()
    with pytest.raises(RunFailedError) as caught:
        client.execute_workflow_async(FAIL, {"prompt": "p"}, timeout=60)
    assert time.monotonic() - started < 30
    error = caught.value
    assert error.error == "exploded on p"
    assert (error.node_id, error.node_type) == ("7", "VAEDecode")
    assert error.run is not None
    assert error.run.status == "failed"
    assert "exploded on p" in str(error)


def test_a_failed_run_raises_when_polling_too(client: Any, server: LocalServer) -> None:
    server.faults.status(501, route="stream_run_events")
    with pytest.raises(RunFailedError, match="exploded"):
        client.execute_workflow_async(FAIL, {"prompt": "p"}, poll_interval=0.05, timeout=60)


@pytest.mark.parametrize("status", [501, 405])
def test_a_server_without_event_stream_raises_one_exported_error(
    server: LocalServer, status: int
) -> None:
    import asyncio

    import flowscale

    server.faults.status(status, route="stream_run_events")
    with flowscale.Flowscale(api_key=server.api_key, base_url=server.base_url) as sync_client:
        run_id = sync_client.execute_workflow(SLOW, {"seconds": 0.01}).run_id
        with pytest.raises(flowscale.EventStreamUnavailableError) as sync_caught:
            list(sync_client.subscribe_run_events(run_id))

    async def in_async() -> BaseException:
        async with flowscale.AsyncFlowscale(
            api_key=server.api_key, base_url=server.base_url
        ) as async_client:
            with pytest.raises(flowscale.EventStreamUnavailableError) as caught:
                async with async_client.subscribe_run_events(run_id) as stream:
                    [event async for event in stream]
            return caught.value

    async_error = asyncio.run(in_async())
    for error in (sync_caught.value, async_error):
        assert type(error) is flowscale.EventStreamUnavailableError  # one class for both
        assert isinstance(error, flowscale.APIStatusError)
        assert error.status_code == status
        assert server.api_key not in str(error)


def test_a_cancelled_run_raises(client: Any) -> None:
    submitted = client.execute_workflow(SLOW, {"seconds": 5})
    message = client.cancel_run(submitted.run_id)
    assert "cancel" in message.lower()
    with pytest.raises(RunCancelledError) as caught:
        client.wait_for_run(submitted.run_id, timeout=30)
    assert caught.value.run_id == submitted.run_id
    assert client.get_run(submitted.run_id).status == "cancelled"


def test_timeout_raises_with_the_run_id_and_can_cancel(client: Any) -> None:
    started = time.monotonic()
    with pytest.raises(RunTimeoutError) as caught:
        client.execute_workflow_async(SLOW, {"seconds": 10}, timeout=0.5, cancel_on_timeout=True)
    assert time.monotonic() - started < 5
    error = caught.value
    assert error.run_id
    assert error.cancelled
    assert isinstance(error, TimeoutError)
    assert client.get_run(error.run_id).status == "cancelled"


def test_wait_for_run_resumes_a_run_started_earlier(client: Any) -> None:
    submitted = client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "later"})
    first = client.wait_for_run(submitted.run_id, timeout=30)
    again = client.wait_for_run(submitted.run_id, timeout=30)  # after the end: replay
    # The same outputs; their links are signed when read (to the second), so they may differ
    # in the signature alone.
    assert [_unsigned(o) for o in first.outputs] == [_unsigned(o) for o in again.outputs]
    assert all(o.download_url for o in again.outputs)


def _unsigned(output: Any) -> Any:
    url = output.download_url
    return attrs.evolve(output, download_url=url and url.split("?", 1)[0])


def test_the_timeout_bounds_a_hung_execute(client: Any, server: LocalServer) -> None:
    server.faults.hang(route="execute_workflow", count=1)
    started = time.monotonic()
    with pytest.raises(RunTimeoutError) as caught:
        client.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, timeout=0.5)
    assert time.monotonic() - started < 5
    assert caught.value.run_id is None
    assert "may exist" in str(caught.value)


def test_the_timeout_bounds_a_hung_stream_and_polls(client: Any, server: LocalServer) -> None:
    server.faults.hang(route="stream_run_events")
    server.faults.hang(route="get_run")
    started = time.monotonic()
    with pytest.raises(RunTimeoutError):
        client.execute_workflow_async(SLOW, {"seconds": 0.1}, timeout=1.0)
    assert time.monotonic() - started < 6


def test_subscribe_replays_and_ends(client: Any) -> None:
    run_id = client.execute_workflow(SLOW, {"seconds": 0.1}).run_id
    with client.subscribe_run_events(run_id) as stream:
        events = list(stream)
    assert isinstance(events[0], StatusEvent)
    assert isinstance(events[-1], EndEvent)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    with client.subscribe_run_events(run_id, from_seq=3) as stream:
        tail = list(stream)
    assert [e.seq for e in tail] == list(range(3, len(events) + 1))


def test_subscribe_callback_style(client: Any) -> None:
    run_id = client.execute_workflow(SLOW, {"seconds": 0.1}).run_id
    seen: list[Any] = []
    closed = threading.Event()
    stream = client.subscribe_run_events(run_id)
    stream.dispatch(on_event=seen.append, on_close=lambda _: closed.set())
    assert closed.is_set()
    assert isinstance(seen[-1], EndEvent)
    assert stream.last_seq == seen[-1].seq


def test_subscribe_reports_errors_to_on_error(client: Any) -> None:
    errors: list[Exception] = []
    stream = client.subscribe_run_events("no-such-run")
    stream.dispatch(on_event=lambda e: None, on_error=errors.append)
    assert errors
    assert getattr(errors[0], "status_code", None) == 404


def test_wait_arguments_are_checked(client: Any) -> None:
    with pytest.raises(TypeError, match="poll_interval"):
        client.wait_for_run("r", poll_interval=0)
    with pytest.raises(TypeError, match="timeout"):
        client.wait_for_run("r", timeout=-1)
    with pytest.raises(TypeError, match="run_id"):
        client.wait_for_run("")


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_silent_stream_is_reopened_after_the_read_timeout(kind: str) -> None:
    import asyncio

    from flowscale import AsyncFlowscale, Flowscale
    from flowscale.server import Workflow

    from .conftest import _quiet

    # Keep-alives 5 s apart, a read timeout of 0.2 s: silence must trigger a reconnect.
    with LocalServer(step_delay=0.005, keepalive_interval=5.0) as quiet_server:
        quiet_server.register_workflow(
            Workflow(
                id=QUIET,
                name="Quiet",
                inputs={"seconds": "number"},
                outputs={"result": "text"},
                fn=_quiet,
            )
        )
        options: dict[str, Any] = {
            "api_key": quiet_server.api_key,
            "base_url": quiet_server.base_url,
            "stream_read_timeout": 0.2,
        }
        if kind == "sync":
            with Flowscale(**options) as client:
                result = client.execute_workflow_async(QUIET, {"seconds": 1.0}, timeout=30)
        else:

            async def scenario() -> Any:
                async with AsyncFlowscale(**options) as client:
                    return await client.execute_workflow_async(QUIET, {"seconds": 1.0}, timeout=30)

            result = asyncio.run(scenario())
        assert result[0].file_content == "done"
        assert quiet_server.counters()["requests"]["stream_run_events"] >= 2
