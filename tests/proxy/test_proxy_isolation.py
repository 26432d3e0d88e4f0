"""Isolation: user B tries every route on user A's runs and outputs; none succeeds.

"Success" is anything but a 404 (or, for the list, any of A's runs appearing). The attempt
count is printed for the closing note.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest

from flowscale import Flowscale
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer, RunContext, Workflow

from .conftest import MakeProxy, bearer

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
HELD = "held-workflow"


@pytest.fixture(scope="module")
def gate() -> Iterator[threading.Event]:
    released = threading.Event()
    yield released
    released.set()


@pytest.fixture
def held_upstream(upstream: LocalServer, gate: threading.Event) -> LocalServer:
    def held(ctx: RunContext) -> dict[str, str]:
        while not gate.is_set():
            ctx.sleep(0.01)
        return {"note.txt": "done"}

    upstream.register_workflow(
        Workflow(
            id=HELD, name="Held", fn=held, inputs={"prompt": "string"}, outputs={"note": "text"}
        )
    )
    return upstream


def _client(server: ProxyServer, user: str) -> Flowscale:
    return Flowscale(base_url=server.url, proxy_mode=True, custom_headers=bearer(user), timeout=10)


def test_b_cannot_reach_a_on_any_route(
    make_proxy: MakeProxy,
    held_upstream: LocalServer,
    gate: threading.Event,
    capsys: pytest.CaptureFixture[str],
) -> None:
    proxy = make_proxy()
    with _client(proxy, "alice") as alice:
        done = alice.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "a fox"}, timeout=30)
        running = alice.execute_workflow(HELD, {"prompt": "wait"})
        outputs = [o.filename for o in done.outputs]
        assert outputs
        a_runs = {done.run_id, running.run_id}
        a_run = alice.get_run(done.run_id)
        a_group = a_run.group_id
        # A sees all of its own.
        assert {r.id for r in alice.get_runs(page_size=100).runs} >= a_runs
        assert alice.get_output(outputs[0]) is not None

    headers = bearer("bob")
    attempts = 0
    successes: list[str] = []

    def attempt(label: str, reply: httpx.Response, *, listing: bool = False) -> None:
        nonlocal attempts
        attempts += 1
        if listing:
            if reply.status_code != 200:
                successes.append(f"{label}: list failed {reply.status_code}")
                return
            seen = {r["_id"] for r in reply.json()["data"]["runs"]}
            if seen & a_runs:
                successes.append(f"{label}: A's runs listed")
        elif reply.status_code != 404 or (
            reply.request.method != "HEAD" and reply.json()["status"] != "error"
        ):
            successes.append(f"{label}: {reply.status_code} {reply.text[:100]}")

    guessed = [
        *sorted(a_runs),
        done.run_id.upper(),
        str(uuid.uuid4()),
        "..",
        "%2e%2e",
        f"{done.run_id}%2F..",
    ]
    with httpx.Client(base_url=proxy.url, headers=headers, timeout=10) as http:
        for run_id in guessed:
            attempt(f"get_run {run_id}", http.get(f"/api/v1/runs/{run_id}"))
            attempt(f"cancel_run {run_id}", http.post(f"/api/v1/runs/{run_id}/cancel"))
            attempt(f"events {run_id}", http.get(f"/api/v1/runs/{run_id}/events"))
            attempt(
                f"events from_seq {run_id}",
                http.get(f"/api/v1/runs/{run_id}/events", params={"from_seq": 1}),
            )
            attempt(
                f"events Last-Event-ID {run_id}",
                http.get(f"/api/v1/runs/{run_id}/events", headers={"Last-Event-ID": "0"}),
            )
            attempt(f"HEAD run {run_id}", http.head(f"/api/v1/runs/{run_id}"))
        for name in [*outputs, *(o.split(".")[0] for o in outputs), "filename_prefix_1_AAAAAAAAAA"]:
            attempt(
                f"get_output {name}", http.get("/api/v1/runs/output", params={"filename": name})
            )
        for params in (
            {},
            {"group_id": a_group},
            {"group_id": ""},
            {"page_size": "100", "sort_order": "asc"},
        ):
            attempt(f"get_runs {params}", http.get("/api/v1/runs", params=params), listing=True)
        # B starts a run "in A's group": it lands in B's group, and A's runs stay A's.
        reply = http.post(
            "/api/v1/runs",
            params={"workflow_id": TEXT_TO_IMAGE, "group_id": a_group},
            files={"text_51536": (None, "sneaky")},
        )
        assert reply.status_code == 200
        b_run = reply.json()["data"]["run_id"]
        assert http.get(f"/api/v1/runs/{b_run}").json()["data"]["group_id"] != a_group
        attempt("get_runs after joining", http.get("/api/v1/runs"), listing=True)

    gate.set()
    # A's held run was never cancelled by B.
    with _client(proxy, "alice") as alice:
        assert alice.wait_for_run(running.run_id, timeout=30).status == "success"
    with capsys.disabled():
        print(f"\nproxy isolation: {attempts} attempts by B on A's runs, {len(successes)} won")
    assert successes == []
    assert attempts >= 50
