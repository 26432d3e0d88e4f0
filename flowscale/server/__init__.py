"""A local Flowscale-compatible server: the API of ``openapi/flowscale.yaml`` on loopback.

Install with ``pip install 'flowscale[server]'``. Nothing here is imported by the SDK itself.

Python
------
::

    from flowscale.server import LocalServer

    with LocalServer(workers=2, step_delay=0.01) as server:
        server.base_url      # http://127.0.0.1:<port>, the API (key: server.api_key)
        server.files_url     # http://127.0.0.1:<other port>, where output files are served
        server.faults.rate_limit("2", route="get_run", count=1)
        server.counters()    # {"runs_created": {workflow_id: n}, "requests": {route: n}}
        server.file_requests()  # request headers received by the file host, in order
        server.runs_by_group()  # {group_id: runs created}: a duplicate run shows as 2

``LocalServer(api_key=None, workers=2, data_dir=None, host="127.0.0.1", port=0,
keepalive_interval=15.0, step_delay=None, url_ttl=3600.0)``: ``api_key`` is generated when
None; ``workers`` is the number of worker "containers"; ``data_dir`` keeps state (SQLite) and
files on disk so a new server on the same directory serves the old runs (runs that were queued
or running become failed with "server restarted"; without it everything lives in memory and a
temporary directory); ``step_delay`` is the time per progress step of the built-in workflows
(default 0.2 s, a couple of seconds per run); ``url_ttl`` is the lifetime of signed file URLs.
``start()``/``stop()`` work as well as ``with``.

Routes and faults
-----------------
Routes are named after the spec's operationIds: ``check_health``, ``get_queue``,
``get_workflows``, ``execute_workflow``, ``get_runs``, ``get_run``, ``get_output``,
``cancel_run``, ``stream_run_events``, and ``download`` for the file host. Every fault method
takes ``route=`` (None: any route) and ``count=`` (None: until cleared; n: the next n matching
requests): ``latency(seconds)``, ``rate_limit(retry_after="1")`` (429 with that Retry-After),
``status(code)`` (e.g. 500/502/503/504, also 204 or 408), ``reset_after_create(count=1)``
(execute creates the run, then the connection is reset with no response),
``drop_stream(after_events)`` (the event stream is cut after N events), ``hang()`` (never
answered until the server stops), ``slow_download(bytes_per_second)``,
``wrong_content_length(delta=100)``, and ``clear()``. ``server.reset()`` clears faults,
counters and recorded file requests; runs stay.

Admin HTTP API
--------------
On the API port, under ``/_admin/`` (not part of the public API; same ``X-API-KEY``):

- ``GET /_admin/counters``: ``{"status": "success", "data": <counters()>}``
- ``GET /_admin/faults``: the active faults
- ``POST /_admin/faults`` with a JSON body such as ``{"kind": "rate_limit", "route":
  "get_run", "count": 2, "retry_after": "5"}`` (the parameters of the Python method)
- ``DELETE /_admin/faults``: clear all faults
- ``GET /_admin/file-requests``: ``data`` is ``file_requests()``
- ``GET /_admin/runs-by-group``: ``data`` is ``runs_by_group()``
- ``POST /_admin/reset``: like ``server.reset()``

Workflows
---------
Built in (ids are stable):

- ``550e8400-e29b-41d4-a716-446655440000`` "Text to Image": ``text_51536`` (string) ->
  ``image_output``, a 512x512 PNG determined by the prompt;
- ``660f9411-f30c-52e5-b827-557766551111`` "Image to Image": ``image_input`` (image),
  ``prompt`` (string) -> ``transformed_image``, the upload rotated, mirrored and tinted (a
  corrupt upload fails the run: "Cannot decode image_input: ...", node 10 LoadImage);
- ``770a1522-a3cd-4e0b-8c1f-668877662222`` "Prompt Enhancer": ``prompt`` -> ``enhanced_prompt``,
  a text output (the output endpoint returns it as ``file_content``);
- ``880b2633-b4de-4f1c-9d20-779988773333`` "Image Report": ``prompt`` (string), ``seed``
  (number) -> ``preview`` (PNG), ``caption`` (text) and ``metadata`` (a JSON file).

Your own::

    from flowscale.server import RunContext, Workflow, WorkflowFailed

    def fn(ctx: RunContext):                  # runs in a worker thread
        ctx.progress(1, 2, node_id="3", node_type="KSampler")
        ctx.log("working")
        ctx.sleep(0.1)                        # raises once the run is cancelled
        if ctx.inputs["prompt"] == "boom":
            raise WorkflowFailed("exploded", node_id="7", node_type="VAEDecode")
        return {"result.png": png_bytes, "summary.txt": "text"}   # or a pathlib.Path

    server.register_workflow(Workflow(id="my-wf", name="My WF", fn=fn,
        inputs={"prompt": "string", "image": "image"}, outputs={"result": "image"}))

Inputs of kind string/number/boolean arrive as ``str``; image/video/audio/file as
``InputFile`` (``filename``, ``content_type``, ``path``, ``size``, and ``data`` read on demand).
Returned ``str`` values are text outputs (``file_content``), ``bytes`` file outputs
(``download_url``), and a ``pathlib.Path`` is a file output served in place (stream huge files
without holding them in memory; leave the file there). The key's stem matches a declared
output, its extension becomes the file's. Outputs are named like the service's:
``filename_prefix_<node id>_<10 x A-Z0-9>.<ext>``.

Output endpoint: 200 once ready; 204 while the run that will produce it is still going (or,
for a well-formed name the server does not know, while any run is going); 408 once that run
ended without producing it; 404 otherwise.

Command line and pytest
-----------------------
``python -m flowscale.server [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--workers N]
[--data-dir DIR]`` (also ``serve_forever(...)``) runs in the foreground until Ctrl-C.

The pytest plugin (entry point ``flowscale``) provides the fixtures ``flowscale_server`` (a
fresh server per test, ``step_delay=0.01``), ``flowscale_server_session`` (one per session;
call ``reset()`` between tests if you use faults), ``flowscale_client`` and
``flowscale_async_client`` (a ``Flowscale`` / ``AsyncFlowscale`` of ``flowscale_server``; the
async one needs pytest-asyncio) and ``flowscale_env`` (``FLOWSCALE_API_URL`` /
``FLOWSCALE_API_KEY`` set to ``flowscale_server`` for the test).

Without the ``server`` extra, ``LocalServer``, ``serve_forever``, the fixtures and ``python -m
flowscale.server`` raise ``MissingExtraError`` (an ``ImportError``) naming what is missing and
``pip install 'flowscale[server]'``.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._context import RunContext
from ._extra import MissingExtraError, require_server_extra, server_module_missing
from ._models import InputFile, RunCancelled, Workflow, WorkflowFailed

if TYPE_CHECKING:
    from ._faults import Faults
    from ._server import LocalServer, serve_forever

__all__ = [
    "Faults",
    "InputFile",
    "MissingExtraError",
    "LocalServer",
    "RunCancelled",
    "RunContext",
    "Workflow",
    "WorkflowFailed",
    "serve_forever",
]


def load_server(what: str) -> ModuleType:
    """The server's module (its ASGI stack), or `MissingExtraError` naming the extra."""
    require_server_extra(what)
    try:
        from . import _server
    except ModuleNotFoundError as exc:
        error = server_module_missing(exc, what)
        if error is None:
            raise
        raise error from exc
    return _server


def __getattr__(name: str) -> Any:
    # The ASGI stack (starlette, uvicorn) loads only when the server itself is asked for, so the
    # pytest plugin, which imports this package in every test session, stays cheap.
    if name in ("LocalServer", "serve_forever"):
        return getattr(load_server(f"flowscale.server.{name}"), name)
    if name == "Faults":
        from ._faults import Faults

        return Faults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
