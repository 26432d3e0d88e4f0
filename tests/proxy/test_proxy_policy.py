"""Policy: workflow allow-lists, upload size, runs in flight, request rate, CORS, exposure, and
how operations of the spec map to rules (a new one is proxied or refused without a hand edit)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from flowscale import Flowscale, RateLimitError
from flowscale._route_table import Operation, RouteTable
from flowscale._spec_operations import OPERATIONS
from flowscale.proxy import ProxyPolicy, RateLimiter, Rule, rule_for
from flowscale.server import LocalServer, RunContext, Workflow

from .conftest import MakeProxy, bearer

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
IMAGE_TO_IMAGE = "660f9411-f30c-52e5-b827-557766551111"
PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"
HELD = "held-for-limits"


def _runs_created(server: LocalServer) -> int:
    return sum(server.counters()["runs_created"].values())


def test_rules_come_from_the_table() -> None:
    rules = {op.operation_id: rule_for(op) for op in OPERATIONS}
    assert rules == {
        "check_health": Rule.REFUSED,
        "get_queue": Rule.REFUSED,
        "get_workflows": Rule.WORKFLOWS,
        "execute_workflow": Rule.EXECUTE,
        "get_runs": Rule.LIST_RUNS,
        "get_output": Rule.OUTPUT,
        "get_run": Rule.RUN,
        "cancel_run": Rule.RUN,
        "stream_run_events": Rule.RUN,
    }
    health = next(op for op in OPERATIONS if op.operation_id == "check_health")
    assert rule_for(health, {"check_health"}) is Rule.CLUSTER
    # Operations the spec may gain: scoped by their run, or refused until someone decides.
    logs = Operation("get_run_logs", "GET", "/api/v1/runs/{run_id}/logs", ("APIKeyHeader",))
    usage = Operation("get_usage", "GET", "/api/v1/usage", ("APIKeyHeader",))
    assert rule_for(logs) is Rule.RUN
    assert rule_for(usage) is Rule.REFUSED


def test_a_new_operation_is_scoped_or_refused(make_proxy: MakeProxy) -> None:
    logs = Operation("get_run_logs", "GET", "/api/v1/runs/{run_id}/logs", ("APIKeyHeader",))
    usage = Operation("get_usage", "GET", "/api/v1/usage", ("APIKeyHeader",))
    proxy = make_proxy(table=RouteTable([*OPERATIONS, logs, usage]))
    with httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=10) as http:
        assert http.get("/api/v1/usage").status_code == 404  # refused: never forwarded
        # Scoped by its run: someone else's (or nobody's) run is not found.
        assert http.get("/api/v1/runs/not-mine/logs").status_code == 404


def test_workflow_allow_lists(make_proxy: MakeProxy, upstream: LocalServer) -> None:
    proxy = make_proxy(
        ProxyPolicy(workflows={TEXT_TO_IMAGE, PROMPT_ENHANCER}, requests_per_second=None)
    )
    before = _runs_created(upstream)
    with httpx.Client(base_url=proxy.url, timeout=10) as http:
        listed = http.get("/api/v1/comfy/workflows", headers=bearer("alice")).json()["data"]
        assert {wf["id"] for wf in listed} == {TEXT_TO_IMAGE, PROMPT_ENHANCER}
        refused = http.post(
            "/api/v1/runs",
            params={"workflow_id": IMAGE_TO_IMAGE},
            headers=bearer("alice"),
            files={"prompt": (None, "x")},
        )
        assert refused.status_code == 403
        assert refused.json() == {
            "status": "error",
            "errors": f"Workflow not allowed: {IMAGE_TO_IMAGE}",
        }
        # The principal's own list (a JWT claim) narrows the global one.
        narrow = bearer("bob", workflows=[PROMPT_ENHANCER])
        listed = http.get("/api/v1/comfy/workflows", headers=narrow).json()["data"]
        assert [wf["id"] for wf in listed] == [PROMPT_ENHANCER]
        refused = http.post(
            "/api/v1/runs",
            params={"workflow_id": TEXT_TO_IMAGE},
            headers=narrow,
            files={"text_51536": (None, "x")},
        )
        assert refused.status_code == 403
    assert _runs_created(upstream) == before


def test_uploads_over_the_limit_get_413_and_create_nothing(
    make_proxy: MakeProxy, upstream: LocalServer
) -> None:
    proxy = make_proxy(ProxyPolicy(max_upload_bytes=256 * 1024, requests_per_second=None))
    before = _runs_created(upstream)
    big = b"\x89PNG" + b"\0" * (1024 * 1024)
    with httpx.Client(base_url=proxy.url, headers=bearer("alice"), timeout=20) as http:
        declared = http.post(
            "/api/v1/runs",
            params={"workflow_id": IMAGE_TO_IMAGE},
            files={"image_input": ("a.png", big, "image/png"), "prompt": (None, "x")},
        )
        assert declared.status_code == 413
        assert declared.json()["status"] == "error"

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
            boundary = b"--b0undary\r\n"
            yield boundary + b'Content-Disposition: form-data; name="prompt"\r\n\r\nx\r\n'
            yield boundary + (
                b'Content-Disposition: form-data; name="image_input"; filename="a.png"\r\n'
                b"Content-Type: image/png\r\n\r\n"
            )
            for _ in range(64):
                yield b"\0" * 16384
            yield b"\r\n--b0undary--\r\n"

        streamed = http.post(
            "/api/v1/runs",
            params={"workflow_id": IMAGE_TO_IMAGE},
            content=chunks(),
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
        assert streamed.status_code == 413
        # Under the limit, the same upload goes through.
        small = http.post(
            "/api/v1/runs",
            params={"workflow_id": IMAGE_TO_IMAGE},
            files={"image_input": ("a.png", big[:1000], "image/png"), "prompt": (None, "x")},
        )
        assert small.status_code == 200
    time.sleep(0.1)
    assert _runs_created(upstream) == before + 1


@pytest.fixture
def held(upstream: LocalServer) -> Iterator[threading.Event]:
    release = threading.Event()

    def wait(ctx: RunContext) -> dict[str, str]:
        while not release.is_set():
            ctx.sleep(0.01)
        return {"note.txt": "done"}

    upstream.register_workflow(
        Workflow(
            id=HELD, name="Held", fn=wait, inputs={"prompt": "string"}, outputs={"note": "text"}
        )
    )
    yield release
    release.set()


def test_in_flight_limit_gives_429_and_the_sdk_backs_off(
    make_proxy: MakeProxy, held: threading.Event
) -> None:
    proxy = make_proxy(ProxyPolicy(max_runs_in_flight=1, retry_after=1, requests_per_second=None))
    headers = bearer("alice")
    with httpx.Client(base_url=proxy.url, headers=headers, timeout=10) as http:
        first = http.post(
            "/api/v1/runs", params={"workflow_id": HELD}, files={"prompt": (None, "1")}
        )
        assert first.status_code == 200
        second = http.post(
            "/api/v1/runs", params={"workflow_id": HELD}, files={"prompt": (None, "2")}
        )
        assert second.status_code == 429
        assert second.headers["retry-after"] == "1"
        assert second.json()["status"] == "error"
        # Another user has their own allowance.
        other = http.post(
            "/api/v1/runs",
            params={"workflow_id": TEXT_TO_IMAGE},
            files={"text_51536": (None, "x")},
            headers=bearer("bob"),
        )
        assert other.status_code == 200
    with Flowscale(
        base_url=proxy.url, proxy_mode=True, custom_headers=headers, max_retries=6
    ) as client:
        timer = threading.Timer(0.5, held.set)
        timer.start()
        try:
            started = client.execute_workflow(HELD, {"prompt": "3"})  # 429, waits, succeeds
        finally:
            timer.cancel()
        assert started.run_id
        assert client.wait_for_run(started.run_id, timeout=30).status == "success"
        # Without retries the 429 surfaces as the typed error, with its Retry-After.
        held.clear()
        client.execute_workflow(HELD, {"prompt": "4"})
        with pytest.raises(RateLimitError) as caught:
            client.with_options(max_retries=0).execute_workflow(HELD, {"prompt": "5"})
        assert caught.value.retry_after == 1.0
        held.set()


def test_request_rate_limit(make_proxy: MakeProxy) -> None:
    proxy = make_proxy(ProxyPolicy(requests_per_second=0.5, burst=3))
    with httpx.Client(base_url=proxy.url, timeout=10) as http:
        codes = [http.get("/api/v1/runs", headers=bearer("alice")).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200]
        assert codes[3:] == [429, 429]
        limited = http.get("/api/v1/runs", headers=bearer("alice"))
        assert 1 <= int(limited.headers["retry-after"]) <= 2
        assert http.get("/api/v1/runs", headers=bearer("bob")).status_code == 200


def test_rate_limiter_unit() -> None:
    now = [0.0]
    limiter = RateLimiter(2.0, 2, clock=lambda: now[0], max_principals=2)
    assert [limiter.take("a"), limiter.take("a")] == [0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("a") == 0.0
    limiter.take("b")
    limiter.take("c")  # "a" forgotten: a full bucket again
    assert limiter.take("a") == 0.0


def test_cors_only_for_listed_origins(make_proxy: MakeProxy) -> None:
    proxy = make_proxy(ProxyPolicy(cors_origins=["https://app.example"], requests_per_second=None))
    with httpx.Client(base_url=proxy.url, timeout=10) as http:
        preflight = http.options(
            "/api/v1/runs",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://app.example"
        assert "Authorization" in preflight.headers["access-control-allow-headers"]
        denied = http.options(
            "/api/v1/runs",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert denied.status_code == 403
        assert "access-control-allow-origin" not in denied.headers
        headers = {**bearer("alice"), "Origin": "https://app.example"}
        reply = http.get("/api/v1/runs", headers=headers)
        assert reply.headers["access-control-allow-origin"] == "https://app.example"
        reply = http.get("/api/v1/runs", headers={**bearer("alice"), "Origin": "https://x.test"})
        assert "access-control-allow-origin" not in reply.headers
    with pytest.raises(ValueError, match="explicit"):
        ProxyPolicy(cors_origins=["*"])


def test_health_and_queue_only_when_exposed(make_proxy: MakeProxy) -> None:
    closed = make_proxy()
    opened = make_proxy(ProxyPolicy(expose={"check_health"}, requests_per_second=None))
    with httpx.Client(timeout=10, headers=bearer("alice")) as http:
        assert http.get(closed.url + "/api/v1/comfy/health").status_code == 404
        assert http.get(closed.url + "/api/v1/comfy/queue").status_code == 404
        assert http.get(opened.url + "/api/v1/comfy/health").status_code == 200
        assert http.get(opened.url + "/api/v1/comfy/queue").status_code == 404
        assert http.get(opened.url + "/api/v1/nothing-here").status_code == 404
        wrong = http.delete(opened.url + "/api/v1/runs")
        assert wrong.status_code == 405
        assert "GET" in wrong.headers["allow"]
