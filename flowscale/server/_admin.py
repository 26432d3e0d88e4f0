"""The admin API under ``/_admin/`` (not part of the spec; same API key): faults and counters.

GET    /_admin/counters       {"runs_created": {workflow_id: n}, "requests": {route: n}}
GET    /_admin/runs-by-group  {group_id: runs created} (a duplicate shows as 2)
GET    /_admin/faults         the active faults
POST   /_admin/faults         {"kind": "rate_limit", "route": ..., "count": ..., <params>}
DELETE /_admin/faults         clear every fault
GET    /_admin/file-requests  headers the file host received, in order
POST   /_admin/reset          clear faults, counters and file requests (runs stay)
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._asgi import error_body
from ._state import ServerState


def _ok(data: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data})


def admin_routes(state: ServerState) -> list[Route]:
    async def counters(request: Request) -> Response:
        return _ok(state.telemetry.counters())

    async def runs_by_group(request: Request) -> Response:
        return _ok(state.telemetry.runs_by_group())

    async def list_faults(request: Request) -> Response:
        return _ok(state.faults.active())

    async def add_fault(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict) or not isinstance(body.get("kind"), str):
                raise ValueError('expected a JSON object with a "kind"')
            params = {k: v for k, v in body.items() if k != "kind"}
            state.faults.add(body["kind"], **params)
        except (ValueError, TypeError) as exc:
            return JSONResponse(error_body(f"Invalid fault: {exc}"), status_code=400)
        return _ok(state.faults.active())

    async def clear_faults(request: Request) -> Response:
        state.faults.clear()
        return _ok([])

    async def file_requests(request: Request) -> Response:
        return _ok(state.telemetry.file_requests())

    async def reset(request: Request) -> Response:
        state.faults.clear()
        state.telemetry.reset()
        return _ok("reset")

    return [
        Route("/_admin/counters", counters, methods=["GET"]),
        Route("/_admin/runs-by-group", runs_by_group, methods=["GET"]),
        Route("/_admin/faults", list_faults, methods=["GET"]),
        Route("/_admin/faults", add_fault, methods=["POST"]),
        Route("/_admin/faults", clear_faults, methods=["DELETE"]),
        Route("/_admin/file-requests", file_requests, methods=["GET"]),
        Route("/_admin/reset", reset, methods=["POST"]),
    ]
