"""The public API as a Starlette application: its routes are the spec's operations.

Paths, methods and names come from ``flowscale._spec_operations`` (generated from
openapi/flowscale.yaml); the handlers are the methods of ``_handlers.ApiHandlers`` named by
operationId. An operation without a handler stops the server from being built, so the spec
and the server cannot drift apart silently.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .._route_table import RouteTable
from .._spec_operations import API_TABLE
from ._admin import admin_routes
from ._handlers import ApiHandlers, Handler, failure
from ._state import ServerState

__all__ = ["build_api_app", "failure"]


def _dispatch(by_method: dict[str, Handler]) -> Handler:
    """One route per path for all its methods, so a 405 there lists them all in Allow."""
    if len(by_method) == 1:
        return next(iter(by_method.values()))

    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await by_method[method](request)

    return endpoint


def api_routes(handlers: ApiHandlers, table: RouteTable = API_TABLE) -> list[Route]:
    routes = []
    operations = table.paths()
    # Literal paths before templated ones (/api/v1/runs/output is not a run id).
    for path in sorted(operations, key=lambda p: (p.count("{"), p)):
        by_method = {op.method: handlers.for_operation(op.operation_id) for op in operations[path]}
        routes.append(Route(path, _dispatch(by_method), methods=list(by_method)))
    return routes


async def _not_found(request: Request, exc: Exception) -> Response:
    return failure(404, "Not Found")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    response = failure(405, "Method Not Allowed")
    if isinstance(exc, HTTPException) and exc.headers:
        response.headers.update(exc.headers)  # Allow: the methods the path supports
    return response


async def _crashed(request: Request, exc: Exception) -> Response:
    return failure(500, f"Internal server error: {type(exc).__name__}")


def build_api_app(state: ServerState) -> Starlette:
    return Starlette(
        routes=[*api_routes(ApiHandlers(state)), *admin_routes(state)],
        exception_handlers={404: _not_found, 405: _not_allowed, Exception: _crashed},
    )
