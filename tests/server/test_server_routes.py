"""The server's one route table: derived from the spec, every operation served and guarded.

The operations come from ``flowscale/_spec_operations.py``, generated from the spec by
``scripts/spec-routes``; these tests re-derive it from the spec (drift fails), then walk the
spec's operations (not a hand list) against a running server: each answers a valid request
with something other than 404/405, and each answers 401 without a key.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import yaml

from flowscale._route_table import Operation, RouteTable
from flowscale._spec_operations import API_TABLE, OPERATIONS
from flowscale.server import LocalServer
from flowscale.server._app import api_routes
from flowscale.server._handlers import ApiHandlers

from .helpers import TEXT_TO_IMAGE

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi" / "flowscale.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace")


def _script() -> ModuleType:
    path = ROOT / "scripts" / "spec-routes"
    loader = importlib.machinery.SourceFileLoader("spec_routes", str(path))
    spec = importlib.util.spec_from_loader("spec_routes", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def test_generated_operations_match_the_spec() -> None:
    script = _script()
    module = ROOT / "flowscale" / "_spec_operations.py"
    assert module.read_text(encoding="utf-8") == script.render(_spec()), (
        "flowscale/_spec_operations.py is stale: run scripts/spec-routes"
    )


def test_every_spec_operation_is_in_the_table_once() -> None:
    spec = _spec()
    in_spec = {
        (method.upper(), path, op["operationId"])
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    }
    in_table = {(op.method, op.path, op.operation_id) for op in OPERATIONS}
    assert in_table == in_spec
    assert len(OPERATIONS) == len(in_spec)


def test_security_follows_the_spec() -> None:
    spec = _spec()
    default = spec.get("security", [])
    for op in OPERATIONS:
        declared = spec["paths"][op.path][op.method.lower()].get("security", default)
        assert op.needs_auth == any(req for req in declared), op.operation_id


def test_literal_paths_win_over_parameters() -> None:
    match = API_TABLE.match("GET", "/api/v1/runs/output")
    assert match is not None
    assert match.operation.operation_id == "get_output"
    match = API_TABLE.match("HEAD", "/api/v1/runs/r1/events")
    assert match is not None
    assert (match.operation.operation_id, dict(match.path_params)) == (
        "stream_run_events",
        {"run_id": "r1"},
    )
    assert API_TABLE.match("DELETE", "/api/v1/runs/r1") is None
    assert API_TABLE.match("GET", "/api/v1/runs/a/b/c") is None


def test_an_operation_without_a_handler_stops_the_build() -> None:
    extra = Operation("get_run_logs", "GET", "/api/v1/runs/{run_id}/logs", ("APIKeyHeader",))
    table = RouteTable([*OPERATIONS, extra])
    handlers = ApiHandlers.__new__(ApiHandlers)  # for_operation needs no state
    with pytest.raises(LookupError, match="get_run_logs"):
        api_routes(handlers, table)


def test_the_app_routes_are_the_spec_operations() -> None:
    handlers = ApiHandlers.__new__(ApiHandlers)
    routes = api_routes(handlers)
    served = {(m, r.path) for r in routes for m in (r.methods or ()) if m != "HEAD"}
    assert served == {(op.method, op.path) for op in OPERATIONS}


# ---- against a running server --------------------------------------------------------------


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[LocalServer, dict[str, str]]]:
    with LocalServer(step_delay=0.002, workers=1) as server:
        with httpx.Client(base_url=server.base_url, headers={"X-API-KEY": server.api_key}) as http:
            reply = http.post(
                "/api/v1/runs", params={"workflow_id": TEXT_TO_IMAGE}, data={"text_51536": "a"}
            )
            run_id = reply.json()["data"]["run_id"]
            for _ in range(500):
                run = http.get(f"/api/v1/runs/{run_id}").json()["data"]
                if run["status"] == "completed":
                    break
                time.sleep(0.01)
            values = {
                "run_id": run_id,
                "workflow_id": TEXT_TO_IMAGE,
                "filename": run["outputs"][0]["filename"],
            }
        yield server, values


def _valid_request(http: httpx.Client, op: Operation, values: dict[str, str]) -> httpx.Request:
    """A valid request for ``op``, built from its spec entry (parameters it requires)."""
    spec_op = _spec()["paths"][op.path][op.method.lower()]
    params = {}
    for param in spec_op.get("parameters", []):
        if "$ref" in param or param["in"] != "query" or not param.get("required"):
            continue
        assert param["name"] in values, f"no test value for parameter {param['name']!r}"
        params[param["name"]] = values[param["name"]]
    path = op.url_path(**{name: values[name] for name in op.path_params})
    files = None
    if op.request_media:
        assert "multipart/form-data" in op.request_media
        files = {"text_51536": (None, "a prompt")}
    return http.build_request(op.method, path, params=params, files=files)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.operation_id)
def test_every_operation_is_served(
    op: Operation, running: tuple[LocalServer, dict[str, str]]
) -> None:
    server, values = running
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        request = _valid_request(http, op, values)
        request.headers["X-API-KEY"] = server.api_key
        reply = http.send(request, stream=True)
        try:
            assert reply.status_code not in (404, 405), (op.operation_id, reply.read())
            assert reply.status_code < 400, (op.operation_id, reply.read())
        finally:
            reply.close()


@pytest.mark.parametrize(
    "op", [op for op in OPERATIONS if op.needs_auth], ids=lambda op: op.operation_id
)
def test_every_guarded_operation_needs_the_key(
    op: Operation, running: tuple[LocalServer, dict[str, str]]
) -> None:
    server, values = running
    before = server.counters()["runs_created"]
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        request = _valid_request(http, op, values)
        reply = http.send(request)
        assert reply.status_code == 401, op.operation_id
        assert reply.json()["status"] == "error"
    assert server.counters()["runs_created"] == before
