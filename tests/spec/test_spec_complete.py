"""The spec describes everything a generator in any language needs (issue 9 item 6), and the
Python client generated from it still works with the constructs that needed (file-or-text
multipart fields, the typed event-stream reply)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from flowscale.server import LocalServer
from flowscale_api import AuthenticatedClient
from flowscale_api.api.runs import execute_workflow, get_run, stream_run_events
from flowscale_api.models import (
    ExecuteResponse,
    HTTPValidationError,
    RunResponse,
    ValidationErrorItem,
    WorkflowInputsMultipart,
)

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "flowscale.yaml").read_text())
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
METHODS = {"get", "post", "put", "patch", "delete"}
# The vendor file's *ResponseWrapper envelopes (all declare `meta`) and ours for the same replies.
VENDOR_ENVELOPES_WITH_META = {
    "ComfyHealthCheckResponseWrapper": "HealthResponse",
    "ComfyQueueResponseWrapper": "QueueResponse",
    "ComfyRunResponseWrapper": "ExecuteResponse",
    "RunDetailResponseWrapper": "RunResponse",
    "RunListResponseWrapper": "RunListResponse",
    "RunOutputResponseWrapper": "OutputResponse",
}
TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"


def ref_name(node: dict[str, Any]) -> str:
    return str(node["$ref"]).rsplit("/", 1)[-1]


def operations() -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_info_has_contact_and_license() -> None:
    assert SPEC["info"]["contact"]["url"].startswith("https://")
    assert SPEC["info"]["license"] == {"name": "MIT", "identifier": "MIT"}


@pytest.mark.parametrize(("name", "operation"), list(operations()))
def test_every_operation_and_parameter_is_described(name: str, operation: dict[str, Any]) -> None:
    assert operation.get("description", "").strip(), name
    for parameter in operation.get("parameters", []):
        if "$ref" in parameter:
            parameter = SPEC["components"]["parameters"][ref_name(parameter)]
        assert parameter.get("description", "").strip(), (name, parameter["name"])


def test_validation_errors_are_narrowable_and_carry_the_input() -> None:
    assert SCHEMAS["HTTPValidationError"]["required"] == ["detail"]
    assert "input" in SCHEMAS["ValidationErrorItem"]["properties"]
    assert "detail" not in SCHEMAS["ErrorEnvelope"]["properties"]  # `detail` tells them apart


@pytest.mark.parametrize("envelope", sorted(VENDOR_ENVELOPES_WITH_META.values()))
def test_envelopes_declare_meta_where_the_vendor_does(envelope: str) -> None:
    meta = SCHEMAS[envelope]["properties"]["meta"]
    assert {"type": "null"} in meta["anyOf"]


def test_the_event_stream_reply_is_the_union_of_every_event_type() -> None:
    reply = SPEC["paths"]["/api/v1/runs/{run_id}/events"]["get"]["responses"]["200"]
    schema = reply["content"]["text/event-stream"]["schema"]
    assert ref_name(schema) == "RunEventData"
    branches = SCHEMAS["RunEventData"]["oneOf"]
    typed = {ref_name(b) for b in branches if "$ref" in b}
    declared = {n for n in SCHEMAS if n.startswith("RunEvent")} - {
        "RunEvent",
        "RunEventCommon",
        "RunEventData",
    }
    assert typed == declared
    assert {"type": "string"} in branches  # what a whole-body reader (the Python client) gets
    for name in typed:
        parts = SCHEMAS[name]["allOf"]
        assert ref_name(parts[0]) == "RunEvent"  # every event is a RunEvent ...
        tag = parts[-1]["properties"]["type"]
        assert tag["type"] == "string"
        assert len(tag["enum"]) == 1  # ... with its own fixed `type`
        assert name == "RunEvent" + tag["enum"][0].capitalize()


def test_generated_validation_error_requires_detail() -> None:
    item = ValidationErrorItem.from_dict(
        {"loc": ["query", "page"], "msg": "bad", "type": "int_parsing", "input": "x"}
    )
    assert item.input_ == "x"
    with pytest.raises(KeyError):
        HTTPValidationError.from_dict({})


@pytest.fixture(scope="module")
def client() -> Iterator[AuthenticatedClient]:
    with (
        LocalServer(step_delay=0.002) as server,
        AuthenticatedClient(
            base_url=server.base_url,
            token=server.api_key,
            prefix="",
            auth_header_name="X-API-KEY",
            timeout=httpx.Timeout(10.0),
        ) as authenticated,
    ):
        yield authenticated


def test_generated_client_sends_a_str_part_as_text_and_reads_the_stream_as_text(
    client: AuthenticatedClient,
) -> None:
    body = WorkflowInputsMultipart()
    body["text_51536"] = "text, not a file"  # the `string` branch of the file-or-text union
    created = execute_workflow.sync(client=client, workflow_id=TEXT_TO_IMAGE, body=body)
    assert isinstance(created, ExecuteResponse), created
    run_id = created.data.run_id
    text = stream_run_events.sync(run_id, client=client)  # reads to the end event
    assert isinstance(text, str)
    assert "event: end" in text
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    values = {i.path: i.value for i in run.data.inputs or []}
    assert values["text_51536"] == "text, not a file"
