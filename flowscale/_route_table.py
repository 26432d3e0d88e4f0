"""The API's operations as a route table: the one place a path and method become an operation.

The operations themselves (`flowscale._spec_operations.OPERATIONS`) are generated from
``openapi/flowscale.yaml`` by ``scripts/spec-routes`` and checked against it by a test, so the
local server and the proxy serve, name and protect exactly the spec's operations. This module
is plain code without I/O: matching a request to an operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

import attrs

__all__ = ["Match", "Operation", "RouteTable"]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


@attrs.frozen(slots=True)
class Operation:
    """One operation of the spec (its method, path template and what it takes and gives)."""

    operation_id: str
    method: str  # upper case: GET, POST, ...
    path: str  # template, e.g. /api/v1/runs/{run_id}
    security: tuple[str, ...]  # security scheme names; () = no credentials needed
    path_params: tuple[str, ...] = attrs.field(
        default=attrs.Factory(lambda self: tuple(_PARAM.findall(self.path)), takes_self=True)
    )
    query_params: tuple[str, ...] = ()
    header_params: tuple[str, ...] = ()
    request_media: tuple[str, ...] = ()  # request body media types; () = no body
    reply_media: tuple[str, ...] = ()  # media types of the success reply (e.g. SSE)
    tags: tuple[str, ...] = ()

    @property
    def needs_auth(self) -> bool:
        return bool(self.security)

    @property
    def streams_events(self) -> bool:
        return "text/event-stream" in self.reply_media

    def url_path(self, **params: str) -> str:
        """The path with its parameters filled in (each must be a single safe segment)."""
        return _PARAM.sub(lambda m: params[m.group(1)], self.path)


@attrs.frozen(slots=True)
class Match:
    """A request matched to an operation: the operation, and the values of its path
    parameters by name (e.g. ``{"run_id": "..."}``)."""

    operation: Operation
    path_params: Mapping[str, str]


def _compile(template: str) -> re.Pattern[str]:
    parts = []
    last = 0
    for found in _PARAM.finditer(template):
        parts.append(re.escape(template[last : found.start()]))
        parts.append(f"(?P<{found.group(1)}>[^/]+)")
        last = found.end()
    parts.append(re.escape(template[last:]))
    return re.compile("".join(parts))


class RouteTable:
    """Operations by method and path. A literal segment beats a parameter, so
    ``/api/v1/runs/output`` is ``get_output``, never ``get_run`` of a run named "output";
    HEAD is served wherever GET is."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self.operations: tuple[Operation, ...] = tuple(operations)
        ids = [op.operation_id for op in self.operations]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate operationIds in {ids}")
        # Fewest parameters first: the most literal template wins.
        ordered = sorted(self.operations, key=lambda op: (len(op.path_params), op.path))
        self._compiled = [(op, _compile(op.path)) for op in ordered]
        self._by_id = {op.operation_id: op for op in self.operations}

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def __getitem__(self, operation_id: str) -> Operation:
        return self._by_id[operation_id]

    def paths(self) -> dict[str, list[Operation]]:
        """Operations grouped by path template, in the spec's order."""
        grouped: dict[str, list[Operation]] = {}
        for op in self.operations:
            grouped.setdefault(op.path, []).append(op)
        return grouped

    def match(self, method: str, path: str) -> Match | None:
        """The operation serving ``method path``, or None (unknown path or method)."""
        method = "GET" if method == "HEAD" else method
        for op, pattern in self._compiled:
            if op.method != method:
                continue
            found = pattern.fullmatch(path)
            if found is not None:
                return Match(op, found.groupdict())
        return None

    def allowed_methods(self, path: str) -> list[str]:
        """Methods the spec has for ``path`` (for a 405's Allow header); [] if none."""
        methods: list[str] = []
        for op, pattern in self._compiled:
            if pattern.fullmatch(path) and op.method not in methods:
                methods.append(op.method)
        if "GET" in methods:
            methods.append("HEAD")
        return methods
