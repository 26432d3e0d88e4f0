"""The spec is valid OpenAPI 3.1, covers the nine operations, and its examples parse."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = yaml.safe_load((ROOT / "openapi" / "flowscale.yaml").read_text())

OPERATIONS = {
    ("get", "/api/v1/comfy/health"): "check_health",
    ("get", "/api/v1/comfy/queue"): "get_queue",
    ("get", "/api/v1/comfy/workflows"): "get_workflows",
    ("post", "/api/v1/runs"): "execute_workflow",
    ("get", "/api/v1/runs"): "get_runs",
    ("get", "/api/v1/runs/{run_id}"): "get_run",
    ("get", "/api/v1/runs/output"): "get_output",
    ("post", "/api/v1/runs/{run_id}/cancel"): "cancel_run",
    ("get", "/api/v1/runs/{run_id}/events"): "stream_run_events",
}


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_spec_is_valid_openapi_3_1() -> None:
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_spec_has_exactly_the_nine_operations() -> None:
    found = {
        (method, path): op["operationId"]
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
    }
    assert found == OPERATIONS


@pytest.mark.parametrize(("method", "path"), list(OPERATIONS))
def test_every_operation_needs_the_api_key_and_documents_auth_errors(
    method: str, path: str
) -> None:
    assert SPEC["security"] == [{"APIKeyHeader": []}]
    assert SPEC["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-KEY",
    }
    responses = SPEC["paths"][path][method]["responses"]
    for status in ("401", "403"):
        schema = resolve(resolve(responses[status])["content"]["application/json"]["schema"])
        assert set(schema["required"]) == {"status"}
        assert "errors" in schema["properties"]


def test_open_strings_are_never_closed_enums() -> None:
    schemas = SPEC["components"]["schemas"]
    for name, field in [
        ("Run", "status"),
        ("OutputData", "generation_status"),
        ("ContainerHealth", "status"),
        ("RunEvent", "type"),
    ]:
        schema = schemas[name]
        props = schema.get("properties") or schema["allOf"][-1]["properties"]
        assert props[field]["type"] == "string"
        assert "enum" not in props[field]


def test_older_generation_fields_are_optional() -> None:
    schemas = SPEC["components"]["schemas"]
    assert schemas["RunCreated"]["required"] == ["run_id"]
    assert {"output_names", "number", "node_errors", "workflow_id"} <= set(
        schemas["RunCreated"]["properties"]
    )
    assert schemas["RunList"]["required"] == ["runs"]
    assert {"group_id", "count"} <= set(schemas["RunList"]["properties"])
    health = schemas["ContainerHealth"]
    assert health["required"] == ["status"]
    assert {"container", "url"} <= set(health["properties"])
    assert schemas["ContainerQueue"]["required"] == ["queue"]
    assert {"container", "comfy_uri"} <= set(schemas["ContainerQueue"]["properties"])


def test_execute_accepts_multipart_and_urlencoded() -> None:
    body = SPEC["paths"]["/api/v1/runs"]["post"]["requestBody"]["content"]
    assert set(body) == {"multipart/form-data", "application/x-www-form-urlencoded"}


def test_output_endpoint_statuses() -> None:
    responses = SPEC["paths"]["/api/v1/runs/output"]["get"]["responses"]
    assert {"200", "204", "408", "422"} <= set(responses)
    assert "content" not in responses["204"]


# ---- every example parses through the generated models -------------------------------


def _examples() -> list[tuple[str, str, Any]]:
    cases = []
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                for media, content in resolve(response).get("content", {}).items():
                    if media != "application/json":
                        continue
                    schema_name = content["schema"]["$ref"].rsplit("/", 1)[-1]
                    for name, example in content.get("examples", {}).items():
                        value = resolve(example)["value"]
                        cases.append((f"{method} {path} {status} {name}", schema_name, value))
    return cases


EXAMPLES = _examples()


def model(schema_name: str) -> Any:
    module = importlib.import_module("flowscale_api.models")
    return getattr(module, schema_name)


def test_the_seed_examples_are_all_there() -> None:
    ids = {case[0] for case in EXAMPLES}
    for wanted in [
        "get /api/v1/comfy/health 200 seed",
        "get /api/v1/comfy/queue 200 seed",
        "get /api/v1/comfy/workflows 200 seed",
        "post /api/v1/runs 200 seed",
        "post /api/v1/runs 200 legacy",
        "get /api/v1/runs 200 seed",
        "get /api/v1/runs 200 paged",
        "get /api/v1/runs/{run_id} 200 seed",
        "get /api/v1/runs/output 200 file",
        "get /api/v1/runs/output 200 text",
        "post /api/v1/runs/{run_id}/cancel 200 seed",
    ]:
        assert wanted in ids


@pytest.mark.parametrize(("case", "schema_name", "value"), EXAMPLES, ids=[c[0] for c in EXAMPLES])
def test_example_parses_through_the_generated_model(
    case: str, schema_name: str, value: Any
) -> None:
    parsed = model(schema_name).from_dict(value)
    # The round trip keeps every field the example had.
    assert json.loads(json.dumps(parsed.to_dict(), default=str)).keys() == value.keys()


def test_examples_parse_to_the_documented_values() -> None:
    from flowscale_api.models import (
        ExecuteResponse,
        OutputResponse,
        RunListResponse,
        RunResponse,
    )

    by_id = {case: value for case, _, value in EXAMPLES}
    run = RunResponse.from_dict(by_id["get /api/v1/runs/{run_id} 200 seed"]).data
    assert run.field_id == "808f34d0-ef97-4b78-a00f-1268077ea6db"
    assert run.status == "completed"
    assert run.outputs[0].filename == "filename_prefix_58358_5WWF7GQUYF.png"
    legacy = ExecuteResponse.from_dict(by_id["post /api/v1/runs 200 legacy"]).data
    assert legacy.output_names == ["filename_prefix_58358_5WWF7GQUYF"]
    text = OutputResponse.from_dict(by_id["get /api/v1/runs/output 200 text"]).data
    assert text.file_content == "hello world"
    paged = RunListResponse.from_dict(by_id["get /api/v1/runs 200 paged"])
    assert paged.meta.total_pages == 1
    assert paged.data.runs[0].created_at.year == 2024


def test_an_unknown_status_value_parses() -> None:
    from flowscale_api.models import RunResponse

    body = {"status": "success", "data": {"_id": "r1", "status": "archived-by-janitor"}}
    assert RunResponse.from_dict(body).data.status == "archived-by-janitor"


def test_event_stream_example_matches_the_event_schemas() -> None:
    from flowscale_api.models import (
        RunEventEnd,
        RunEventOutput,
        RunEventProgress,
        RunEventStatus,
    )

    models = {
        "status": RunEventStatus,
        "progress": RunEventProgress,
        "output": RunEventOutput,
        "end": RunEventEnd,
    }
    text = resolve(
        SPEC["paths"]["/api/v1/runs/{run_id}/events"]["get"]["responses"]["200"]["content"][
            "text/event-stream"
        ]["examples"]["run"]
    )["value"]
    seqs = []
    for block in text.strip().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "data" not in fields:
            continue
        data = json.loads(fields["data"])
        assert fields["event"] == data["type"]
        assert int(fields["id"]) == data["seq"]
        models[data["type"]].from_dict(data)
        seqs.append(data["seq"])
    assert seqs == sorted(seqs)
    assert seqs[0] == 1
