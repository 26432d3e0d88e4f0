"""The facade replaying exchanges recorded from a Flowscale server (both clients)."""

from __future__ import annotations

import asyncio
import pathlib
from typing import Any

import pytest

from flowscale import AsyncFlowscale, Flowscale, RunResult, ValidationError

from .conftest import API_KEY, BASE_URL, WORKFLOW_ID, WORKFLOW_INPUTS

pytestmark = pytest.mark.vcr


def sync_client() -> Flowscale:
    return Flowscale(api_key=API_KEY, base_url=BASE_URL, max_retries=0)


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def test_cluster_sync() -> None:
    with sync_client() as client:
        assert client.check_health()
        assert client.get_queue()
        assert any(w.id == WORKFLOW_ID for w in client.get_workflows())


def test_cluster_async() -> None:
    async def scenario() -> None:
        async with AsyncFlowscale(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client:
            assert await client.check_health()
            assert await client.get_queue()
            assert any(w.id == WORKFLOW_ID for w in await client.get_workflows())

    run_async(scenario())


def _check_result(result: RunResult, saved: list[pathlib.Path]) -> None:
    assert result.outputs
    assert len(saved) == len(result.outputs)
    for output, path in zip(result.outputs, saved, strict=True):
        assert path.exists()
        if output.size is not None:
            assert path.stat().st_size == output.size


def test_run_and_download_sync(tmp_path: pathlib.Path) -> None:
    with sync_client() as client:
        result = client.execute_workflow_async(WORKFLOW_ID, WORKFLOW_INPUTS, timeout=120)
        _check_result(result, client.download_outputs(result, tmp_path))
        run = client.get_run(result.run_id)
        assert run.status == "completed"


def test_run_and_download_async(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with AsyncFlowscale(api_key=API_KEY, base_url=BASE_URL, max_retries=0) as client:
            result = await client.execute_workflow_async(WORKFLOW_ID, WORKFLOW_INPUTS, timeout=120)
            _check_result(result, await client.download_outputs(result, tmp_path))
            assert (await client.get_run(result.run_id)).status == "completed"

    run_async(scenario())


def test_events_and_cancel_sync() -> None:
    with sync_client() as client:
        run_id = client.execute_workflow(WORKFLOW_ID, WORKFLOW_INPUTS).run_id
        with client.subscribe_run_events(run_id) as stream:
            events = list(stream)
        assert events[-1].type == "end"
        assert [e.seq for e in events] == sorted({e.seq for e in events})
        assert client.cancel_run(run_id)  # the run ended: "Run already completed"


def test_list_runs_sync() -> None:
    with sync_client() as client:
        page = client.get_runs(page_size=5)
        assert page.page == 1
        assert len(page.runs) <= 5


def test_validation_error_sync() -> None:
    with sync_client() as client, pytest.raises(ValidationError) as caught:
        client.execute_workflow(WORKFLOW_ID, {"not_an_input": "x"})
    assert caught.value.errors
