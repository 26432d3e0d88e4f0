"""FastAPI-style request validation: 422 ``{"detail": [{loc, msg, type, input}]}``.

The messages and types copy what FastAPI (pydantic 2) says, since the service is FastAPI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

_INT = re.compile(r"^\s*[+-]?\d+\s*$")


class Problems:
    """Collects validation problems; ``response()`` renders them."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, loc: Sequence[str | int], msg: str, type_: str, input_: Any = None) -> None:
        self.items.append({"loc": list(loc), "msg": msg, "type": type_, "input": input_})

    def missing(self, loc: Sequence[str | int]) -> None:
        self.add(loc, "Field required", "missing")

    def response(self) -> JSONResponse:
        return JSONResponse({"detail": self.items}, status_code=422)


def required_str(
    params: Mapping[str, str], name: str, problems: Problems, *, where: str = "query"
) -> str | None:
    value = params.get(name)
    if value is None:
        problems.missing([where, name])
        return None
    if value == "":
        problems.add(
            [where, name], "String should have at least 1 character", "string_too_short", value
        )
        return None
    return value


def int_param(
    params: Mapping[str, str],
    name: str,
    problems: Problems,
    *,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not _INT.match(raw):
        problems.add(
            ["query", name],
            "Input should be a valid integer, unable to parse string as an integer",
            "int_parsing",
            raw,
        )
        return default
    value = int(raw)
    if minimum is not None and value < minimum:
        problems.add(
            ["query", name],
            f"Input should be greater than or equal to {minimum}",
            "greater_than_equal",
            raw,
        )
    elif maximum is not None and value > maximum:
        problems.add(
            ["query", name],
            f"Input should be less than or equal to {maximum}",
            "less_than_equal",
            raw,
        )
    return value


def enum_param(
    params: Mapping[str, str],
    name: str,
    problems: Problems,
    *,
    choices: Sequence[str],
    default: str,
) -> str:
    raw = params.get(name)
    if raw is None:
        return default
    if raw not in choices:
        quoted = [f"'{c}'" for c in choices]
        listing = ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]
        problems.add(["query", name], f"Input should be {listing}", "enum", raw)
        return default
    return raw


_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n"}


def check_text_input(kind: str, field: str, value: str, problems: Problems) -> None:
    """Number and boolean inputs travel as text; reject what cannot be one."""
    if kind == "number":
        try:
            float(value)
        except ValueError:
            problems.add(
                ["body", field],
                "Input should be a valid number, unable to parse string as a number",
                "float_parsing",
                value,
            )
    elif kind == "boolean" and value.strip().lower() not in _TRUE | _FALSE:
        problems.add(
            ["body", field],
            "Input should be a valid boolean, unable to interpret input",
            "bool_parsing",
            value,
        )
