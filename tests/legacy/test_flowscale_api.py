"""`FlowscaleAPI` runs code written for the vendor's Python SDK 1.x, against the local server.

The examples are those of the flowscale 1.1.4 README, as written there (only the workflow ids
and file names point at what this server offers). The signatures are 1.1.4's and 1.0.1's.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import flowscale
from flowscale import FlowscaleAPI, RunFailedError, RunTimeoutError
from flowscale.server import InputFile, LocalServer, RunContext, Workflow, WorkflowFailed

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
BASIC = "bncu0a1kipv"  # the 1.x README's workflow id, with the inputs of its first example
FILES = "legacy-files"
MULTI = "legacy-multi"
SLOW = "legacy-slow"
FAIL = "legacy-fail"


def _describe(ctx: RunContext) -> dict[str, Any]:
    described: dict[str, Any] = {}
    for name, value in ctx.inputs.items():
        if isinstance(value, InputFile):
            described[name] = {"filename": value.filename, "content_type": value.content_type}
        else:
            described[name] = value
    return {"echo.txt": json.dumps(described, sort_keys=True)}


def _slow(ctx: RunContext) -> dict[str, Any]:
    ctx.sleep(30)
    return {"echo.txt": "late"}


def _fail(ctx: RunContext) -> dict[str, Any]:
    raise WorkflowFailed("exploded", node_id="7", node_type="VAEDecode")


def _workflow(workflow_id: str, fn: Any = _describe, **inputs: str) -> Workflow:
    return Workflow(
        id=workflow_id, name=workflow_id, inputs=inputs, outputs={"echo": "text"}, fn=fn
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.005) as srv:
        srv.register_workflow(_workflow(BASIC, text_51536="string", another_param="string"))
        srv.register_workflow(
            _workflow(FILES, text_51536="string", image_35728="image", video_1239="video")
        )
        srv.register_workflow(
            _workflow(MULTI, prompt="string", image_0="image", image_1="image", seed_0="number")
        )
        srv.register_workflow(_workflow(SLOW, prompt="string", fn=_slow))
        srv.register_workflow(_workflow(FAIL, prompt="string", fn=_fail))
        yield srv


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: LocalServer) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, "PNG")
    (tmp_path / "image.png").write_bytes(buffer.getvalue())
    (tmp_path / "video.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWSCALE_API_KEY", server.api_key)
    monkeypatch.setenv("FLOWSCALE_API_URL", server.base_url)
    return tmp_path


@pytest.fixture
def fs(workdir: Path) -> Iterator[FlowscaleAPI]:
    """The 1.x README's setup, verbatim but for exit()."""
    api_key = os.environ.get("FLOWSCALE_API_KEY")
    api_url = os.environ.get("FLOWSCALE_API_URL")
    assert api_key
    assert api_url
    with pytest.warns(DeprecationWarning, match="use flowscale.Flowscale"):
        flowscale = FlowscaleAPI(api_key, api_url)
    yield flowscale
    flowscale.close()


def _echo(fs: FlowscaleAPI, result: dict[str, Any]) -> dict[str, Any]:
    (output,) = result["outputs"].values()
    content = output["data"]["file_content"]
    assert isinstance(content, str)
    decoded: dict[str, Any] = json.loads(content)
    return decoded


# ---- construction -----------------------------------------------------------------------------


def test_one_deprecation_warning_pointing_to_flowscale_at_the_callers_line(
    server: LocalServer,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = FlowscaleAPI(server.api_key, server.base_url)
    client.close()
    assert [w.category for w in caught] == [DeprecationWarning]
    assert "flowscale.Flowscale" in str(caught[0].message)
    assert caught[0].filename == __file__


def test_it_is_its_own_class_built_on_flowscale(server: LocalServer) -> None:
    assert flowscale.FlowscaleAPI is not flowscale.Flowscale
    with pytest.warns(DeprecationWarning, match="1.x"):
        api = FlowscaleAPI(server.api_key, server.base_url)
    with api:
        assert isinstance(api.client, flowscale.Flowscale)
        assert api.base_url == server.base_url
        assert server.api_key not in repr(api)


# ---- the 1.x README's examples, in its order ---------------------------------------------------


def test_check_health(fs: FlowscaleAPI, capsys: Any) -> None:
    flowscale = fs
    health = flowscale.check_health()
    print(f"API Health: {health}")
    assert health["status"] == "success"
    assert health["data"]
    assert all(set(item) == {"container", "status"} for item in health["data"])


def test_get_queue(fs: FlowscaleAPI) -> None:
    flowscale = fs
    queue = flowscale.get_queue()
    print(f"Queue Details: {queue}")
    assert queue["status"] == "success"
    for item in queue["data"]:
        assert set(item) == {"container", "queue"}
        assert set(item["queue"]) == {"queue_running", "queue_pending"}


def test_execute_workflow_basic(fs: FlowscaleAPI, server: LocalServer) -> None:
    flowscale = fs
    workflow_id = "bncu0a1kipv"
    group_id = "test_group"
    inputs = {"text_51536": "Prompt test", "another_param": "some value"}
    result = flowscale.execute_workflow(workflow_id, inputs, group_id)
    print(f"Workflow Result: {result}")
    assert result["status"] == "success"
    assert result["data"]["workflow_id"] == workflow_id
    run = flowscale.get_run(result["data"]["run_id"])
    assert run["data"]["group_id"] == "test_group"


def test_execute_workflow_with_file_objects(fs: FlowscaleAPI) -> None:
    flowscale = fs
    with open("image.png", "rb") as image, open("video.mp4", "rb") as video:
        inputs = {"text_51536": "Prompt test", "image_35728": image, "video_1239": video}
        result = flowscale.execute_workflow_async(FILES, inputs)
    echo = _echo(fs, result)
    assert echo["image_35728"] == {"filename": "image.png", "content_type": "image/png"}
    assert echo["video_1239"] == {"filename": "video.mp4", "content_type": "video/mp4"}


def test_a_str_naming_a_file_is_refused_not_uploaded_nor_sent(
    fs: FlowscaleAPI, server: LocalServer
) -> None:
    flowscale = fs
    before = dict(server.counters()["runs_created"])
    inputs = {
        "text_51536": "Prompt test",
        "image_35728": open("image.png", "rb"),  # noqa: SIM115 (the README's own style)
        "image_42561": "image.png",  # File path (auto-detected) in 1.x
    }
    with pytest.raises(ValueError, match="image_42561") as caught:
        flowscale.execute_workflow(FILES, inputs)
    inputs["image_35728"].close()
    message = str(caught.value)
    assert "pathlib.Path('image.png')" in message
    assert "open('image.png', 'rb')" in message
    assert server.counters()["runs_created"] == before  # nothing was sent


def test_path_objects_upload(fs: FlowscaleAPI) -> None:
    result = fs.execute_workflow_async(
        FILES,
        {"text_51536": "x", "image_35728": Path("image.png"), "video_1239": Path("video.mp4")},
    )
    assert _echo(fs, result)["image_35728"]["filename"] == "image.png"


def test_lists_become_numbered_fields_and_none_is_left_out(fs: FlowscaleAPI) -> None:
    with open("image.png", "rb") as first, open("image.png", "rb") as second:
        result = fs.execute_workflow_async(
            MULTI,
            {"prompt": "two", "image": [first, second], "seed": (12345,), "unused": None},
        )
    echo = _echo(fs, result)
    assert echo["image_0"]["content_type"] == echo["image_1"]["content_type"] == "image/png"
    assert echo["seed_0"] == "12345"


def test_a_str_naming_a_file_inside_a_list_is_refused(fs: FlowscaleAPI) -> None:
    with pytest.raises(ValueError, match="image_1"):
        fs.execute_workflow(MULTI, {"prompt": "p", "image": [b"\x89PNG\r\n\x1a\n", "image.png"]})


def test_execute_workflow_async_simple(fs: FlowscaleAPI) -> None:
    flowscale = fs
    workflow_id = TEXT_TO_IMAGE
    inputs = {"text_51536": "Prompt test"}
    result = flowscale.execute_workflow_async(workflow_id, inputs)
    print(f"Workflow Result: {result}")
    assert set(result) == {"run_id", "workflow_id", "outputs", "total_outputs", "status"}
    assert result["workflow_id"] == workflow_id
    assert result["status"] == "completed"
    assert result["total_outputs"] == len(result["outputs"]) == 1
    ((name, output),) = result["outputs"].items()
    assert output["status"] == "success"
    assert output["data"]["generation_status"] == "success"
    assert output["data"]["download_url"].startswith("http://127.0.0.1:")
    assert flowscale.get_output(name) == output


def test_execute_workflow_async_with_1_0_seconds_keywords(fs: FlowscaleAPI) -> None:
    flowscale = fs
    result = flowscale.execute_workflow_async(
        TEXT_TO_IMAGE,
        {"text_51536": "Prompt test"},
        timeout=600,  # 10 minutes
        polling_interval=5,  # Check every 5 seconds
    )
    assert result["status"] == "completed"


def test_execute_workflow_async_with_1_1_milliseconds(fs: FlowscaleAPI) -> None:
    result = fs.execute_workflow_async(
        TEXT_TO_IMAGE, {"text_51536": "x"}, group_id="g", timeout_ms=60000, poll_interval_ms=500
    )
    assert result["status"] == "completed"
    positional = fs.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, None, 600000, 2000)
    assert positional["status"] == "completed"


def test_timeouts_are_milliseconds(fs: FlowscaleAPI) -> None:
    with pytest.raises(RunTimeoutError) as caught:
        fs.execute_workflow_async(SLOW, {"prompt": "x"}, timeout_ms=300, poll_interval_ms=50)
    assert caught.value.run_id
    fs.cancel_run(caught.value.run_id)


def test_bad_wait_arguments(fs: FlowscaleAPI) -> None:
    with pytest.raises(TypeError, match="timeout_ms"):
        fs.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, None, "600000")
    with pytest.raises(TypeError, match="polling"):
        fs.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, polling=5)


def test_a_failed_run_raises_an_exception(fs: FlowscaleAPI) -> None:
    with pytest.raises(Exception, match="exploded") as caught:
        fs.execute_workflow_async(FAIL, {"prompt": "x"})
    assert isinstance(caught.value, RunFailedError)


def test_get_output_of_a_run(fs: FlowscaleAPI) -> None:
    flowscale = fs
    result = flowscale.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "out"})
    (filename,) = result["outputs"]
    output = flowscale.get_output(filename)
    print(f"Workflow Output: {output}")
    assert output is not None
    assert output["data"]["download_url"]


def test_cancel_run(fs: FlowscaleAPI) -> None:
    flowscale = fs
    run_id = flowscale.execute_workflow(SLOW, {"prompt": "x"})["data"]["run_id"]
    result = flowscale.cancel_run(run_id)
    print(f"Cancellation Result: {result}")
    assert result["status"] == "success"
    assert isinstance(result["data"], str)


def test_get_run(fs: FlowscaleAPI) -> None:
    flowscale = fs
    done = flowscale.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "a man riding a bike"})
    run_details = flowscale.get_run(done["run_id"])
    print(f"Run Details: {run_details}")
    data = run_details["data"]
    assert run_details["status"] == "success"
    assert data["_id"] == done["run_id"]
    assert data["status"] == "completed"
    assert {"path": "text_51536", "value": "a man riding a bike"}.items() <= data["inputs"][
        0
    ].items()
    assert data["outputs"][0]["filename"] in done["outputs"]
    assert data["outputs"][0]["url"]
    assert isinstance(data["created_at"], str)
    assert data["created_at"].endswith("Z")
    for key in ("team_id", "workflow_id", "group_id", "started_at", "completed_at"):
        assert key in data


def test_get_runs_examples(fs: FlowscaleAPI) -> None:
    flowscale = fs
    for _ in range(3):
        flowscale.execute_workflow("bncu0a1kipv", {"text_51536": "a", "another_param": "b"}, "pg")
    runs = flowscale.get_runs()
    print(f"Recent Runs: {runs}")
    group_runs = flowscale.get_runs(group_id="pg")
    print(f"Group Runs: {group_runs}")
    paginated_runs = flowscale.get_runs(page=2, page_size=20)
    print(f"Page 2 Runs: {paginated_runs}")
    completed_runs = flowscale.get_runs(sort_by="completed_at", sort_order="asc", page_size=50)
    filtered_runs = flowscale.get_runs(
        group_id="pg", sort_by="started_at", sort_order="desc", page=1, page_size=25
    )
    for response in (runs, group_runs, paginated_runs, completed_runs, filtered_runs):
        assert response["status"] == "success"
        assert set(response["meta"]) == {
            "sort_by",
            "sort_order",
            "page",
            "group_id",
            "page_size",
            "total_count",
            "total_pages",
        }
        assert isinstance(response["data"]["runs"], list)
    assert group_runs["meta"]["total_count"] == 3
    assert {run["group_id"] for run in group_runs["data"]["runs"]} == {"pg"}
    assert filtered_runs["meta"]["sort_by"] == "started_at"
    # The FastAPI example passes them all by position.
    positional = flowscale.get_runs("pg", "created_at", "desc", 1, 2)
    assert len(positional["data"]["runs"]) == 2
    assert positional["meta"]["total_pages"] == 2


def test_the_pagination_helper(fs: FlowscaleAPI) -> None:
    flowscale = fs
    for index in range(3):
        flowscale.execute_workflow(BASIC, {"text_51536": str(index), "another_param": "b"}, "ph")

    def get_all_runs(group_id: str | None = None, sort_by: str = "created_at") -> list[Any]:
        all_runs = []
        page = 1
        while True:
            response = flowscale.get_runs(
                group_id=group_id,
                sort_by=sort_by,  # type: ignore[arg-type]
                page=page,
                page_size=2,  # the README uses 100, its maximum
            )
            runs = response["data"]["runs"]
            all_runs.extend(runs)
            if page >= response["meta"]["total_pages"]:
                break
            page += 1
        return all_runs

    assert len(get_all_runs("ph")) == 3


def test_the_batch_processing_example(fs: FlowscaleAPI, workdir: Path) -> None:
    import time

    flowscale = fs

    def process_image_batch(image_folder: str, workflow_id: str) -> Any:
        image_files = list(Path(image_folder).glob("*.{png,jpg,jpeg}"))
        group_id = f"batch_{int(time.time())}"
        results = []
        for i, image_path in enumerate(image_files):  # pragma: no cover (glob has no braces)
            inputs = {"input_image": str(image_path), "prompt": f"Process image {i + 1}"}
            results.append(flowscale.execute_workflow_async(workflow_id, inputs, group_id=group_id))
        return flowscale.get_runs(group_id=group_id, page_size=100)

    assert process_image_batch(str(workdir), TEXT_TO_IMAGE)["status"] == "success"


def test_the_retry_example(fs: FlowscaleAPI) -> None:
    import time

    flowscale = fs

    def robust_workflow_execution(workflow_id: str, inputs: Any, max_retries: int = 3) -> Any:
        for attempt in range(max_retries):
            try:
                return flowscale.execute_workflow_async(
                    workflow_id, inputs, timeout=600, polling_interval=2
                )
            except Exception as e:
                print(f"Attempt {attempt + 1} failed: {e}")
                if attempt < max_retries - 1:
                    time.sleep(2**attempt)
                else:
                    raise
        return None

    assert robust_workflow_execution(TEXT_TO_IMAGE, {"text_51536": "r"})["status"] == "completed"


def test_api_errors_are_exceptions(fs: FlowscaleAPI) -> None:
    with pytest.raises(Exception, match="404"):
        fs.get_run("00000000-0000-0000-0000-000000000000")


# ---- every 1.x signature ----------------------------------------------------------------------

# (name, parameters as (name, default or inspect.Parameter.empty)), from flowscale 1.1.4.
EMPTY = inspect.Parameter.empty
SIGNATURES_1_1_4 = {
    "__init__": [("api_key", None), ("base_url", None)],
    "check_health": [],
    "get_queue": [],
    "execute_workflow": [("workflow_id", EMPTY), ("data", EMPTY), ("group_id", None)],
    "execute_workflow_async": [
        ("workflow_id", EMPTY),
        ("data", EMPTY),
        ("group_id", None),
        ("timeout_ms", 600000),
        ("poll_interval_ms", 2000),
    ],
    "get_output": [("filename", EMPTY)],
    "cancel_run": [("run_id", EMPTY)],
    "get_run": [("run_id", EMPTY)],
    "get_runs": [
        ("group_id", None),
        ("sort_by", "created_at"),
        ("sort_order", "desc"),
        ("page", 1),
        ("page_size", 10),
    ],
}


@pytest.mark.parametrize("method", sorted(SIGNATURES_1_1_4))
def test_every_1_x_signature_is_accepted(method: str) -> None:
    parameters = list(inspect.signature(getattr(FlowscaleAPI, method)).parameters.values())[1:]
    positional = [
        (p.name, p.default)
        for p in parameters
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    expected = SIGNATURES_1_1_4[method]
    if method == "__init__":  # 1.x required both; defaulting to the environment is a superset
        assert [name for name, _ in positional] == [name for name, _ in expected]
    else:
        assert positional == expected


def test_the_1_0_1_signatures_are_accepted(fs: FlowscaleAPI) -> None:
    # 1.0.1: execute_workflow_async(workflow_id, data, group_id=None, timeout=300,
    # polling_interval=1) (seconds), get_runs(group_id=None).
    result = fs.execute_workflow_async(
        TEXT_TO_IMAGE, {"text_51536": "x"}, group_id=None, timeout=300, polling_interval=1
    )
    assert result["status"] == "completed"
    assert fs.get_runs(None)["status"] == "success"
    assert fs.get_runs(group_id=None)["status"] == "success"


def test_bad_1_0_seconds_say_seconds(fs: FlowscaleAPI) -> None:
    with pytest.raises(TypeError, match="polling_interval must be a positive number of seconds"):
        fs.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, polling_interval=0)
    with pytest.raises(TypeError, match="timeout must be a positive number of seconds"):
        fs.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "x"}, timeout=-1)
