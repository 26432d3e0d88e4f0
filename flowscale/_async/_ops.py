"""The API's operations, typed, for the layers above: the client, the waiter, the stream.

One typed adapter over the generated client: each method calls the generated operation's
public `*_detailed` function (mypy checks the call against the generated signature), which
builds the request; the request path sends it; the reply is read once, into the SDK's
value classes. The generated modules, the readers and the value types are imported inside the
methods: `flowscale_api.models` costs about as much as importing httpx, paid at the first call
rather than with the client.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import httpx

from .._deadline import NO_DEADLINE, Deadline
from .._operations import Call, Operation, operation
from .._retry import RetryPolicy
from ._http import AsyncAPI

if TYPE_CHECKING:
    from .._inputs import EncodedInputs
    from .._types import (
        ContainerHealth,
        ContainerQueue,
        Output,
        Run,
        RunPage,
        SubmittedRun,
        Workflow,
    )

__all__ = ["AsyncOperations"]

# Each operation's declaration, looked up once (a plain one is a new object per lookup).
_DECLARATIONS: dict[str, Operation] = {}


def _declared(name: str) -> Operation:
    declared = _DECLARATIONS.get(name)
    if declared is None:
        declared = _DECLARATIONS[name] = operation(name)
    return declared


class AsyncOperations:
    """Every operation the facade uses, as a method taking and returning typed values.

    `events_unavailable` is shared knowledge of one client: once a server proved it has no
    event stream, later waits poll at once.
    """

    def __init__(self, api: AsyncAPI, *, stream_read_timeout: float) -> None:
        self.api = api
        self.stream_read_timeout = stream_read_timeout
        self.events_unavailable = False

    def _call(
        self,
        name: str,
        deadline: Deadline,
        *,
        body: EncodedInputs | None = None,
        workflow_id: str | None = None,
        stream: bool = False,
        timeout: httpx.Timeout | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Call:
        return Call(
            _declared(name),
            deadline=deadline,
            body=body,
            workflow_id=workflow_id,
            stream=stream,
            timeout=timeout,
            headers=headers,
            retry=retry,
            keep_reply=False,
        )

    async def check_health(self) -> list[ContainerHealth]:
        """Each container's health (`GET /api/v1/comfy/health`)."""
        from flowscale_api.api.comfy import check_health

        from .. import _convert as convert

        with self._call("check_health", NO_DEADLINE) as call:
            await check_health.asyncio_detailed(client=self.api.generated_client())
        return convert.parse(call.taken(), convert.health)

    async def get_queue(self) -> list[ContainerQueue]:
        """Each container's running and pending runs (`GET /api/v1/comfy/queue`)."""
        from flowscale_api.api.comfy import get_queue

        from .. import _convert as convert

        with self._call("get_queue", NO_DEADLINE) as call:
            await get_queue.asyncio_detailed(client=self.api.generated_client())
        return convert.parse(call.taken(), convert.queue)

    async def get_workflows(self) -> list[Workflow]:
        """The workflows, inputs and outputs decoded (`GET /api/v1/comfy/workflows`)."""
        from flowscale_api.api.comfy import get_workflows

        from .. import _convert as convert

        with self._call("get_workflows", NO_DEADLINE) as call:
            await get_workflows.asyncio_detailed(client=self.api.generated_client())
        return convert.parse(call.taken(), convert.workflows)

    async def get_run(self, run_id: str, deadline: Deadline = NO_DEADLINE) -> Run:
        """The run `run_id` (`GET /api/v1/runs/{run_id}`); `NotFoundError` when there is none."""
        from flowscale_api.api.runs import get_run

        from .. import _convert as convert

        with self._call("get_run", deadline) as call:
            await get_run.asyncio_detailed(run_id, client=self.api.generated_client())
        return convert.parse(call.taken(), convert.run)

    async def get_runs(
        self,
        *,
        group_id: str | None,
        sort_by: str,
        sort_order: str,
        page: int,
        page_size: int,
    ) -> RunPage:
        """Raises ValueError for a `sort_by`/`sort_order` the spec does not list."""
        from flowscale_api.api.runs import get_runs
        from flowscale_api.models import GetRunsSortBy, GetRunsSortOrder
        from flowscale_api.types import UNSET

        from .. import _convert as convert

        try:
            by, order = GetRunsSortBy(sort_by), GetRunsSortOrder(sort_order)
        except ValueError:
            raise ValueError(
                f"sort_by must be one of {[m.value for m in GetRunsSortBy]} and "
                f"sort_order one of {[m.value for m in GetRunsSortOrder]}, "
                f"not {sort_by!r}/{sort_order!r}"
            ) from None
        with self._call("get_runs", NO_DEADLINE) as call:
            await get_runs.asyncio_detailed(
                client=self.api.generated_client(),
                group_id=UNSET if group_id is None else group_id,
                sort_by=by,
                sort_order=order,
                page=page,
                page_size=page_size,
            )
        return convert.parse(call.taken(), lambda body: convert.run_page(body, page))

    async def get_output(self, filename: str, deadline: Deadline = NO_DEADLINE) -> Output | None:
        """None while the output is not ready (204)."""
        from flowscale_api.api.runs import get_output

        from .. import _convert as convert

        with self._call("get_output", deadline) as call:
            await get_output.asyncio_detailed(client=self.api.generated_client(), filename=filename)
        response = call.taken()
        if response.status_code == 204:
            return None
        return convert.parse(response, lambda body: convert.output(body, filename))

    async def cancel_run(self, run_id: str, deadline: Deadline = NO_DEADLINE) -> str:
        """Cancel the run `run_id`; the server's message (`POST /api/v1/runs/{run_id}/cancel`)."""
        from flowscale_api.api.runs import cancel_run

        from .. import _convert as convert

        with self._call("cancel_run", deadline) as call:
            await cancel_run.asyncio_detailed(run_id, client=self.api.generated_client())
        return convert.parse(call.taken(), convert.cancelled)

    async def execute_workflow(
        self,
        workflow_id: str,
        body: EncodedInputs,
        group_id: str | None,
        deadline: Deadline = NO_DEADLINE,
    ) -> SubmittedRun:
        """Sends the SDK's own multipart encoding (files streamed from disk) in place of the
        generated one, under the operation's non-idempotent retry rules."""
        from flowscale_api.api.runs import execute_workflow
        from flowscale_api.types import UNSET

        from .. import _convert as convert

        with self._call("execute_workflow", deadline, body=body, workflow_id=workflow_id) as call:
            await execute_workflow.asyncio_detailed(
                client=self.api.generated_client(),
                workflow_id=workflow_id,
                group_id=UNSET if group_id is None else group_id,
            )
        return convert.parse(call.taken(), lambda b: convert.submitted(b, workflow_id))

    async def open_event_stream(
        self,
        run_id: str,
        *,
        from_seq: int,
        last_event_id: str | None,
        deadline: Deadline,
        timeout: httpx.Timeout,
        retry: RetryPolicy | None = None,
    ) -> httpx.Response:
        """The open (unread) reply of the run's event stream: the caller must close it."""
        from flowscale_api.api.runs import stream_run_events
        from flowscale_api.types import UNSET

        with self._call(
            "stream_run_events",
            deadline,
            stream=True,
            timeout=timeout,
            headers={"Accept": "text/event-stream", "Cache-Control": "no-store"},
            retry=retry,
        ) as call:
            await stream_run_events.asyncio_detailed(
                run_id,
                client=self.api.generated_client(),
                from_seq=from_seq,
                last_event_id=UNSET if last_event_id is None else last_event_id,
            )
        return call.taken()
