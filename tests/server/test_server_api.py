"""Every operation of the spec, through the generated client, over real HTTP on loopback."""

from __future__ import annotations

import io
import json

import httpx
import pytest
from PIL import Image

from flowscale.server import LocalServer
from flowscale_api import AuthenticatedClient
from flowscale_api.api.comfy import check_health, get_queue, get_workflows
from flowscale_api.api.runs import (
    cancel_run,
    get_output,
    get_run,
    get_runs,
    stream_run_events,
)
from flowscale_api.models import (
    CancelResponse,
    ErrorEnvelope,
    GetRunsSortBy,
    GetRunsSortOrder,
    HealthResponse,
    OutputResponse,
    QueueResponse,
    RunListResponse,
    RunResponse,
    WorkflowsResponse,
)

from .helpers import (
    IMAGE_REPORT,
    IMAGE_TO_IMAGE,
    PROMPT_ENHANCER,
    TEXT_TO_IMAGE,
    Gate,
    events,
    execute_form,
    execute_multipart,
    file_part,
    text_part,
    wait_end,
)

pytestmark = pytest.mark.timeout(30)


def png(colour: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (40, 20)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def test_health_lists_each_container(server: LocalServer, client: AuthenticatedClient) -> None:
    response = check_health.sync_detailed(client=client)
    assert response.status_code == 200
    assert isinstance(response.parsed, HealthResponse)
    assert [(c.container, c.status) for c in response.parsed.data] == [
        ("container #1", "idle"),
        ("container #2", "idle"),
    ]


def test_health_and_queue_show_running_and_pending(client: AuthenticatedClient) -> None:
    with LocalServer(workers=1, step_delay=0.001) as server:
        gate = Gate()
        server.register_workflow(gate.workflow)
        from .helpers import api_client

        with api_client(server) as one:
            first = execute_form(one, "gate", {"prompt": "a"})
            assert gate.started.wait(5)
            second = execute_form(one, "gate", {"prompt": "b"})
            health = check_health.sync(client=one)
            assert isinstance(health, HealthResponse)
            assert [c.status for c in health.data] == ["running"]
            queue = get_queue.sync(client=one)
            assert isinstance(queue, QueueResponse)
            entry = queue.data[0]
            assert entry.container == "container #1"
            running = entry.queue.queue_running
            pending = entry.queue.queue_pending
            assert [item[1] for item in running] == [first]
            assert [item[1] for item in pending] == [second]
            assert running[0][0] < pending[0][0]  # queue numbers grow
            gate.release.set()
            assert wait_end(server, first)["status"] == "completed"
            assert wait_end(server, second)["status"] == "completed"
            idle = check_health.sync(client=one)
            assert isinstance(idle, HealthResponse)
            assert [c.status for c in idle.data] == ["idle"]


def test_workflows_match_the_spec_example(client: AuthenticatedClient) -> None:
    response = get_workflows.sync(client=client)
    assert isinstance(response, WorkflowsResponse)
    by_id = {wf.id: wf for wf in response.data}
    text = by_id[TEXT_TO_IMAGE]
    assert text.name == "Text to Image"
    assert text.description == "Generate an image from text input"
    assert json.loads(str(text.inputs)) == {"text_51536": "string"}
    assert json.loads(str(text.outputs)) == {"image_output": "image"}
    image = by_id[IMAGE_TO_IMAGE]
    assert json.loads(str(image.inputs)) == {"image_input": "image", "prompt": "string"}
    assert json.loads(str(image.outputs)) == {"transformed_image": "image"}
    assert {PROMPT_ENHANCER, IMAGE_REPORT} <= set(by_id)


def test_text_to_image_multipart_end_to_end(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_multipart(client, TEXT_TO_IMAGE, {"text_51536": text_part("a red bike")})
    assert wait_end(server, run_id)["status"] == "completed"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    detail = run.parsed if hasattr(run, "parsed") else run
    data = detail.data
    assert data.field_id == run_id
    assert data.status == "completed"
    assert data.workflow_id == TEXT_TO_IMAGE
    assert [(i.path, i.value, i.s3_key, i.url) for i in data.inputs] == [
        ("text_51536", "a red bike", None, None)
    ]
    assert data.created_at is not None
    assert data.started_at is not None
    assert data.completed_at is not None
    assert data.created_at <= data.started_at <= data.completed_at
    assert data.created_at.utcoffset() is not None  # timestamps carry their UTC offset
    (name,) = data.output_names
    assert name.startswith("filename_prefix_")
    (output,) = data.outputs
    assert output.filename == f"{name}.png"
    assert output.s3_key == f"generations/{name}.png"
    assert isinstance(output.url, str)
    assert output.url.startswith(server.files_url)
    result = get_output.sync(client=client, filename=name)
    assert isinstance(result, OutputResponse)
    assert result.status == "success"
    assert result.data.generation_status == "success"
    assert result.data.content_type == "image/png"
    assert isinstance(result.data.download_url, str)
    body = httpx.get(result.data.download_url).content
    assert len(body) == result.data.size
    assert Image.open(io.BytesIO(body)).size == (512, 512)


def test_text_to_image_is_deterministic(server: LocalServer, client: AuthenticatedClient) -> None:
    bodies = []
    for _ in range(2):
        run_id = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "same prompt"})
        wait_end(server, run_id)
        run = get_run.sync(run_id, client=client)
        assert isinstance(run, RunResponse)
        assert isinstance(run.data.outputs, list)
        url = run.data.outputs[0].url
        assert isinstance(url, str)
        bodies.append(httpx.get(url).content)
    other = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "another prompt"})
    wait_end(server, other)
    run = get_run.sync(other, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.outputs, list)
    assert isinstance(run.data.outputs[0].url, str)
    assert bodies[0] == bodies[1] != httpx.get(run.data.outputs[0].url).content


def test_image_to_image_transforms_the_upload(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_multipart(
        client,
        IMAGE_TO_IMAGE,
        {"image_input": file_part(png(size=(40, 20))), "prompt": text_part("make it blue")},
    )
    assert wait_end(server, run_id)["status"] == "completed"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    image_input = run.data.inputs[0] if isinstance(run.data.inputs, list) else None
    assert image_input is not None
    assert image_input.path == "image_input"
    assert image_input.value == "input.png"
    assert isinstance(image_input.url, str)
    assert httpx.get(image_input.url).content == png(size=(40, 20))  # the upload, stored
    assert isinstance(run.data.output_names, list)
    result = get_output.sync(client=client, filename=run.data.output_names[0])
    assert isinstance(result, OutputResponse)
    assert isinstance(result.data.download_url, str)
    out = Image.open(io.BytesIO(httpx.get(result.data.download_url).content))
    assert out.size == (20, 40)  # rotated


def test_corrupt_upload_fails_the_run_with_a_clear_error(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_multipart(
        client,
        IMAGE_TO_IMAGE,
        {"image_input": file_part(b"not an image at all"), "prompt": text_part("x")},
    )
    received = events(server, run_id)
    final_status = [e for e in received if e.event == "status"][-1]
    error = json.loads(final_status.data)["error"]
    assert json.loads(final_status.data)["status"] == "failed"
    assert error["message"].startswith("Cannot decode image_input")
    assert error["node_type"] == "LoadImage"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert run.data.status == "failed"
    assert run.data.error is not None
    assert run.data.error.message == error["message"]


def test_text_output_is_returned_as_file_content(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_form(client, PROMPT_ENHANCER, {"prompt": "a castle"})
    wait_end(server, run_id)
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.output_names, list)
    (name,) = run.data.output_names
    for asked in (name, f"{name}.txt"):
        result = get_output.sync(client=client, filename=asked)
        assert isinstance(result, OutputResponse)
        assert isinstance(result.data.file_content, str)
        assert result.data.file_content.startswith("a castle, ")
        assert result.data.download_url is None
        assert result.data.filename == f"{name}.txt"


def test_mixed_outputs(server: LocalServer, client: AuthenticatedClient) -> None:
    run_id = execute_form(client, IMAGE_REPORT, {"prompt": "fox", "seed": "7"})
    received = events(server, run_id)
    outputs = [json.loads(e.data) for e in received if e.event == "output"]
    assert [o["filename"].rsplit(".", 1)[1] for o in outputs] == ["png", "txt", "json"]
    by_ext = {o["filename"].rsplit(".", 1)[1]: o for o in outputs}
    assert by_ext["txt"]["file_content"] == "fox (seed 7)"
    assert by_ext["txt"]["download_url"] is None
    metadata = httpx.get(by_ext["json"]["download_url"])
    assert metadata.headers["content-type"] == "application/json"
    assert metadata.json()["seed"] == "7"
    assert by_ext["png"]["content_type"] == "image/png"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.output_names, list)
    assert len(run.data.output_names) == 3


def test_output_not_ready_then_ready(server: LocalServer, client: AuthenticatedClient) -> None:
    gate = Gate()
    server.register_workflow(gate.workflow)
    run_id = execute_form(client, "gate", {"prompt": "p"})
    assert gate.started.wait(5)
    # A well-formed name while a run is going: not ready yet.
    pending = get_output.sync_detailed(client=client, filename="filename_prefix_1_ABCDEFGHIJ")
    assert pending.status_code == 204
    gate.release.set()
    wait_end(server, run_id)
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.output_names, list)
    ready = get_output.sync(client=client, filename=run.data.output_names[0])
    assert isinstance(ready, OutputResponse)
    assert ready.data.file_content == "released p"
    # Nothing is going any more: an unknown name is simply not found.
    gone = get_output.sync_detailed(client=client, filename="filename_prefix_1_ABCDEFGHIJ")
    assert gone.status_code == 404
    assert isinstance(gone.parsed, ErrorEnvelope)


def test_output_of_a_cancelled_run_times_out(server: LocalServer) -> None:
    gate = Gate()
    server.register_workflow(gate.workflow)
    from .helpers import api_client

    with api_client(server) as client:
        run_id = execute_form(client, "gate", {"prompt": "p"})
        assert gate.started.wait(5)
        # The names of declared outputs are allocated with the run (like the service's).
        state = server._state
        assert state is not None
        (expected,) = [o.name for o in state.store.outputs_of(run_id)]
        assert get_output.sync_detailed(client=client, filename=expected).status_code == 204
        assert cancel_run.sync_detailed(run_id, client=client).status_code == 200
        wait_end(server, run_id)
        timed_out = get_output.sync_detailed(client=client, filename=expected)
        assert timed_out.status_code == 408
        assert isinstance(timed_out.parsed, ErrorEnvelope)


def test_unknown_things_get_404_envelopes(client: AuthenticatedClient) -> None:
    for response in (
        get_run.sync_detailed("no-such-run", client=client),
        cancel_run.sync_detailed("no-such-run", client=client),
        stream_run_events.sync_detailed("no-such-run", client=client),
        get_output.sync_detailed(client=client, filename="nothing.png"),
    ):
        assert response.status_code == 404
        assert isinstance(response.parsed, ErrorEnvelope)
        assert response.parsed.status == "error"
    from flowscale_api.api.runs import execute_workflow
    from flowscale_api.models import WorkflowInputsForm

    missing = execute_workflow.sync_detailed(
        client=client, workflow_id="nope", body=WorkflowInputsForm.from_dict({"a": "b"})
    )
    assert missing.status_code == 404
    assert isinstance(missing.parsed, ErrorEnvelope)


def test_runs_list_filters_sorts_and_pages(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    ids = [
        execute_form(client, PROMPT_ENHANCER, {"prompt": str(i)}, group_id="g1") for i in range(5)
    ]
    other = execute_form(client, PROMPT_ENHANCER, {"prompt": "x"}, group_id="g2")
    for run_id in [*ids, other]:
        wait_end(server, run_id)
    page1 = get_runs.sync(client=client, group_id="g1", page=1, page_size=2)
    assert isinstance(page1, RunListResponse)
    assert page1.meta is not None
    assert not isinstance(page1.meta, type(None))
    meta = page1.meta
    assert (meta.sort_by, meta.sort_order, meta.page, meta.page_size) == (
        "created_at",
        "desc",
        1,
        2,
    )
    assert (meta.group_id, meta.total_count, meta.total_pages) == ("g1", 5, 3)
    assert [r.field_id for r in page1.data.runs] == [ids[4], ids[3]]
    page3 = get_runs.sync(client=client, group_id="g1", page=3, page_size=2)
    assert isinstance(page3, RunListResponse)
    assert [r.field_id for r in page3.data.runs] == [ids[0]]
    beyond = get_runs.sync(client=client, group_id="g1", page=9, page_size=2)
    assert isinstance(beyond, RunListResponse)
    assert beyond.data.runs == []
    ascending = get_runs.sync(
        client=client,
        group_id="g1",
        sort_by=GetRunsSortBy.STARTED_AT,
        sort_order=GetRunsSortOrder.ASC,
        page_size=100,
    )
    assert isinstance(ascending, RunListResponse)
    started = [r.started_at for r in ascending.data.runs]
    assert started == sorted(started)  # type: ignore[type-var]
    everything = get_runs.sync(client=client)
    assert isinstance(everything, RunListResponse)
    assert everything.meta is not None
    assert everything.meta.group_id is None
    assert everything.meta.total_count == 6
    assert {r.group_id for r in everything.data.runs} == {"g1", "g2"}


def test_cancel_in_every_state(client: AuthenticatedClient) -> None:
    with LocalServer(workers=1, step_delay=0.001) as server:
        gate = Gate()
        server.register_workflow(gate.workflow)
        from .helpers import api_client

        with api_client(server) as one:
            running = execute_form(one, "gate", {"prompt": "r"})
            assert gate.started.wait(5)
            queued = execute_form(one, "gate", {"prompt": "q"})
            # queued: cancelled at once, never runs
            response = cancel_run.sync(queued, client=one)
            assert isinstance(response, CancelResponse)
            assert response.status == "success"
            assert wait_end(server, queued)["status"] == "cancelled"
            # running: stops at its next cancellation point
            assert cancel_run.sync_detailed(running, client=one).status_code == 200
            assert wait_end(server, running)["status"] == "cancelled"
            assert gate.entered == [running]
            # ended: still 200, nothing changes
            again = cancel_run.sync_detailed(running, client=one)
            assert again.status_code == 200
            assert isinstance(again.parsed, CancelResponse)
            run = get_run.sync(queued, client=one)
            assert isinstance(run, RunResponse)
            assert run.data.status == "cancelled"
            assert run.data.started_at is None
            assert run.data.completed_at is not None
            # the container is free again for the next run
            gate.release.set()
            after = execute_form(one, "gate", {"prompt": "n"})
            assert wait_end(server, after)["status"] == "completed"
            cancelled_stream = events(server, running)
            statuses = [
                json.loads(e.data)["status"] for e in cancelled_stream if e.event == "status"
            ]
            assert statuses == ["queued", "running", "cancelled"]


def test_queue_forms_with_one_worker() -> None:
    with LocalServer(workers=1, step_delay=0.001) as server:
        gate = Gate()
        server.register_workflow(gate.workflow)
        from .helpers import api_client

        with api_client(server) as one:
            ids = [execute_form(one, "gate", {"prompt": str(i)}) for i in range(3)]
            assert gate.started.wait(5)
            first_events = events(server, ids[2], limit=1)
            assert json.loads(first_events[0].data)["queue_position"] == 1
            statuses = []
            for run_id in ids:
                run = get_run.sync(run_id, client=one)
                assert isinstance(run, RunResponse)
                statuses.append(run.data.status)
            assert statuses == ["running", "queued", "queued"]
            gate.release.set()
            for run_id in ids:
                assert wait_end(server, run_id)["status"] == "completed"
            assert gate.entered == ids  # first in, first out


def test_stream_of_a_finished_run_via_generated_client(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    run_id = execute_form(client, PROMPT_ENHANCER, {"prompt": "p"})
    wait_end(server, run_id)
    response = stream_run_events.sync_detailed(run_id, client=client)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert isinstance(response.parsed, str)
    assert response.parsed.startswith("retry: 1000\n\n")
    assert response.parsed.rstrip().endswith('"status":"completed"}')
