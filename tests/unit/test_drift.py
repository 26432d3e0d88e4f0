"""Drift between the spec's reply models and the facade's value classes is loud.

Every schema the facade reads (reached from the JSON 2xx replies of the spec's operations)
must have each of its properties either mapped into a facade attribute
(`flowscale._convert.MAPPED`) or listed as deliberately unmapped (`UNMAPPED`), and the
generated model must have exactly those properties. A property added to the spec and
regenerated fails here until one line says where it goes.
"""

from __future__ import annotations

import copy
import pathlib
from collections.abc import Iterator, Mapping
from typing import Any

import attrs
import yaml

import flowscale_api.models
from flowscale._convert import MAPPED, UNMAPPED

SPEC: dict[str, Any] = yaml.safe_load(
    (pathlib.Path(__file__).parents[2] / "openapi" / "flowscale.yaml").read_text()
)


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def read_schemas(spec: Mapping[str, Any]) -> set[str]:
    """Schemas reachable from the JSON success replies of every operation."""
    schemas = spec["components"]["schemas"]
    todo: list[str] = []
    for item in spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for status, reply in op.get("responses", {}).items():
                if str(status).startswith("2"):
                    todo.extend(_refs(reply.get("content", {}).get("application/json", {})))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def drift(
    spec: Mapping[str, Any],
    mapped: Mapping[str, Mapping[str, str]],
    unmapped: Mapping[str, Mapping[str, str]],
) -> list[str]:
    problems = []
    schemas = spec["components"]["schemas"]
    for name in sorted(read_schemas(spec)):
        properties = set(schemas[name].get("properties") or {})
        if not properties:
            continue
        done = set(mapped.get(name, {}))
        skipped = set(unmapped.get(name, {}))
        for prop in sorted(properties - done - skipped):
            problems.append(
                f"{name}.{prop} is neither mapped (flowscale/_convert.py MAPPED) nor listed "
                "as unmapped (UNMAPPED)"
            )
        for prop in sorted((done | skipped) - properties):
            problems.append(f"{name}.{prop} is mapped but the spec has no such property")
        for prop in sorted(done & skipped):
            problems.append(f"{name}.{prop} is both mapped and unmapped")
    return problems


def test_every_property_the_facade_reads_is_mapped_or_deliberately_not() -> None:
    assert drift(SPEC, MAPPED, UNMAPPED) == []


def test_the_generated_models_have_exactly_the_spec_properties() -> None:
    schemas = SPEC["components"]["schemas"]
    for name in read_schemas(SPEC):
        properties = set(schemas[name].get("properties") or {})
        if not properties:
            continue  # not a model of its own (e.g. `Errors`, a list of strings)
        model = getattr(flowscale_api.models, name)
        fields = {f.name for f in attrs.fields(model)} - {"additional_properties"}
        # The generator names `_id` `field_id`; others keep their (snake_case) names.
        expected = {f"field_{p.lstrip('_')}" if p.startswith("_") else p for p in properties}
        assert fields == expected, name


def test_a_new_property_is_caught() -> None:
    spec = copy.deepcopy(SPEC)
    spec["components"]["schemas"]["Run"]["properties"]["priority"] = {"type": "integer"}
    assert drift(spec, MAPPED, UNMAPPED) == [
        "Run.priority is neither mapped (flowscale/_convert.py MAPPED) nor listed as "
        "unmapped (UNMAPPED)"
    ]
    unmapped = {**UNMAPPED, "Run": {"priority": "readable through run.raw for now"}}
    assert drift(spec, MAPPED, unmapped) == []


def test_a_new_schema_is_caught() -> None:
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    schemas["RunLabel"] = {"type": "object", "properties": {"name": {"type": "string"}}}
    schemas["Run"]["properties"]["label"] = {"$ref": "#/components/schemas/RunLabel"}
    problems = drift(spec, MAPPED, UNMAPPED)
    assert any(p.startswith("RunLabel.name ") for p in problems)
    assert any(p.startswith("Run.label ") for p in problems)
