"""The public API routes (openapi/flowscale.yaml), as a Starlette application."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ._admin import admin_routes
from ._asgi import abort_connection, error_body
from ._events import EventStream
from ._models import FILE_KINDS, TERMINAL, Workflow
from ._naming import NAME_PATTERN, safe_filename, strip_extension
from ._render import output_json, run_json
from ._runner import StagedFile, stage_upload
from ._state import ServerState
from ._store import SORT_COLUMNS
from ._validation import Problems, check_text_input, enum_param, int_param, required_str

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_TEXT_PART = 1024 * 1024
MAX_SEQ = 2**62


def success(data: Any, **extra: Any) -> JSONResponse:
    return JSONResponse({"status": "success", "data": data, **extra})


def failure(status_code: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(message), status_code=status_code)


def build_api_app(state: ServerState) -> Starlette:
    store, runner, signer = state.store, state.runner, state.signer

    async def check_health(request: Request) -> Response:
        containers = runner.containers()
        return success(
            [
                {"container": f"container #{i + 1}", "status": "idle" if run is None else "running"}
                for i, run in enumerate(containers)
            ]
        )

    async def get_queue(request: Request) -> Response:
        containers = runner.containers()
        pending = runner.pending()
        numbers = {}
        for run_id in [r for r in containers if r is not None] + pending:
            run = store.get_run(run_id)
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

    async def get_workflows(request: Request) -> Response:
        return success(
            [
                {
                    "id": wf.id,
                    "name": wf.name,
                    "description": wf.description,
                    "inputs": json.dumps(dict(wf.inputs)),
                    "outputs": json.dumps(dict(wf.outputs)),
                }
                for wf in state.registry.all()
            ]
        )

    async def execute_workflow(request: Request) -> Response:
        problems = Problems()
        workflow_id = required_str(request.query_params, "workflow_id", problems)
        group_id = request.query_params.get("group_id")
        if problems or workflow_id is None:
            return problems.response()
        workflow = state.registry.get(workflow_id)
        if workflow is None:
            return failure(404, f"Workflow not found: {workflow_id}")
        values = await _read_form(request, workflow, problems)
        if problems or values is None:
            return problems.response()
        try:
            run = runner.create_run(workflow, group_id, values)
        except RuntimeError:
            return failure(503, "The server is stopping")
        if state.faults.take("reset_after_create") is not None:
            await abort_connection(request.scope, request.receive, reset=True)
            return Response(status_code=204)  # never reaches the client: the connection is gone
        return success({"run_id": run.id, "workflow_id": run.workflow_id})

    async def _read_form(
        request: Request, workflow: Workflow, problems: Problems
    ) -> dict[str, str | StagedFile] | None:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media and media not in FORM_TYPES:
            problems.add(
                ["body"],
                f"Unsupported content type {media!r}: send multipart/form-data or "
                "application/x-www-form-urlencoded",
                "value_error",
                media,
            )
            return None
        fields: dict[str, str | UploadFile] = {}
        try:
            if media:
                # Uploads are spooled to temporary files by the parser (never all in memory).
                async with request.form(max_files=1000, max_fields=1000) as form:
                    for key, value in form.multi_items():
                        fields[key] = value
                    return await _validate_form(workflow, fields, problems)
            return await _validate_form(workflow, fields, problems)
        except HTTPException as exc:  # the form parser's 400: a malformed body
            problems.add(["body"], f"Invalid form body: {exc.detail}", "value_error")
            return None

    async def _validate_form(
        workflow: Workflow, fields: dict[str, str | UploadFile], problems: Problems
    ) -> dict[str, str | StagedFile] | None:
        for key, given in fields.items():
            if key not in workflow.inputs:
                shown = given if isinstance(given, str) else given.filename
                problems.add(
                    ["body", key], "Extra inputs are not permitted", "extra_forbidden", shown
                )
        texts: dict[str, str] = {}
        uploads: dict[str, UploadFile] = {}
        for name, kind in workflow.inputs.items():
            value: str | UploadFile | None = fields.get(name)
            if value is None:
                problems.missing(["body", name])
            elif kind in FILE_KINDS:
                if isinstance(value, str):
                    problems.add(
                        ["body", name],
                        "Expected UploadFile, received: <class 'str'>",
                        "value_error",
                        value,
                    )
                else:
                    uploads[name] = value
            else:
                text = value if isinstance(value, str) else await _upload_text(value)
                if text is None:
                    problems.add(["body", name], "Input should be a valid string", "string_type")
                    continue
                check_text_input(kind, name, text, problems)
                texts[name] = text
        if problems:
            return None
        values: dict[str, str | StagedFile] = {}
        for name in workflow.inputs:
            if name in texts:
                values[name] = texts[name]
            else:
                upload = uploads[name]
                values[name] = await run_in_threadpool(
                    stage_upload,
                    state.files_dir,
                    upload.file,
                    safe_filename(upload.filename, fallback=name),
                    upload.content_type or "application/octet-stream",
                )
        return values

    async def _upload_text(upload: UploadFile) -> str | None:
        # Lenient: a file part where text is expected is read as its UTF-8 text.
        data = await upload.read(MAX_TEXT_PART + 1)
        if len(data) > MAX_TEXT_PART:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    async def get_runs(request: Request) -> Response:
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
        runs, total = store.list_runs(
            group_id=group_id,
            sort_by=sort_by,
            descending=sort_order == "desc",
            limit=page_size,
            offset=(page - 1) * page_size,
        )
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

    async def runs(request: Request) -> Response:
        # One route for both methods, so a 405 on this path lists both in its Allow header.
        if request.method == "POST":
            return await execute_workflow(request)
        return await get_runs(request)

    async def get_run(request: Request) -> Response:
        run = store.get_run(request.path_params["run_id"])
        if run is None:
            return failure(404, f"Run not found: {request.path_params['run_id']}")
        return success(run_json(run, store.outputs_of(run.id), store, signer))

    async def get_output(request: Request) -> Response:
        problems = Problems()
        filename = required_str(request.query_params, "filename", problems)
        if problems or filename is None:
            return problems.response()
        output = store.find_output(strip_extension(filename))
        if output is None:
            if NAME_PATTERN.fullmatch(filename) and (runner.pending() or any(runner.containers())):
                return Response(status_code=204)  # may still come from a run in progress
            return failure(404, f"Output not found: {filename}")
        if output.ready:
            if "." in filename and filename != output.filename:
                return failure(404, f"Output not found: {filename}")
            return success(output_json(output, store, signer))
        run = store.get_run(output.run_id)
        if run is None or run.status in TERMINAL:
            status = run.status if run is not None else "gone"
            return failure(408, f"Run {output.run_id} is {status}: {output.name} will never exist")
        return Response(status_code=204)

    async def cancel_run(request: Request) -> Response:
        run_id = request.path_params["run_id"]
        before = store.get_run(run_id)
        if before is None:
            return failure(404, f"Run not found: {run_id}")
        if before.status in TERMINAL:
            return success(f"Run already {before.status}")
        await run_in_threadpool(runner.cancel, run_id)
        return success("Run cancelled successfully")

    async def stream_run_events(request: Request) -> Response:
        problems = Problems()
        run_id = request.path_params["run_id"]
        from_seq = int_param(request.query_params, "from_seq", problems, default=0, minimum=0)
        if problems:
            return problems.response()
        if store.get_run(run_id) is None:
            return failure(404, f"Run not found: {run_id}")
        after_seq = max(from_seq - 1, 0)
        last_event_id = request.headers.get("last-event-id", "").strip()
        if last_event_id.isdigit():  # wins over from_seq; anything else is ignored
            after_seq = int(last_event_id)
        after_seq = min(after_seq, MAX_SEQ)  # beyond any run's events; keeps SQLite happy
        drop = state.faults.take("drop_stream")
        return EventStream(
            run_id=run_id,
            after_seq=after_seq,
            store=store,
            hub=state.hub,
            signer=signer,
            keepalive_interval=state.keepalive_interval,
            stopping=state.stopping,
            drop_after=int(drop.params["after_events"]) if drop is not None else None,
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return failure(404, "Not Found")

    async def not_allowed(request: Request, exc: Exception) -> Response:
        response = failure(405, "Method Not Allowed")
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)  # Allow: the methods the path supports
        return response

    async def crashed(request: Request, exc: Exception) -> Response:
        return failure(500, f"Internal server error: {type(exc).__name__}")

    routes = [
        Route("/api/v1/comfy/health", check_health, methods=["GET"]),
        Route("/api/v1/comfy/queue", get_queue, methods=["GET"]),
        Route("/api/v1/comfy/workflows", get_workflows, methods=["GET"]),
        Route("/api/v1/runs", runs, methods=["GET", "POST"]),
        Route("/api/v1/runs/output", get_output, methods=["GET"]),
        Route("/api/v1/runs/{run_id}", get_run, methods=["GET"]),
        Route("/api/v1/runs/{run_id}/cancel", cancel_run, methods=["POST"]),
        Route("/api/v1/runs/{run_id}/events", stream_run_events, methods=["GET"]),
        *admin_routes(state),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_allowed, Exception: crashed},
    )
