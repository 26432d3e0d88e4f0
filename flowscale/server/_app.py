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
from ._asgi import ASGIApp, Receive, Scope, Send
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


# Served in front of Starlette (see `build_api_app`).
_DIRECT = "stream_run_events"


def build_api_app(state: ServerState, table: RouteTable = API_TABLE) -> ASGIApp:
    """The API's routes; event streams are served in front of Starlette's layers.

    A stream is held open for the whole run: through Starlette it keeps about ten coroutines
    and their closures alive (middleware, router, route, exception wrappers), and with a
    thousand streams open every full garbage collection walks those objects while the loop
    waits (60-75 ms seen). Served directly it keeps its own handler and response only; the
    gate (counters, faults, the key) is still in front of both.
    """
    handlers = ApiHandlers(state)
    app = Starlette(
        routes=[*api_routes(handlers, table), *admin_routes(state)],
        exception_handlers={404: _not_found, 405: _not_allowed, Exception: _crashed},
    )
    stream = handlers.for_operation(_DIRECT)
    method = table[_DIRECT].method

    async def api(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == method:
            match = table.match(method, scope["path"])
            if match is not None and match.operation.operation_id == _DIRECT:
                scope["path_params"] = dict(match.path_params)
                request = Request(scope, receive, send)
                try:
                    response = await stream(request)
                except Exception as exc:
                    # As Starlette's last resort does: answer 500, then let the server log it.
                    await (await _crashed(request, exc))(scope, receive, send)
                    raise
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return api
