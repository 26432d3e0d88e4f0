"""The SSE event stream: framing, replay with from_seq and Last-Event-ID, live follow,
keep-alive comments, and closing."""

from __future__ import annotations

import json
import threading

import httpx
import httpx_sse
import pytest

from flowscale.server import LocalServer, RunContext, Workflow
from flowscale_api import AuthenticatedClient

from .helpers import PROMPT_ENHANCER, TEXT_TO_IMAGE, Gate, data, events, execute_form, wait_end

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def finished(
    server: LocalServer, client: AuthenticatedClient
) -> tuple[str, list[dict[str, object]]]:
    run_id = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "replay"})
    wait_end(server, run_id)
    return run_id, [data(e) for e in events(server, run_id)]


def test_frames_follow_the_spec(server: LocalServer, client: AuthenticatedClient) -> None:
    run_id = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "frames"})
    wait_end(server, run_id)
    with (
        httpx.Client(base_url=server.base_url, headers={"X-API-KEY": server.api_key}) as raw,
        raw.stream("GET", f"/api/v1/runs/{run_id}/events") as response,
    ):
        assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
        text = response.read().decode()
    blocks = text.split("\n\n")
    assert blocks[0] == "retry: 1000"
    assert blocks[-1] == ""
    seqs = []
    for block in blocks[1:-1]:
        lines = block.split("\n")
        assert [line.split(":", 1)[0] for line in lines] == ["id", "event", "data"]
        seq = int(lines[0].removeprefix("id: "))
        kind = lines[1].removeprefix("event: ")
        payload = json.loads(lines[2].removeprefix("data: "))
        assert payload["seq"] == seq
        assert payload["type"] == kind
        assert payload["run_id"] == run_id
        assert payload["timestamp"].endswith("Z")
        seqs.append(seq)
    assert seqs == list(range(1, len(seqs) + 1))
    kinds = [json.loads(b.split("\n")[2][6:])["type"] for b in blocks[1:-1]]
    assert kinds[0] == "status"
    assert kinds[-2:] == ["status", "end"]
    assert {"progress", "log", "output"} <= set(kinds)


def test_event_payloads(finished: tuple[str, list[dict[str, object]]]) -> None:
    _, received = finished
    queued, running = received[0], received[1]
    assert (queued["status"], queued["queue_position"]) == ("queued", 0)
    assert running["status"] == "running"
    progress = next(e for e in received if e["type"] == "progress")
    assert {"node_id", "node_type", "value", "max"} <= set(progress)
    output = next(e for e in received if e["type"] == "output")
    assert output["generation_status"] == "success"
    assert str(output["filename"]).endswith(".png")
    assert str(output["download_url"]).startswith("http://127.0.0.1:")
    assert received[-1] == {**received[-1], "type": "end", "status": "completed"}


@pytest.mark.parametrize("from_seq", [0, 1])
def test_from_seq_zero_and_one_mean_from_the_start(
    server: LocalServer, finished: tuple[str, list[dict[str, object]]], from_seq: int
) -> None:
    run_id, everything = finished
    assert [data(e)["seq"] for e in events(server, run_id, from_seq=from_seq)] == [
        e["seq"] for e in everything
    ]


def test_from_seq_is_inclusive(
    server: LocalServer, finished: tuple[str, list[dict[str, object]]]
) -> None:
    run_id, everything = finished
    replay = events(server, run_id, from_seq=4)
    assert [int(e.id) for e in replay] == list(range(4, len(everything) + 1))


def test_last_event_id_resumes_after_and_wins(
    server: LocalServer, finished: tuple[str, list[dict[str, object]]]
) -> None:
    run_id, everything = finished
    replay = events(server, run_id, last_event_id="5", from_seq=2)
    assert [int(e.id) for e in replay] == list(range(6, len(everything) + 1))


def test_asking_past_the_end_closes_at_once(
    server: LocalServer, finished: tuple[str, list[dict[str, object]]]
) -> None:
    run_id, everything = finished
    assert events(server, run_id, from_seq=len(everything) + 1) == []
    assert events(server, run_id, last_event_id=str(len(everything))) == []
    assert events(server, run_id, from_seq=10_000) == []


def test_live_follow_then_resume_mid_run(server: LocalServer, client: AuthenticatedClient) -> None:
    step = threading.Event()
    reached = threading.Event()

    def fn(ctx: RunContext) -> dict[str, str]:
        ctx.progress(1, 2, node_id="1")
        reached.set()
        while not step.is_set():
            ctx.sleep(0.005)
        ctx.progress(2, 2, node_id="1")
        return {"out.txt": "done"}

    server.register_workflow(Workflow(id="two-steps", name="Two steps", fn=fn))
    run_id = execute_form(client, "two-steps", {})
    assert reached.wait(5)
    # queued, running, progress 1 are stored; read them live, then the stream waits.
    first = events(server, run_id, limit=3)
    assert [data(e)["type"] for e in first] == ["status", "status", "progress"]
    step.set()
    rest = events(server, run_id, last_event_id=first[-1].id)
    assert [data(e)["type"] for e in rest] == ["progress", "output", "status", "end"]
    assert [int(e.id) for e in rest] == [4, 5, 6, 7]


def test_many_streams_see_the_same_events(server: LocalServer, client: AuthenticatedClient) -> None:
    gate = Gate()
    server.register_workflow(gate.workflow)
    run_id = execute_form(client, "gate", {"prompt": "p"})
    results: list[list[int]] = []

    def follow() -> None:
        results.append([int(e.id) for e in events(server, run_id)])

    threads = [threading.Thread(target=follow) for _ in range(5)]
    for thread in threads:
        thread.start()
    assert gate.started.wait(5)
    gate.release.set()
    for thread in threads:
        thread.join(10)
    assert len(results) == 5
    assert all(r == results[0] for r in results)
    assert results[0] == list(range(1, len(results[0]) + 1))


def test_keep_alive_comments_while_idle() -> None:
    with LocalServer(step_delay=0.001, keepalive_interval=0.05) as server:
        gate = Gate()
        server.register_workflow(gate.workflow)
        with httpx.Client(
            base_url=server.base_url, headers={"X-API-KEY": server.api_key}, timeout=10
        ) as client:
            run_id = client.post(
                "/api/v1/runs", params={"workflow_id": "gate"}, data={"prompt": "p"}
            ).json()["data"]["run_id"]
            assert gate.started.wait(5)
            lines = []
            with client.stream("GET", f"/api/v1/runs/{run_id}/events") as response:
                for line in response.iter_lines():
                    lines.append(line)
                    if line == ": keep-alive":
                        gate.release.set()  # seen one: let the run finish
            assert ": keep-alive" in lines
            assert lines[-2].startswith("data: ")
            assert '"type":"end"' in lines[-2]


def test_stream_ends_when_the_server_stops() -> None:
    server = LocalServer(step_delay=0.001).start()
    gate = Gate()
    server.register_workflow(gate.workflow)
    try:
        with httpx.Client(
            base_url=server.base_url, headers={"X-API-KEY": server.api_key}, timeout=10
        ) as client:
            run_id = client.post(
                "/api/v1/runs", params={"workflow_id": "gate"}, data={"prompt": "p"}
            ).json()["data"]["run_id"]
            assert gate.started.wait(5)
            stopper = threading.Thread(target=server.stop)
            received = []
            with httpx_sse.connect_sse(client, "GET", f"/api/v1/runs/{run_id}/events") as source:
                for event in source.iter_sse():
                    if event.data:
                        received.append(event)
                    if len(received) == 3 and stopper.ident is None:
                        stopper.start()  # queued, running, progress: the stream idles now
            stopper.join(10)
            assert not stopper.is_alive()
            assert [e.event for e in received] == ["status", "status", "progress"]
    finally:
        server.stop()


def test_prompt_enhancer_events_are_persisted(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_form(client, PROMPT_ENHANCER, {"prompt": "p"})
    wait_end(server, run_id)
    once = [e.data for e in events(server, run_id)]
    twice = [e.data for e in events(server, run_id)]
    assert once == twice


def test_an_open_stream_holds_no_starlette_layers_and_one_watcher(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    # A stream stays open for the whole run: it is served in front of Starlette's middleware
    # and router, with one watcher task (the client going away); shutdown closes it through
    # the hub. Fewer objects held per stream: shorter garbage collections with a thousand.
    import asyncio
    import concurrent.futures

    gate = Gate()
    server.register_workflow(gate.workflow)
    run_id = execute_form(client, "gate", {"prompt": "p"})
    assert gate.started.wait(5)
    loop = server._loop
    assert loop is not None

    def chains() -> list[list[str]]:
        found = []
        for task in asyncio.all_tasks(loop):
            names, coro = [], task.get_coro()
            while coro is not None:
                names.append(getattr(coro, "__qualname__", type(coro).__name__))
                coro = getattr(coro, "cr_await", None)
            found.append(names)
        return found

    with (
        httpx.Client(base_url=server.base_url, headers={"X-API-KEY": server.api_key}) as raw,
        raw.stream("GET", f"/api/v1/runs/{run_id}/events") as response,
    ):
        assert response.status_code == 200
        lines = response.iter_lines()
        next(lines)  # the stream is open and waiting
        done: concurrent.futures.Future[list[list[str]]] = concurrent.futures.Future()
        loop.call_soon_threadsafe(lambda: done.set_result(chains()))
        tasks = done.result(5)
        gate.release.set()
        assert any('"type":"end"' in line for line in lines)
    serving = [names for names in tasks if "EventStream.__call__" in names]
    assert len(serving) == 1
    assert not [name for name in serving[0] if "Starlette" in name or "Router" in name]
    watchers = [names for names in tasks if names[0].startswith("EventStream.__call__.")]
    assert [names[0] for names in watchers] == ["EventStream.__call__.<locals>.watch_disconnect"]
