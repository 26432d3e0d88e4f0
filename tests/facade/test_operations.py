"""Every operation on both clients, against the local server."""

from __future__ import annotations

import io
import json
import pathlib
import uuid
from typing import Any

import pytest
from PIL import Image

from flowscale import (
    File,
    FlowscaleAPI,
    NotFoundError,
    Output,
    Run,
    RunPage,
    SubmittedRun,
    ValidationError,
)
from flowscale.server import LocalServer

from .conftest import ECHO, IMAGE_TO_IMAGE, REPORT, TEXT_TO_IMAGE


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(buffer, "PNG")
    return buffer.getvalue()


def test_flowscale_api_is_the_vendor_name() -> None:
    # Was an alias of Flowscale; issue 11 made it the 1.x interface built on Flowscale
    # (tests/legacy), since 1.x code failed on the alias's typed results.
    from flowscale import Flowscale

    assert FlowscaleAPI is not Flowscale
    assert FlowscaleAPI.__name__ == "FlowscaleAPI"
    assert "Flowscale" in (FlowscaleAPI.__doc__ or "")


def test_cluster_operations(client: Any) -> None:
    health = client.check_health()
    assert [h.container for h in health] == ["container #1", "container #2"]
    assert all(h.status in ("idle", "running") for h in health)
    queue = client.get_queue()
    assert len(queue) == 2
    workflows = {w.id: w for w in client.get_workflows()}
    assert workflows[TEXT_TO_IMAGE].name == "Text to Image"
    assert workflows[TEXT_TO_IMAGE].inputs == {"text_51536": "string"}
    assert workflows[IMAGE_TO_IMAGE].inputs == {"image_input": "image", "prompt": "string"}


def test_execute_returns_at_once_and_the_run_can_be_read(client: Any) -> None:
    submitted = client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "a fox"}, "group-ops")
    assert isinstance(submitted, SubmittedRun)
    assert submitted.workflow_id == TEXT_TO_IMAGE
    run = client.get_run(submitted.run_id)
    assert isinstance(run, Run)
    assert (run.id, run.workflow_id, run.group_id) == (submitted.run_id, TEXT_TO_IMAGE, "group-ops")
    assert run.created_at is not None
    assert run.inputs[0].path == "text_51536"
    result = client.wait_for_run(submitted.run_id, timeout=30)
    assert result.run_id == submitted.run_id
    (output,) = result
    name = output.filename.rsplit(".", 1)[0]
    fetched = client.get_output(name)
    assert isinstance(fetched, Output)
    assert fetched.download_url == output.download_url or fetched.download_url is not None
    done = client.get_run(submitted.run_id)
    assert done.status == "completed"
    assert done.is_finished


def test_inputs_of_every_kind_reach_the_server(client: Any, tmp_path: pathlib.Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(png_bytes())
    for value, expected_name, expected_type in [
        (image, "photo.png", "image/png"),
        (png_bytes(), "image", "image/png"),
        (io.BytesIO(png_bytes()), "image", "image/png"),
        (File(png_bytes(), filename="x.bin", content_type="image/png"), "x.bin", "image/png"),
    ]:
        result = client.execute_workflow_async(
            ECHO,
            {"prompt": "hi & bye", "count": 3, "flag": True, "options": {"a": [1]}, "image": value},
            timeout=30,
        )
        echoed = json.loads(result[0].file_content)
        assert echoed["prompt"] == "hi & bye"
        assert echoed["count"] == "3"
        assert echoed["flag"] == "true"
        assert json.loads(echoed["options"]) == {"a": [1]}
        assert echoed["image"]["filename"] == expected_name
        assert echoed["image"]["content_type"] == expected_type
        assert echoed["image"]["head"] == png_bytes()[:16].hex()


def test_image_to_image_transforms_a_real_upload(client: Any, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(png_bytes("blue"))
    result = client.execute_workflow_async(
        IMAGE_TO_IMAGE, {"image_input": source, "prompt": "warmer"}, timeout=30
    )
    (path,) = client.download_outputs(result, tmp_path / "out")
    with Image.open(path) as image:
        assert image.format == "PNG"


def test_mixed_outputs_are_all_returned(client: Any, tmp_path: pathlib.Path) -> None:
    result = client.execute_workflow_async(REPORT, {"prompt": "sea", "seed": 7}, timeout=30)
    kinds = sorted("text" if o.is_text else "file" for o in result)
    assert kinds == ["file", "file", "text"]
    paths = client.download_outputs(result, tmp_path)
    assert len({p.name for p in paths}) == 3
    assert all(p.stat().st_size > 0 for p in paths)
    assert result.to_dict()["status"] == "success"
    assert len(result.to_dict()["data"]) == 3


def test_unknown_and_missing_inputs_are_validation_errors_with_fields(client: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "x", "bogus": "y"})
    assert "bogus" in {e.field for e in caught.value.errors}
    assert caught.value.status_code == 422
    with pytest.raises(ValidationError) as caught:
        client.execute_workflow(TEXT_TO_IMAGE, {})
    assert "text_51536" in {e.field for e in caught.value.errors}


def test_a_type_error_is_raised_before_any_request(client: Any, server: LocalServer) -> None:
    with pytest.raises(TypeError, match="unsupported type"):
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": object()})
    with pytest.raises(TypeError, match="workflow_id"):
        client.execute_workflow(None, {"text_51536": "x"})
    assert server.counters()["requests"].get("execute_workflow", 0) == 0


def test_unknown_run_is_not_found(client: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_run("no-such-run")
    assert caught.value.status_code == 404
    assert "/api/v1/runs/no-such-run" in str(caught.value)


def test_run_ids_are_path_escaped(client: Any) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_run("../comfy/health")
    assert "..%2Fcomfy%2Fhealth" in caught.value.url


def test_get_runs_pages_and_filters(client: Any) -> None:
    # A group of its own: id(client) can repeat once an earlier client is freed, and the
    # local server is shared, so two tests could count each other's runs.
    group = f"paging-{uuid.uuid4().hex}"
    ids = [
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": str(i)}, group).run_id
        for i in range(5)
    ]
    page = client.get_runs(group, page=1, page_size=2, sort_order="asc")
    assert isinstance(page, RunPage)
    assert (page.total_count, page.total_pages, page.page, len(page)) == (5, 3, 1, 2)
    assert [r.id for r in page] == ids[:2]
    assert page.has_next
    everything = list(client.iter_runs(group, sort_order="asc", page_size=2))
    assert [r.id for r in everything] == ids
    for run_id in ids:
        client.wait_for_run(run_id, timeout=30)


def test_get_runs_checks_its_arguments(client: Any) -> None:
    with pytest.raises(ValueError, match="sort_by"):
        client.get_runs(sort_by="name")
    with pytest.raises(ValueError, match="page_size"):
        client.get_runs(page_size=101)
    with pytest.raises(ValueError, match="page must be at least 1"):
        client.get_runs(page=0)
    with pytest.raises(TypeError, match="page"):
        client.get_runs(page="2")


def test_get_output_is_none_until_ready(client: Any) -> None:
    from .conftest import SLOW

    submitted = client.execute_workflow(SLOW, {"seconds": 0.5})
    names: tuple[str, ...] = ()
    # The server knows the output names of a run once it produced them; before that 204.
    assert client.get_output("filename_prefix_1_ABCDEFGHIJ") is None
    client.wait_for_run(submitted.run_id, timeout=30)
    names = client.get_run(submitted.run_id).output_names
    assert names
    output = client.get_output(names[0])
    assert output is not None
    assert output.file_content == "slept 0.5"
