"""`client.api`: every operation of the spec, found by walking the spec (not a hand list), called
through the client's request path against the local server; and `.raw` / `to_dict()`."""

from __future__ import annotations

import asyncio
import json
import pathlib
import re
import socket
from typing import Any

import attrs
import pytest
import yaml

import flowscale
import flowscale._types as flowscale_types
from flowscale import AsyncFlowscale, Flowscale, NotFoundError
from flowscale.server import LocalServer

from .conftest import SLOW
from .test_request_path import CountingServer

SPEC = yaml.safe_load(
    (pathlib.Path(__file__).parents[2] / "openapi" / "flowscale.yaml").read_text()
)
METHODS = ("get", "put", "post", "delete", "patch")


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A parameter object, following `$ref`s within the spec."""
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def spec_operations() -> list[tuple[str, dict[str, Any]]]:
    found = [
        (
            op["operationId"],
            {**op, "parameters": [*item.get("parameters", []), *op.get("parameters", [])]},
        )
        for item in SPEC["paths"].values()
        for method, op in item.items()
        if method in METHODS
    ]
    # Start a run first: the other operations need its id.
    return sorted(found, key=lambda pair: pair[0] != "execute_workflow")


# Values for the parameters the spec's operations require, by name: an operation added with a
# new required parameter fails below with a message saying which value to add here.
def values(run: Any) -> dict[str, Any]:
    return {"run_id": run and run.run_id, "workflow_id": SLOW, "filename": run and run[0].filename}


BODIES = {"WorkflowInputsForm": {"seconds": "0.01"}}


def arguments(op_id: str, op: dict[str, Any], run: Any) -> tuple[list[Any], dict[str, Any]]:
    from flowscale_api import models

    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    known = values(run)
    for param in map(resolve, op["parameters"]):
        if not param.get("required"):
            continue
        name = param["name"]
        if name not in known:
            pytest.fail(f"{op_id} requires {name!r}: add a value for it to values()")
        if param["in"] == "path":
            args.append(known[name])
        else:
            kwargs[name] = known[name]
    body = op.get("requestBody")
    if body is not None:
        schemas = [c["schema"]["$ref"].rsplit("/", 1)[1] for c in body["content"].values()]
        schema = next((name for name in schemas if name in BODIES), None)
        if schema is None:
            pytest.fail(f"{op_id} takes a body of {schemas}: add one to BODIES")
        kwargs["body"] = getattr(models, schema).from_dict(BODIES[schema])
    return args, kwargs


def test_the_spec_walk_covers_what_the_generated_client_has(server: LocalServer) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        assert sorted(op_id for op_id, _ in spec_operations()) == client.api.operations
        assert "get_run" in dir(client.api)
        with pytest.raises(AttributeError, match="no operation 'nope'"):
            _ = client.api.nope


def test_every_operation_of_the_spec_is_callable_through_client_api(server: LocalServer) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        run: Any = None
        for op_id, op in spec_operations():
            args, kwargs = arguments(op_id, op, run)
            response: Any = getattr(client.api, op_id).detailed(*args, **kwargs)
            assert 200 <= response.status_code < 300, (op_id, response.status_code)
            if op_id == "execute_workflow":
                # Later operations see the run complete, with its output.
                run = client.wait_for_run(response.parsed.data.run_id, timeout=30)
            else:
                assert response.parsed is not None, op_id
        assert server.counters()["requests"]["get_run"] >= 1


def test_every_operation_of_the_spec_is_callable_through_async_client_api(
    server: LocalServer,
) -> None:
    async def main() -> None:
        async with AsyncFlowscale(api_key=server.api_key, base_url=server.base_url) as client:
            run: Any = None
            for op_id, op in spec_operations():
                args, kwargs = arguments(op_id, op, run)
                parsed: Any = await getattr(client.api, op_id)(*args, **kwargs)
                assert parsed is not None, op_id
                if op_id == "execute_workflow":
                    run = await client.wait_for_run(parsed.data.run_id, timeout=30)

    asyncio.run(main())


def test_client_api_raises_the_typed_errors_and_sends_the_key(server: LocalServer) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url, max_retries=1) as client:
        with pytest.raises(NotFoundError):
            client.api.get_run("no-such-run")
        server.faults.status(503, route="get_queue", count=1)
        assert client.api.get_queue() is not None  # retried by the request path
    with (
        Flowscale(api_key="wrong", base_url=server.base_url) as client,
        pytest.raises(flowscale.AuthenticationError),
    ):
        client.api.check_health()


# ---- nothing lost ---------------------------------------------------------------------------


def test_a_field_the_sdk_does_not_model_is_readable_through_raw() -> None:
    run = {
        "_id": "r1",
        "status": "failed",
        "priority": 7,  # not in the spec (yet)
        "error": {"message": "boom", "node_id": "3", "retryable": False},
        "inputs": [{"path": "prompt", "value": "p", "origin": "form"}],
        "created_at": "2026-01-02T03:04:05+00:00",
    }
    body = json.dumps({"status": "success", "data": run}).encode()

    def reply(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )

    server = _OneReply(reply)
    try:
        with Flowscale(api_key="k", base_url=server.url) as client:
            got = client.get_run("r1")
    finally:
        server.close()
    assert got.raw["priority"] == 7
    assert got.error is not None
    assert got.error.raw["retryable"] is False
    assert got.inputs[0].raw["origin"] == "form"
    assert json.loads(json.dumps(got.to_dict()))["created_at"] == "2026-01-02T03:04:05+00:00"
    assert "raw" not in got.to_dict()


class _OneReply(CountingServer):
    def __init__(self, reply: Any) -> None:
        self._reply = reply
        super().__init__("custom")

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            self._reply(conn)


def test_every_value_type_is_json_ready(server: LocalServer, tmp_path: pathlib.Path) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        submitted = client.execute_workflow(SLOW, {"seconds": 0.01})
        result = client.wait_for_run(submitted.run_id, timeout=30)
        output = client.get_output(result[0].filename)
        values: list[Any] = [
            *client.check_health(),
            *client.get_queue(),
            *client.get_workflows(),
            submitted,
            client.get_run(submitted.run_id),
            client.get_runs(),
            result,
            output,
        ]
    kinds = set()
    for value in values:
        assert value is not None
        kinds.add(type(value).__name__)
        encoded = json.dumps(value.to_dict())
        assert json.loads(encoded)
        assert value.raw is not None
    assert {"Run", "RunPage", "Workflow", "SubmittedRun", "Output", "RunResult"} <= kinds
    assert result.raw == result.run.raw if result.run is not None else result.raw == {}


def test_every_public_value_class_has_raw_and_to_dict() -> None:
    classes = [
        getattr(flowscale, name)
        for name in flowscale.__all__
        if isinstance(getattr(flowscale, name, None), type)
        and attrs.has(getattr(flowscale, name))
        # Public names report __module__ "flowscale": find the value types by where they live.
        and getattr(flowscale_types, name, None) is getattr(flowscale, name)
    ]
    assert len(classes) >= 10
    for cls in classes:
        assert hasattr(cls, "to_dict"), cls
        assert hasattr(cls, "raw"), cls
    assert re.match(r"\d", flowscale.__version__)
