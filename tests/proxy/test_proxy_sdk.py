"""The SDK in proxy mode against the proxy in front of the local server: the facade's main
operations, sync and async, with a user's JWT and no API key on the client side."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from flowscale import AsyncFlowscale, Flowscale, NotFoundError, RunCancelledError
from flowscale.proxy import ProxyPolicy
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer, RunContext, Workflow

from .conftest import MakeProxy, bearer

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
IMAGE_TO_IMAGE = "660f9411-f30c-52e5-b827-557766551111"
PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"
SLOW = "slow-for-cancel"


@pytest.fixture
def exposed(make_proxy: MakeProxy, upstream: LocalServer) -> ProxyServer:
    def slow(ctx: RunContext) -> dict[str, str]:
        for step in range(500):
            ctx.progress(step, 500, node_id="1")
            ctx.sleep(0.01)
        return {"note.txt": "late"}

    upstream.register_workflow(
        Workflow(
            id=SLOW, name="Slow", fn=slow, inputs={"prompt": "string"}, outputs={"note": "text"}
        )
    )
    return make_proxy(ProxyPolicy(expose={"check_health", "get_queue"}, requests_per_second=None))


@pytest.fixture
def client(exposed: ProxyServer) -> Iterator[Flowscale]:
    with Flowscale(
        base_url=exposed.url, proxy_mode=True, custom_headers=bearer("sdk-user"), timeout=10
    ) as sync_client:
        yield sync_client


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), "teal").save(buffer, "PNG")
    return buffer.getvalue()


def test_sync_operations(client: Flowscale, tmp_path: Path) -> None:
    assert client.check_health()
    assert client.get_queue()
    names = {wf.name for wf in client.get_workflows()}
    assert {"Text to Image", "Image to Image"} <= names

    result = client.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "a fox"}, timeout=30)
    assert result.status == "success"
    [output] = result.outputs
    saved = client.download_output(output, tmp_path)
    assert saved.read_bytes().startswith(b"\x89PNG")
    assert client.get_output(output.filename) is not None

    run = client.get_run(result.run_id)
    assert run.status == "completed"
    assert [r.id for r in client.get_runs().runs] == [result.run_id]
    assert [r.id for r in client.iter_runs()] == [result.run_id]

    image = client.execute_workflow_async(
        IMAGE_TO_IMAGE, {"image_input": _png(), "prompt": "mirror"}, timeout=30
    )
    assert image.status == "success"
    text = client.execute_workflow_async(PROMPT_ENHANCER, {"prompt": "cat"}, timeout=30)
    assert text.outputs[0].file_content

    started = client.execute_workflow(SLOW, {"prompt": "x"})
    with client.subscribe_run_events(started.run_id) as events:
        first = next(iter(events))
        assert first.run_id == started.run_id
    assert client.cancel_run(started.run_id)
    with pytest.raises(RunCancelledError):
        client.wait_for_run(started.run_id, timeout=30)

    with pytest.raises(NotFoundError):
        client.get_run("someone-elses-run")


async def test_async_operations(exposed: ProxyServer) -> None:
    async with AsyncFlowscale(
        base_url=exposed.url, proxy_mode=True, custom_headers=bearer("async-user"), timeout=10
    ) as client:
        result = await client.execute_workflow_async(
            TEXT_TO_IMAGE, {"text_51536": "async fox"}, timeout=30
        )
        assert result.status == "success"
        assert (await client.get_run(result.run_id)).status == "completed"
        assert [r.id for r in (await client.get_runs()).runs] == [result.run_id]
        assert await client.get_output(result.outputs[0].filename) is not None
        assert await client.get_workflows()
