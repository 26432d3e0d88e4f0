"""Helpers for the server tests: clients, stream reading, and workflows tests can steer."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import httpx_sse

from flowscale.server import LocalServer, RunContext, Workflow
from flowscale_api import AuthenticatedClient
from flowscale_api.api.runs import execute_workflow
from flowscale_api.models import ExecuteResponse, WorkflowInputsForm, WorkflowInputsMultipart
from flowscale_api.types import File

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
IMAGE_TO_IMAGE = "660f9411-f30c-52e5-b827-557766551111"
PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"
IMAGE_REPORT = "880b2633-b4de-4f1c-9d20-779988773333"
STREAM_TIMEOUT = httpx.Timeout(10.0)


def api_client(server: LocalServer, token: str | None = None) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=server.base_url,
        token=server.api_key if token is None else token,
        prefix="",
        auth_header_name="X-API-KEY",
        timeout=httpx.Timeout(10.0),
    )


def http(server: LocalServer, **kwargs: Any) -> httpx.Client:
    """A plain httpx client on the API with the key."""
    return httpx.Client(
        base_url=server.base_url, headers={"X-API-KEY": server.api_key}, timeout=10.0, **kwargs
    )


def text_part(value: str) -> File:
    """A multipart text part without a file name (what the SDK sends for text)."""
    return File(payload=io.BytesIO(value.encode()))


def file_part(data: bytes, name: str = "input.png", mime: str = "image/png") -> File:
    return File(payload=io.BytesIO(data), file_name=name, mime_type=mime)


def execute_multipart(
    client: AuthenticatedClient,
    workflow_id: str,
    parts: Mapping[str, File],
    group_id: str | None = None,
) -> str:
    body = WorkflowInputsMultipart()
    for key, value in parts.items():
        body[key] = value
    kwargs: dict[str, Any] = {"group_id": group_id} if group_id is not None else {}
    response = execute_workflow.sync_detailed(
        client=client, workflow_id=workflow_id, body=body, **kwargs
    )
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, ExecuteResponse)
    return response.parsed.data.run_id


def execute_form(
    client: AuthenticatedClient,
    workflow_id: str,
    fields: Mapping[str, str],
    group_id: str | None = None,
) -> str:
    body = WorkflowInputsForm.from_dict(dict(fields))
    kwargs: dict[str, Any] = {"group_id": group_id} if group_id is not None else {}
    response = execute_workflow.sync_detailed(
        client=client, workflow_id=workflow_id, body=body, **kwargs
    )
    assert response.status_code == 200, response.content
    assert isinstance(response.parsed, ExecuteResponse)
    return response.parsed.data.run_id


def events(
    server: LocalServer,
    run_id: str,
    *,
    from_seq: int | None = None,
    last_event_id: str | None = None,
    limit: int | None = None,
) -> list[httpx_sse.ServerSentEvent]:
    """Read the run's event stream until the server closes it (or ``limit`` events)."""
    params = {"from_seq": str(from_seq)} if from_seq is not None else {}
    headers = {"X-API-KEY": server.api_key}
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    received = []
    with (
        httpx.Client(base_url=server.base_url, timeout=STREAM_TIMEOUT) as client,
        httpx_sse.connect_sse(
            client, "GET", f"/api/v1/runs/{run_id}/events", params=params, headers=headers
        ) as source,
    ):
        assert source.response.status_code == 200
        for event in source.iter_sse():
            if not event.data and not event.id:
                continue  # httpx_sse reports the lone ``retry:`` block as an empty event
            received.append(event)
            if limit is not None and len(received) >= limit:
                break
    return received


def data(event: httpx_sse.ServerSentEvent) -> dict[str, Any]:
    parsed = json.loads(event.data)
    assert isinstance(parsed, dict)
    return parsed


def wait_end(server: LocalServer, run_id: str) -> dict[str, Any]:
    """Follow the run's events to the end; return the ``end`` event's data."""
    received = events(server, run_id)
    assert received, "the stream closed without any event"
    assert received[-1].event == "end"
    return data(received[-1])


class Gate:
    """A workflow that runs until a test releases it: deterministic 'running' states.

    ``started`` is set once the function runs; the function then waits (cancellably) for
    ``release``, and returns a text output.
    """

    def __init__(self, workflow_id: str = "gate") -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.entered: list[str] = []
        self.workflow = Workflow(
            id=workflow_id,
            name="Gate",
            inputs={"prompt": "string"},
            outputs={"result": "text"},
            fn=self._fn,
        )

    def _fn(self, ctx: RunContext) -> Mapping[str, str]:
        self.entered.append(ctx.run_id)
        self.started.set()
        ctx.progress(0, 1, node_id="1", node_type="Gate")
        while not self.release.is_set():
            ctx.sleep(0.005)  # a cancellation point while waiting for the test
        return {"result.txt": f"released {ctx.inputs['prompt']}"}


def iter_lines(response: httpx.Response) -> Iterator[str]:
    yield from response.iter_lines()
