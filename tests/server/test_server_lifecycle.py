"""User workflows, failures, and restarting on a data directory."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from flowscale.server import LocalServer, RunContext, Workflow, WorkflowFailed
from flowscale_api import AuthenticatedClient
from flowscale_api.api.runs import get_output, get_run
from flowscale_api.models import OutputResponse, RunResponse

from .helpers import (
    PROMPT_ENHANCER,
    TEXT_TO_IMAGE,
    Gate,
    api_client,
    data,
    events,
    execute_form,
    wait_end,
)

pytestmark = pytest.mark.timeout(30)


def test_user_workflow_events_and_outputs(server: LocalServer, client: AuthenticatedClient) -> None:
    def fn(ctx: RunContext) -> dict[str, bytes | str]:
        ctx.log(f"hello {ctx.inputs['who']}", level="warning")
        for i in range(3):
            ctx.progress(i + 1, 3, node_id="7", node_type="Custom")
        return {"result.png": b"\x89PNG fake", "summary.txt": "three steps", "extra.json": "{}"}

    server.register_workflow(
        Workflow(
            id="mine",
            name="Mine",
            description="mine",
            inputs={"who": "string"},
            outputs={"result": "image", "summary": "text"},
            fn=fn,
        )
    )
    run_id = execute_form(client, "mine", {"who": "you"})
    received = [data(e) for e in events(server, run_id)]
    log = next(e for e in received if e["type"] == "log")
    assert (log["level"], log["message"]) == ("warning", "hello you")
    progress = [(e["value"], e["max"], e["node_type"]) for e in received if e["type"] == "progress"]
    assert progress == [(1, 3, "Custom"), (2, 3, "Custom"), (3, 3, "Custom")]
    outputs = {e["filename"].split(".", 1)[1]: e for e in received if e["type"] == "output"}
    assert set(outputs) == {"png", "txt", "json"}
    assert outputs["json"]["file_content"] == "{}"  # a str is a text output
    assert outputs["json"]["content_type"] == "application/json"
    assert outputs["txt"]["content_type"] == "text/plain; charset=utf-8"
    assert httpx.get(outputs["png"]["download_url"]).content == b"\x89PNG fake"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.output_names, list)
    names = run.data.output_names
    assert len(names) == 3
    # Declared outputs share a stable node id per workflow output; names differ per run.
    second = execute_form(client, "mine", {"who": "me"})
    wait_end(server, second)
    again = get_run.sync(second, client=client)
    assert isinstance(again, RunResponse)
    assert isinstance(again.data.output_names, list)
    assert [n.rsplit("_", 1)[0] for n in again.data.output_names] == [
        n.rsplit("_", 1)[0] for n in names
    ]
    assert set(again.data.output_names).isdisjoint(names)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            WorkflowFailed("bad node", node_id="7", node_type="VAEDecode"),
            {
                "message": "bad node",
                "node_id": "7",
                "node_type": "VAEDecode",
                "exception_type": "WorkflowFailed",
            },
        ),
        (
            ZeroDivisionError("division by zero"),
            {
                "message": "division by zero",
                "node_id": None,
                "node_type": None,
                "exception_type": "ZeroDivisionError",
            },
        ),
    ],
)
def test_failures(
    server: LocalServer,
    client: AuthenticatedClient,
    error: Exception,
    expected: dict[str, str | None],
) -> None:
    def fn(ctx: RunContext) -> dict[str, str]:
        ctx.progress(1, 2)
        raise error

    server.register_workflow(Workflow(id="fails", name="Fails", outputs={"x": "text"}, fn=fn))
    run_id = execute_form(client, "fails", {})
    received = [data(e) for e in events(server, run_id)]
    assert received[-2] == {**received[-2], "type": "status", "status": "failed", "error": expected}
    assert received[-1]["status"] == "failed"
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert run.data.status == "failed"
    assert run.data.error is not None
    assert run.data.error.to_dict() == expected
    assert run.data.output_names == []


def test_bad_return_value_fails_the_run(server: LocalServer, client: AuthenticatedClient) -> None:
    server.register_workflow(Workflow(id="bad", name="Bad", fn=lambda ctx: {"x.bin": 42}))  # type: ignore[arg-type,dict-item]
    run_id = execute_form(client, "bad", {})
    assert wait_end(server, run_id)["status"] == "failed"


def test_workflow_can_be_replaced(server: LocalServer, client: AuthenticatedClient) -> None:
    server.register_workflow(Workflow(id="v", name="One", fn=lambda ctx: {"v.txt": "1"}))
    server.register_workflow(Workflow(id="v", name="Two", fn=lambda ctx: {"v.txt": "2"}))
    run_id = execute_form(client, "v", {})
    received = [data(e) for e in events(server, run_id)]
    assert next(e for e in received if e["type"] == "output")["file_content"] == "2"


def test_invalid_workflow_declarations() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        Workflow(id="x", name="x", inputs={"a": "picture"}, fn=lambda ctx: {})
    with pytest.raises(ValueError, match="non-empty id"):
        Workflow(id="", name="x", fn=lambda ctx: {})


def test_restart_on_a_data_directory(tmp_path: Path) -> None:
    with LocalServer(data_dir=tmp_path, step_delay=0.001, workers=1) as first:
        gate = Gate()
        first.register_workflow(gate.workflow)
        with api_client(first) as client:
            done = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "kept"}, group_id="keep")
            wait_end(first, done)
            text = execute_form(client, PROMPT_ENHANCER, {"prompt": "kept"}, group_id="keep")
            wait_end(first, text)
            running = execute_form(client, "gate", {"prompt": "p"}, group_id="keep")
            assert gate.started.wait(5)
            queued = execute_form(client, "gate", {"prompt": "q"}, group_id="keep")
            before = get_run.sync(done, client=client)
            assert isinstance(before, RunResponse)
            old_events = [e.data for e in events(first, done)]
    with (
        LocalServer(data_dir=tmp_path, step_delay=0.001) as second,
        api_client(second) as client,
    ):
        after = get_run.sync(done, client=client)
        assert isinstance(after, RunResponse)
        assert after.data.status == "completed"
        assert after.data.output_names == before.data.output_names
        # The same events, except for freshly signed links on the new file host.
        replay = [without_url(e.data) for e in events(second, done)]
        assert replay == [without_url(e) for e in old_events]
        assert isinstance(after.data.output_names, list)
        output = get_output.sync(client=client, filename=after.data.output_names[0])
        assert isinstance(output, OutputResponse)
        assert isinstance(output.data.download_url, str)
        assert output.data.download_url.startswith(second.files_url)
        assert httpx.get(output.data.download_url).status_code == 200
        text_run = get_run.sync(text, client=client)
        assert isinstance(text_run, RunResponse)
        assert isinstance(text_run.data.output_names, list)
        text_output = get_output.sync(client=client, filename=text_run.data.output_names[0])
        assert isinstance(text_output, OutputResponse)
        assert isinstance(text_output.data.file_content, str)
        for interrupted in (running, queued):
            run = get_run.sync(interrupted, client=client)
            assert isinstance(run, RunResponse)
            assert run.data.status == "failed"
            assert run.data.error is not None
            assert run.data.error.message == "server restarted"
            assert wait_end(second, interrupted)["status"] == "failed"
        listed = httpx.get(
            f"{second.base_url}/api/v1/runs",
            params={"group_id": "keep"},
            headers={"X-API-KEY": second.api_key},
        ).json()
        assert listed["meta"]["total_count"] == 4
        # New runs keep working, with queue numbers after the old ones.
        fresh = execute_form(client, PROMPT_ENHANCER, {"prompt": "new"})
        assert wait_end(second, fresh)["status"] == "completed"


def without_url(event_data: str) -> dict[str, object]:
    parsed = json.loads(event_data)
    assert isinstance(parsed, dict)
    parsed.pop("download_url", None)
    return parsed


def test_a_dedicated_server_process_leaves_its_startup_out_of_garbage_collections() -> None:
    # serve_forever (`flowscale serve`) freezes what is alive once the server has started,
    # and unfreezes it when it returns; a LocalServer alone never touches the process's GC.
    import gc

    from flowscale.server._server import dedicated_process

    assert gc.get_freeze_count() == 0
    with LocalServer(step_delay=0.001) as server:
        assert gc.get_freeze_count() == 0
        with dedicated_process():
            assert gc.get_freeze_count() > 0
            headers = {"X-API-KEY": server.api_key}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as plain:
                assert plain.get("/api/v1/comfy/health").status_code == 200
        assert gc.get_freeze_count() == 0
