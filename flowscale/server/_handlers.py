"""The handlers of the API's operations: one method per operationId of openapi/flowscale.yaml.

``ApiHandlers.for_operation(operation_id)`` is how the app finds them (flowscale/server/_app.py
builds its routes from the spec's operations and fails to start if one has no handler here).
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ._asgi import abort_connection, error_body
from ._events import EventStream
from ._forms import read_run_inputs
from ._models import TERMINAL
from ._naming import NAME_PATTERN, strip_extension
from ._render import output_json, run_json
from ._state import ServerState
from ._store import SORT_COLUMNS
from ._validation import Problems, enum_param, int_param, required_str

MAX_SEQ = 2**62

Handler = Callable[[Request], Awaitable[Response]]


def success(data: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data, **extra})


def failure(status_code: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(message), status_code=status_code)


class ApiHandlers:
    """The API's operations over one server's state (each method is named by its operationId)."""

    def __init__(self, state: ServerState) -> None:
        self.state = state
        self.store = state.store
        self.runner = state.runner
        self.signer = state.signer
        # Run creations and event-stream reads have taken their turn before they get here
        # (``taking_turns`` in front of the app); a stream takes one per read of its events,
        # a run creation another once its body is read.
        self.turns = state.turns

    def for_operation(self, operation_id: str) -> Handler:
        handler: Handler | None = getattr(self, operation_id, None)
        if operation_id.startswith("_") or handler is None:
            raise LookupError(f"the local server has no handler for operation {operation_id!r}")
        return handler

    # ---- comfy -----------------------------------------------------------------------------
    async def check_health(self, request: Request) -> Response:
        return success(
            [
                {"container": f"container #{i + 1}", "status": "idle" if run is None else "running"}
                for i, run in enumerate(self.runner.containers())
            ]
        )

    async def get_queue(self, request: Request) -> Response:
        containers = self.runner.containers()
        pending = self.runner.pending()
        numbers = {}
        for run_id in [r for r in containers if r is not None] + pending:
            run = self.store.get_run(run_id)
            numbers[run_id] = run.queue_number if run is not None else 0
        data = []
        for index, current in enumerate(containers):
            # One FIFO queue feeds every container; show each waiting run under the container
            # it would reach if they all finished at once (round robin), ComfyUI style.
            waiting = pending[index :: len(containers)]
            data.append(
                {
                    "container": f"container #{index + 1}",
                    "queue": {
                        "queue_running": [] if current is None else [[numbers[current], current]],
                        "queue_pending": [[numbers[r], r] for r in waiting],
                    },
                }
            )
        return success(data)

    async def get_workflows(self, request: Request) -> Response:
        return success(
            [
                {
                    "id": wf.id,
                    "name": wf.name,
                    "description": wf.description,
                    "inputs": json.dumps(dict(wf.inputs)),
                    "outputs": json.dumps(dict(wf.outputs)),
                }
                for wf in self.state.registry.all()
            ]
        )

    # ---- runs ------------------------------------------------------------------------------
    async def execute_workflow(self, request: Request) -> Response:
        problems = Problems()
        workflow_id = required_str(request.query_params, "workflow_id", problems)
        group_id = request.query_params.get("group_id")
        if problems or workflow_id is None:
            return problems.response()
        workflow = self.state.registry.get(workflow_id)
        if workflow is None:
            return failure(404, f"Workflow not found: {workflow_id}")
        values = await read_run_inputs(request, workflow, self.state.files_dir, problems)
        if problems or values is None:
            return problems.response()
        # A second turn for the creation itself: bodies that arrive together (clients send
        # the headers, then the body) would otherwise wake every waiting request in the same
        # iteration, each with its transaction and its reply (0.2 ms each: 140 at once seen).
        await self.turns.take()
        try:
            run = self.runner.create_run(workflow, group_id, values)
        except RuntimeError:
            return failure(503, "The server is stopping")
        if self.state.faults.take("reset_after_create") is not None:
            await abort_connection(request.scope, request.receive, reset=True)
            return Response(status_code=204)  # never reaches the client: the connection is gone
        return success({"run_id": run.id, "workflow_id": run.workflow_id})

    async def get_runs(self, request: Request) -> Response:
        problems = Problems()
        params = request.query_params
        group_id = params.get("group_id")
        sort_by = enum_param(
            params, "sort_by", problems, choices=SORT_COLUMNS, default="created_at"
        )
        sort_order = enum_param(
            params, "sort_order", problems, choices=("asc", "desc"), default="desc"
        )
        page = int_param(params, "page", problems, default=1, minimum=1)
        page_size = int_param(params, "page_size", problems, default=10, minimum=1, maximum=100)
        if problems:
            return problems.response()
        runs, total = self.store.list_runs(
            group_id=group_id,
            sort_by=sort_by,
            descending=sort_order == "desc",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        store, signer = self.store, self.signer
        return success(
            {"runs": [run_json(run, store.outputs_of(run.id), store, signer) for run in runs]},
            meta={
                "sort_by": sort_by,
                "sort_order": sort_order,
                "page": page,
                "page_size": page_size,
                "group_id": group_id,
                "total_count": total,
                "total_pages": math.ceil(total / page_size),
            },
        )

    async def get_run(self, request: Request) -> Response:
        run = self.store.get_run(request.path_params["run_id"])
        if run is None:
            return failure(404, f"Run not found: {request.path_params['run_id']}")
        return success(run_json(run, self.store.outputs_of(run.id), self.store, self.signer))

    async def get_output(self, request: Request) -> Response:
        problems = Problems()
        filename = required_str(request.query_params, "filename", problems)
        if problems or filename is None:
            return problems.response()
        output = self.store.find_output(strip_extension(filename))
        runner = self.runner
        if output is None:
            if NAME_PATTERN.fullmatch(filename) and (runner.pending() or any(runner.containers())):
                return Response(status_code=204)  # may still come from a run in progress
            return failure(404, f"Output not found: {filename}")
        if output.ready:
            if "." in filename and filename != output.filename:
                return failure(404, f"Output not found: {filename}")
            return success(output_json(output, self.store, self.signer))
        run = self.store.get_run(output.run_id)
        if run is None or run.status in TERMINAL:
            status = run.status if run is not None else "gone"
            return failure(408, f"Run {output.run_id} is {status}: {output.name} will never exist")
        return Response(status_code=204)

    async def cancel_run(self, request: Request) -> Response:
        run_id = request.path_params["run_id"]
        before = self.store.get_run(run_id)
        if before is None:
            return failure(404, f"Run not found: {run_id}")
        if before.status in TERMINAL:
            return success(f"Run already {before.status}")
        self.runner.cancel(run_id)  # on the loop: the store's writer (no thread needed)
        return success("Run cancelled successfully")

    async def stream_run_events(self, request: Request) -> Response:
        problems = Problems()
        run_id = request.path_params["run_id"]
        from_seq = int_param(request.query_params, "from_seq", problems, default=0, minimum=0)
        if problems:
            return problems.response()
        if self.store.get_run(run_id) is None:
            return failure(404, f"Run not found: {run_id}")
        after_seq = max(from_seq - 1, 0)
        last_event_id = request.headers.get("last-event-id", "").strip()
        if last_event_id.isdigit():  # wins over from_seq; anything else is ignored
            after_seq = int(last_event_id)
        after_seq = min(after_seq, MAX_SEQ)  # beyond any run's events; keeps SQLite happy
        drop = self.state.faults.take("drop_stream")
        return EventStream(
            run_id=run_id,
            after_seq=after_seq,
            store=self.store,
            hub=self.state.hub,
            signer=self.signer,
            keepalive_interval=self.state.keepalive_interval,
            stopping=self.state.stopping,
            drop_after=int(drop.params["after_events"]) if drop is not None else None,
            turns=self.turns,
        )
