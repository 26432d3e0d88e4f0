"""Conformance: schemathesis drives every operation of openapi/flowscale.yaml against a running
LocalServer and checks each response against the spec (status codes, content types, headers,
schemas), that nothing answers 5xx, that invalid requests are rejected and auth is enforced.

Bounded: a fixed number of derandomized examples per operation; the module takes seconds.
Generated ids are sometimes swapped for ids of real, finished runs, outputs and workflows, so
the 200 paths (including the event stream of an ended run, which closes by itself) are
exercised too, not only the 404s.

Two checks are narrowed, each for one operation, because the spec cannot say what is checked:

- execute_workflow, ``positive_data_acceptance``: the body schema allows any field (the fields
  depend on the workflow), but the server rightly rejects fields the workflow does not declare
  (422), as the service does. Every other check still runs on execute.
- stream_run_events, ``response_schema_conformance``: for OpenAPI 3.0/3.1 documents
  schemathesis reads a ``text/event-stream`` schema as the schema of *one event* (an object
  with ``data``, ``event``, ``id``), while the spec declares the whole stream as a string. The
  test validates each frame itself instead: ids, event names, and every ``data`` line against
  the spec's RunEvent* schemas.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance, response_schema_conformance

from flowscale.server import LocalServer

from .helpers import PROMPT_ENHANCER, TEXT_TO_IMAGE, api_client, execute_form, wait_end

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "flowscale.yaml"
schema = schemathesis.openapi.from_path(SPEC)
# Like FastAPI (and the service), the server ignores query parameters it does not know; the
# spec has no way to say so, so do not expect unknown parameters to be rejected.
schema.config.generation.update(allow_extra_parameters=False)
EXECUTE = "POST /api/v1/runs"
EVENTS = "GET /api/v1/runs/{run_id}/events"
EVENT_SCHEMAS = {
    "status": "RunEventStatus",
    "progress": "RunEventProgress",
    "output": "RunEventOutput",
    "log": "RunEventLog",
    "end": "RunEventEnd",
}

# Filled by the fixture before any case is generated.
KNOWN: dict[str, list[str]] = {"run_id": [], "filename": []}


@pytest.fixture(scope="module")
def conformance_server() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.0005, workers=2) as server, api_client(server) as client:
        for workflow_id, fields in (
            (TEXT_TO_IMAGE, {"text_51536": "conformance"}),
            (PROMPT_ENHANCER, {"prompt": "conformance"}),
        ):
            run_id = execute_form(client, workflow_id, fields)
            wait_end(server, run_id)
            KNOWN["run_id"].append(run_id)
            state = server._state
            assert state is not None
            KNOWN["filename"] += [o.name for o in state.store.outputs_of(run_id)]
            KNOWN["filename"] += [str(o.filename) for o in state.store.outputs_of(run_id)]
        yield server


_turn = itertools.count()


@schema.hook
def map_case(context: Any, case: Any) -> Any:
    """Every other positive case, use real ids (negative cases are left as generated)."""
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or next(_turn) % 2:
        return case
    label = case.operation.label
    pick = next(_turn)
    if case.path_parameters and "run_id" in case.path_parameters and KNOWN["run_id"]:
        case.path_parameters["run_id"] = KNOWN["run_id"][pick % len(KNOWN["run_id"])]
    if label == "GET /api/v1/runs/output" and KNOWN["filename"]:
        case.query["filename"] = KNOWN["filename"][pick % len(KNOWN["filename"])]
    if label == EXECUTE:
        case.query["workflow_id"] = PROMPT_ENHANCER
        if pick % 4 == 0:  # a body valid for that workflow: exercises the 200 of execute
            case.body = {"prompt": "from schemathesis"}
    return case


def check_event_stream(text: str, run_id: str) -> None:
    """Validate an event stream's frames against the spec (what schemathesis cannot here)."""
    spec = yaml.safe_load(SPEC.read_text())
    blocks = [b for b in text.split("\n\n") if b and not b.startswith((":", "retry:"))]
    seqs = []
    for block in blocks:
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        assert set(fields) == {"id", "event", "data"}, block
        data = yaml.safe_load(fields["data"])  # JSON is YAML
        for name in ("RunEvent", EVENT_SCHEMAS[fields["event"]]):
            jsonschema.Draft202012Validator(
                {**spec, "$ref": f"#/components/schemas/{name}"},
                format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
            ).validate(data)
        assert data["seq"] == int(fields["id"])
        assert data["type"] == fields["event"]
        assert data["run_id"] == run_id
        seqs.append(data["seq"])
    assert seqs == sorted(set(seqs))
    if blocks:
        assert blocks[-1].split("\n")[1] == "event: end"


@pytest.mark.timeout(120)
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FLOWSCALE_CONFORMANCE_EXAMPLES", "40")),
    deadline=None,
    derandomize="FLOWSCALE_CONFORMANCE_EXAMPLES" not in os.environ,  # reproducible by default
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_server_conforms_to_the_spec(case: Any, conformance_server: LocalServer) -> None:
    excluded = {
        EXECUTE: [positive_data_acceptance],
        EVENTS: [response_schema_conformance],
    }.get(case.operation.label, [])
    response = case.call_and_validate(
        base_url=conformance_server.base_url,
        headers={"X-API-KEY": conformance_server.api_key},
        excluded_checks=excluded,
        timeout=10,
    )
    if case.operation.label == EVENTS and response.status_code == 200:
        check_event_stream(response.text, case.path_parameters["run_id"])
