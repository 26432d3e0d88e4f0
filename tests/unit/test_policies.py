"""Policies without sockets: RunTracker, reply conversion, status-to-error mapping, `_paths`,
`_deadline`, `_config` and the operation declarations."""

from __future__ import annotations

import datetime
import json
import pathlib
import time
from typing import Any

import httpx
import pytest

from flowscale import (
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    EndEvent,
    NotFoundError,
    Output,
    OutputEvent,
    OutputTimedOutError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    Run,
    RunCancelledError,
    RunFailedError,
    RunFailure,
    ServerError,
    StatusEvent,
    ValidationError,
)
from flowscale import _convert as convert
from flowscale._config import API_KEY_ENV, BASE_URL_ENV, ClientConfig, check_headers, to_timeout
from flowscale._deadline import NO_DEADLINE, Deadline
from flowscale._operations import DOWNLOAD, operation
from flowscale._paths import output_filename, target_path, temp_path, unique_targets
from flowscale._retry import RetryBudget
from flowscale._status import safe_url, status_error
from flowscale._tracker import RunTracker
from flowscale._updates import OutputStatus, RunStatusUpdate

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def reply(status: int, body: Any, url: str = "https://api.test/api/v1/runs/r") -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.Response(status, content=content, request=httpx.Request("GET", url))


# ---- RunTracker -----------------------------------------------------------------------------


def test_tracker_follows_events_to_a_result() -> None:
    tracker = RunTracker("r", "w")
    assert tracker.on_event(StatusEvent(1, "r", T0, {}, "running")) == [
        RunStatusUpdate("r", "running", None)
    ]
    assert tracker.on_event(StatusEvent(2, "r", T0, {}, "running")) == []  # no change
    out = Output("a.png", download_url="https://files.test/a.png")
    (ready,) = tracker.on_event(OutputEvent(3, "r", T0, {}, out))
    assert isinstance(ready, OutputStatus)
    assert ready.ready
    assert not tracker.done
    tracker.on_event(EndEvent(4, "r", T0, {}, "completed"))
    assert tracker.done
    assert tracker.last_seq == 4
    result = tracker.result()
    assert result.outputs == (out,)
    assert result.workflow_id == "w"


def test_tracker_waits_for_outputs_a_poll_lists() -> None:
    tracker = RunTracker("r")
    run = Run(id="r", status="completed", workflow_id="w", output_names=("a", "b.txt"))
    updates = tracker.on_run(run)
    assert [type(u).__name__ for u in updates] == [
        "RunStatusUpdate",
        "OutputStatus",
        "OutputStatus",
    ]
    assert tracker.pending_outputs == ["a", "b.txt"]
    assert not tracker.done
    assert tracker.on_output("a", None) == []  # 204: not ready
    tracker.on_output("a", Output("a.png", download_url="https://f/a.png"))
    tracker.on_output("b.txt", Output("b.txt", file_content="hi"))
    assert tracker.done
    assert [o.filename for o in tracker.result()] == ["a.png", "b.txt"]
    assert tracker.workflow_id == "w"
    assert tracker.result().run is run


def test_tracker_does_not_wait_for_a_name_an_event_already_delivered() -> None:
    tracker = RunTracker("r")
    tracker.on_event(OutputEvent(1, "r", T0, {}, Output("a.png", download_url="https://f/a")))
    tracker.on_run(Run(id="r", status="completed", output_names=("a",)))
    assert tracker.pending_outputs == []
    assert tracker.done


def test_tracker_raises_for_failed_and_cancelled_runs() -> None:
    failed = RunTracker("r")
    failed.on_run(
        Run(id="r", status="failed", error=RunFailure("boom", node_id="7", node_type="X"))
    )
    assert failed.done
    with pytest.raises(RunFailedError, match=r"in node 7 \(X\): boom") as caught:
        failed.result()
    assert caught.value.node_id == "7"
    cancelled = RunTracker("r")
    cancelled.on_event(EndEvent(1, "r", T0, {}, "cancelled"))
    with pytest.raises(RunCancelledError):
        cancelled.result()


# ---- reply conversion -----------------------------------------------------------------------


def test_a_run_reply_is_read_once_with_everything_kept() -> None:
    body = {
        "status": "success",
        "data": {
            "_id": "r",
            "status": "completed",
            "inputs": [{"path": "p", "value": 3}],
            "outputs": [{"filename": "a.png", "url": None, "extra": 1}],
            "created_at": "2026-01-01T00:00:00Z",
            "started_at": "not a date",
            "new_field": [1, 2],
        },
    }
    run = convert.parse(reply(200, body), convert.run)
    assert run.inputs[0].value == "3"
    assert run.created_at == T0
    assert run.started_at is None
    assert run.raw["new_field"] == [1, 2]
    assert run.outputs[0].raw["extra"] == 1
    assert json.dumps(run.to_dict())


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        [],
        {"status": "success"},
        {"status": "success", "data": {"status": "x"}},
        {"status": "success", "data": {"_id": "r", "status": None}},
        {"status": "success", "data": {"_id": "r", "status": "x", "outputs": {}}},
        {"status": "success", "data": {"_id": "r", "status": "x", "error": "boom"}},
    ],
)
def test_malformed_replies_are_response_validation_errors(body: Any) -> None:
    with pytest.raises(ResponseValidationError) as caught:
        convert.parse(reply(200, body), convert.run)
    assert caught.value.status_code == 200


def test_run_pages_with_and_without_meta() -> None:
    runs = {"runs": [{"_id": "a", "status": "queued"}], "group_id": "g"}
    bare = convert.run_page({"status": "success", "data": runs}, 3)
    assert (bare.page, bare.group_id, bare.has_next) == (3, "g", False)
    meta = {"page": 1, "page_size": 1, "total_pages": 2, "total_count": 2, "sort_by": "created_at"}
    paged = convert.run_page({"status": "success", "data": runs, "meta": meta}, 1)
    assert paged.has_next
    assert len(paged) == 1
    assert paged.raw["meta"] == meta


def test_cluster_replies() -> None:
    health = convert.health({"data": [{"url": "http://c1", "status": "ok"}]})
    assert health[0].container == "http://c1"
    queue = convert.queue(
        {
            "data": [
                {
                    "container": "c",
                    "queue": {"queue_running": [[1, "p1", {}]], "queue_pending": None},
                }
            ]
        }
    )
    assert queue[0].running[0].run_id == "p1"
    assert queue[0].running[0].raw[0] == 1
    assert queue[0].pending == ()
    flows = convert.workflows(
        {"data": [{"id": "w", "name": "W", "inputs": '{"p": "string"}', "outputs": None}]}
    )
    assert flows[0].inputs == {"p": "string"}
    assert flows[0].outputs == {}
    with pytest.raises(ValueError, match="neither"):
        convert.output({"data": {"filename": "x"}}, "x")
    assert convert.cancelled({"status": "success", "data": "cancelled"}) == "cancelled"
    assert convert.submitted({"data": {"run_id": "r"}}, "w").workflow_id == "w"


# ---- status to error ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, APIStatusError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (408, APIStatusError),
        (409, APIStatusError),
        (422, ValidationError),
        (429, RateLimitError),
        (500, ServerError),
        (503, ServerError),
    ],
)
def test_status_to_error(status: int, error: type[APIStatusError]) -> None:
    got = status_error(reply(status, {"status": "error", "errors": ["nope"]}))
    assert type(got) is error
    assert got.status_code == status
    assert "nope" in got.message


def test_status_meanings_come_from_the_operation() -> None:
    get_output = operation("get_output")
    got = status_error(reply(408, {"errors": ["timed out"]}), get_output.status_errors)
    assert isinstance(got, OutputTimedOutError)
    assert 408 in get_output.final_statuses
    assert not operation("execute_workflow").idempotent
    assert operation("get_run").idempotent
    assert operation("a_new_operation").status_errors == {}
    assert DOWNLOAD.idempotent


def test_status_error_details() -> None:
    limited = status_error(
        httpx.Response(
            429,
            headers={"Retry-After": "3"},
            content=b"{}",
            request=httpx.Request("GET", "https://a"),
        )
    )
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 3
    detail = {"detail": [{"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"}]}
    invalid = status_error(reply(422, detail))
    assert isinstance(invalid, ValidationError)
    assert invalid.errors[0].loc == ("body", "prompt")
    assert "body.prompt: Field required" in invalid.message
    html = status_error(reply(502, b"<html>bad gateway</html>"))
    assert html.body == "<html>bad gateway</html>"
    assert "send the API key" in status_error(reply(401, {})).message


def test_safe_url_drops_signed_queries() -> None:
    assert (
        safe_url(httpx.URL("https://files.test/a.png?sig=secret#x")) == "https://files.test/a.png"
    )


# ---- _paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("a.png", "a.png"),
        ("../../etc/passwd", "passwd"),
        ("C:\\win\\x.png", "x.png"),
        ("..", "output"),
        ("", "output"),
        ('we<i>rd:"|?*.png', "weird.png"),
        ("line\nbreak.png", "linebreak.png"),
    ],
)
def test_output_names_never_leave_the_folder(name: str, safe: str) -> None:
    assert output_filename(Output(name, download_url="https://f/x")) == safe


def test_text_outputs_get_an_extension_and_targets_are_unique(tmp_path: pathlib.Path) -> None:
    assert output_filename(Output("notes", file_content="hi")) == "notes.txt"
    outputs = [
        Output("a.png", download_url="u"),
        Output("a.png", download_url="u"),
        Output("../a.png", download_url="u"),
    ]
    assert [p.name for p in unique_targets(outputs, tmp_path)] == ["a.png", "a-1.png", "a-2.png"]
    assert target_path(outputs[0], tmp_path) == tmp_path / "a.png"
    assert target_path(outputs[0], tmp_path / "b.png") == tmp_path / "b.png"
    assert target_path(outputs[0], f"{tmp_path}/new/") == tmp_path / "new" / "a.png"
    tmp = temp_path(tmp_path / "a.png")
    assert tmp.parent == tmp_path
    assert tmp.name.startswith(".a.png.")
    assert tmp != temp_path(tmp_path / "a.png")


# ---- _deadline ------------------------------------------------------------------------------


def test_deadlines_bound_timeouts_and_sleeps() -> None:
    assert NO_DEADLINE.remaining() is None
    assert not NO_DEADLINE.expired()
    timeout = httpx.Timeout(60.0, connect=10.0)
    assert NO_DEADLINE.bound(timeout) is timeout
    assert NO_DEADLINE.cap(5.0) == 5.0
    soon = Deadline.after(2.0)
    bounded = soon.bound(timeout)
    assert (bounded.read or 99) <= 2.0
    assert (bounded.connect or 99) <= 2.0
    assert soon.cap(10.0) <= 2.0
    assert soon.cap(0.5) == 0.5
    past = Deadline(time.monotonic() - 1)
    assert past.expired()
    assert past.cap(3.0) == 0.0
    assert past.bound(timeout).read == pytest.approx(0.001)  # a timeout, not "no wait"
    assert Deadline.after(None) == NO_DEADLINE


# ---- _config --------------------------------------------------------------------------------


def make(**kwargs: Any) -> ClientConfig:
    settings: dict[str, Any] = {
        "api_key": "k",
        "base_url": "https://api.test/",
        "timeout": None,
        "max_retries": None,
        "proxy_mode": False,
        "custom_headers": None,
        "allow_dangerously_expose_api_key": False,
    }
    return ClientConfig.create(**{**settings, **kwargs})


def test_config_defaults_and_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    config = make()
    assert str(config.base_url) == "https://api.test"
    assert config.retry.max_retries == 2
    assert config.is_api_origin(httpx.URL("https://api.test/x"))
    assert not config.is_api_origin(httpx.URL("http://api.test/x"))
    assert not config.is_api_origin(httpx.URL("https://api.test:8443/x"))
    assert config.api_headers() == {"X-API-KEY": "k"}
    assert "k'" not in repr(config)
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    monkeypatch.setenv(BASE_URL_ENV, "https://env.test")
    from_env = make(api_key=None, base_url=None)
    assert (from_env.api_key, str(from_env.base_url)) == ("from-env", "https://env.test")
    proxied = make(api_key=None, proxy_mode=True)
    assert proxied.api_headers() == {}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"base_url": "api.test"}, ConfigurationError),
        ({"base_url": "https://user:pw@api.test"}, ConfigurationError),
        ({"api_key": None}, ConfigurationError),
        ({"proxy_mode": True}, ConfigurationError),
        ({"max_retries": -1}, TypeError),
        ({"max_retries": True}, TypeError),
        ({"timeout": 0}, TypeError),
        ({"custom_headers": {"a b": "c"}}, ValueError),
        ({"custom_headers": ["x"]}, TypeError),
    ],
)
def test_bad_config_is_refused(
    kwargs: dict[str, Any], error: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    with pytest.raises(error):
        make(**kwargs)


def test_timeouts_and_headers() -> None:
    assert to_timeout(5).connect == 5.0
    assert to_timeout(30).connect == 10.0
    assert to_timeout(None).read == 60.0
    assert check_headers({"X-Trace": "a b\tc"}) == {"X-Trace": "a b\tc"}


def test_a_retry_budget_is_shared_and_refunds_redirects() -> None:
    budget = RetryBudget()
    assert budget.next_attempt() == 1
    assert budget.next_attempt() == 2
    budget.refund()
    assert budget.attempts == 1
    budget.reset()
    assert budget.next_attempt() == 1
