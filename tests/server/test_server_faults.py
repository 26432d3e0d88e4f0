"""Every fault kind, from Python and over the admin API, and the counters."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import httpx_sse
import pytest

from flowscale.server import LocalServer
from flowscale_api import AuthenticatedClient
from flowscale_api.api.comfy import check_health
from flowscale_api.api.runs import get_runs
from flowscale_api.models import ErrorEnvelope, HealthResponse

from .helpers import PROMPT_ENHANCER, TEXT_TO_IMAGE, Gate, events, execute_form, http, wait_end

pytestmark = pytest.mark.timeout(30)


def read_into(server: LocalServer, run_id: str, received: list[httpx_sse.ServerSentEvent]) -> None:
    """Append the stream's events to ``received`` until it ends (or breaks)."""
    with (
        http(server) as raw,
        httpx_sse.connect_sse(raw, "GET", f"/api/v1/runs/{run_id}/events") as source,
    ):
        for event in source.iter_sse():
            if event.data:
                received.append(event)


def test_latency_delays_then_answers(server: LocalServer, client: AuthenticatedClient) -> None:
    server.faults.latency(0.2, route="check_health", count=1)
    started = time.monotonic()
    response = check_health.sync_detailed(client=client)
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.2  # at least the injected delay
    assert server.faults.active() == []  # consumed


@pytest.mark.parametrize(
    "retry_after", ["2", format_datetime(datetime(2030, 1, 1, tzinfo=UTC), usegmt=True)]
)
def test_rate_limit(server: LocalServer, client: AuthenticatedClient, retry_after: str) -> None:
    server.faults.rate_limit(retry_after, route="check_health", count=2)
    for _ in range(2):
        limited = check_health.sync_detailed(client=client)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == retry_after
        assert isinstance(limited.parsed, ErrorEnvelope)
        assert limited.parsed.status == "error"
        # other routes are not affected
        assert get_runs.sync_detailed(client=client).status_code == 200
    assert check_health.sync_detailed(client=client).status_code == 200


@pytest.mark.parametrize("code", [500, 502, 503, 504])
def test_status_bursts(server: LocalServer, code: int) -> None:
    server.faults.status(code, count=3)  # any route
    with http(server) as client:
        for _ in range(3):
            response = client.get("/api/v1/comfy/queue")
            assert response.status_code == code
            assert response.json()["status"] == "error"
        assert client.get("/api/v1/comfy/queue").status_code == 200


def test_unlimited_fault_until_cleared(server: LocalServer) -> None:
    server.faults.status(503, route="get_workflows")
    with http(server) as client:
        for _ in range(5):
            assert client.get("/api/v1/comfy/workflows").status_code == 503
        server.faults.clear()
        assert client.get("/api/v1/comfy/workflows").status_code == 200


def test_reset_after_create(server: LocalServer) -> None:
    server.faults.reset_after_create()
    with http(server) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(
                "/api/v1/runs", params={"workflow_id": PROMPT_ENHANCER}, data={"prompt": "p"}
            )
        # The run was created (and counted) and runs to the end.
        assert server.counters()["runs_created"] == {PROMPT_ENHANCER: 1}
        (run,) = client.get("/api/v1/runs").json()["data"]["runs"]
        assert wait_end(server, run["_id"])["status"] == "completed"
        # Only once: the next execute answers.
        again = client.post(
            "/api/v1/runs", params={"workflow_id": PROMPT_ENHANCER}, data={"prompt": "p"}
        )
        assert again.status_code == 200


def test_reset_is_not_spent_on_invalid_requests(server: LocalServer) -> None:
    server.faults.reset_after_create()
    with http(server) as client:
        bad = client.post("/api/v1/runs", params={"workflow_id": PROMPT_ENHANCER}, data={})
        assert bad.status_code == 422
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(
                "/api/v1/runs", params={"workflow_id": PROMPT_ENHANCER}, data={"prompt": "p"}
            )


def test_drop_stream_after_n_events_then_resume(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "drop"})
    everything = events(server, run_id)  # the run is over, all events stored
    server.faults.drop_stream(after_events=3, count=1)
    received: list[httpx_sse.ServerSentEvent] = []
    with pytest.raises(httpx.RemoteProtocolError):
        read_into(server, run_id, received)
    assert [e.id for e in received] == ["1", "2", "3"]
    rest = events(server, run_id, last_event_id=received[-1].id)
    assert [e.id for e in received + rest] == [e.id for e in everything]


def test_drop_stream_while_live(server: LocalServer, client: AuthenticatedClient) -> None:
    gate = Gate()
    server.register_workflow(gate.workflow)
    run_id = execute_form(client, "gate", {"prompt": "p"})
    assert gate.started.wait(5)
    server.faults.drop_stream(after_events=2)
    with pytest.raises(httpx.RemoteProtocolError):
        read_into(server, run_id, [])
    server.faults.clear()
    gate.release.set()
    assert wait_end(server, run_id)["status"] == "completed"


def test_hang_never_answers_but_others_do(server: LocalServer) -> None:
    server.faults.hang(route="get_runs", count=1)
    with http(server) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/api/v1/runs", timeout=0.3)
        assert client.get("/api/v1/comfy/health").status_code == 200
        assert client.get("/api/v1/runs").status_code == 200  # count was 1


def test_stop_with_hung_requests_and_open_streams() -> None:
    server = LocalServer(step_delay=0.001).start()
    gate = Gate()
    server.register_workflow(gate.workflow)
    server.faults.hang(route="check_health")
    errors: list[BaseException] = []
    hung = threading.Event()

    def hang() -> None:
        with http(server) as client:
            hung.set()
            try:
                client.get("/api/v1/comfy/health", timeout=30)
            except httpx.HTTPError as exc:
                errors.append(exc)

    with http(server) as client:
        run_id = client.post(
            "/api/v1/runs", params={"workflow_id": "gate"}, data={"prompt": "p"}
        ).json()["data"]["run_id"]
        assert gate.started.wait(5)
        threads = [threading.Thread(target=hang) for _ in range(3)]
        threads += [threading.Thread(target=lambda: events(server, run_id)) for _ in range(3)]
        for thread in threads:
            thread.start()
        assert hung.wait(5)
        state = server._state
        assert state is not None
        # Wait until the three hung requests and the three streams reached the server.
        while server.counters()["requests"].get("check_health", 0) < 3:
            time.sleep(0.01)
        while state.hub.subscriber_count() < 3:
            time.sleep(0.01)
        started = time.monotonic()
        server.stop()
        for thread in threads:
            thread.join(10)
            assert not thread.is_alive()
        assert time.monotonic() - started < 5
    assert len(errors) == 3  # hung requests are cut, never answered


def test_admin_api(server: LocalServer) -> None:
    with http(server) as client:
        added = client.post(
            "/_admin/faults",
            json={"kind": "rate_limit", "route": "get_runs", "count": 1, "retry_after": "7"},
        )
        assert added.status_code == 200
        assert added.json()["data"] == [
            {"kind": "rate_limit", "route": "get_runs", "count": 1, "retry_after": "7"}
        ]
        limited = client.get("/api/v1/runs")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "7"
        client.post("/_admin/faults", json={"kind": "status", "code": 502})
        assert client.get("/_admin/faults").json()["data"][0]["code"] == 502
        assert client.get("/api/v1/comfy/health").status_code == 502
        assert client.delete("/_admin/faults").status_code == 200
        assert client.get("/api/v1/comfy/health").status_code == 200
        for bad in ({"kind": "nope"}, {"kind": "status"}, {"kind": "hang", "route": "x"}, [1]):
            rejected = client.post("/_admin/faults", json=bad)
            assert rejected.status_code == 400
            assert rejected.json()["status"] == "error"
        counters = client.get("/_admin/counters").json()["data"]
        assert counters == {
            "runs_created": {},
            "requests": {"get_runs": 1, "check_health": 2},
        }  # admin requests are not counted
        client.post("/api/v1/runs", params={"workflow_id": PROMPT_ENHANCER}, data={"prompt": "x"})
        assert client.get("/_admin/counters").json()["data"]["runs_created"] == {PROMPT_ENHANCER: 1}
        assert client.get("/_admin/file-requests").json()["data"] == []
        assert client.post("/_admin/reset").status_code == 200
        assert client.get("/_admin/counters").json()["data"] == {
            "runs_created": {},
            "requests": {},
        }


def test_counters_and_reset_from_python(server: LocalServer, client: AuthenticatedClient) -> None:
    execute_form(client, PROMPT_ENHANCER, {"prompt": "a"})
    execute_form(client, PROMPT_ENHANCER, {"prompt": "b"})
    health = check_health.sync(client=client)
    assert isinstance(health, HealthResponse)
    counters = server.counters()
    assert counters["runs_created"] == {PROMPT_ENHANCER: 2}
    assert counters["requests"] == {"execute_workflow": 2, "check_health": 1}
    server.faults.status(500)
    server.reset()
    assert server.faults.active() == []
    assert server.counters() == {"runs_created": {}, "requests": {}}
    assert check_health.sync_detailed(client=client).status_code == 200


def test_fault_arguments_are_checked(server: LocalServer) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        server.faults.status(500, route="nope")
    with pytest.raises(ValueError, match="count"):
        server.faults.hang(count=0)
    with pytest.raises(ValueError, match="only applies"):
        server.faults.drop_stream(1, route="get_run")
