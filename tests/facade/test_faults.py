"""Retries, rate limits, resets and broken downloads, injected by the local server."""

from __future__ import annotations

import email.utils
import logging
import pathlib
import time
from typing import Any

import pytest

from flowscale import (
    APIConnectionError,
    APITimeoutError,
    DownloadError,
    RateLimitError,
    RunMayExistError,
    ServerError,
)
from flowscale.server import LocalServer

from .conftest import REPORT, TEXT_TO_IMAGE


def requests(server: LocalServer, route: str) -> int:
    return int(server.counters()["requests"].get(route, 0))


def test_gets_retry_5xx_bursts(client: Any, server: LocalServer) -> None:
    server.faults.status(503, route="check_health", count=1)
    server.faults.status(502, route="check_health", count=1)
    assert client.check_health()
    assert requests(server, "check_health") == 3


def test_retries_give_up_after_max_retries(make_client: Any, server: LocalServer) -> None:
    client = make_client(max_retries=1)
    server.faults.status(500, route="get_queue")
    with pytest.raises(ServerError) as caught:
        client.get_queue()
    assert caught.value.status_code == 500
    assert requests(server, "get_queue") == 2


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_429_retry_after_is_honoured(
    client: Any, server: LocalServer, form: str, caplog: Any
) -> None:
    caplog.set_level(logging.INFO, logger="flowscale")
    value = "1" if form == "seconds" else email.utils.formatdate(time.time() + 2, usegmt=True)
    server.faults.rate_limit(value, route="get_workflows", count=1)
    assert client.get_workflows()
    assert requests(server, "get_workflows") == 2
    (retry,) = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    delay = retry.args[2]  # the wait the client chose: the server's hint, not its backoff
    assert 0.9 <= delay <= 2.0


def test_429_is_raised_typed_once_retries_are_spent(make_client: Any, server: LocalServer) -> None:
    client = make_client(max_retries=0)
    server.faults.rate_limit("7", route="get_queue")
    with pytest.raises(RateLimitError) as caught:
        client.get_queue()
    assert caught.value.retry_after == 7


def test_execute_is_retried_when_the_server_did_not_process_it(
    client: Any, server: LocalServer
) -> None:
    server.faults.status(503, route="execute_workflow", count=1)
    submitted = client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "retry me"})
    assert submitted.run_id
    assert requests(server, "execute_workflow") == 2
    client.wait_for_run(submitted.run_id, timeout=30)


def test_execute_is_not_retried_on_an_ambiguous_500(client: Any, server: LocalServer) -> None:
    server.faults.status(500, route="execute_workflow", count=1)
    with pytest.raises(ServerError):
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "x"})
    assert requests(server, "execute_workflow") == 1


def test_a_reset_after_the_run_was_created_never_duplicates_it(
    client: Any, server: LocalServer
) -> None:
    before = server.counters()["runs_created"].get(TEXT_TO_IMAGE, 0)
    server.faults.reset_after_create(count=1)
    with pytest.raises(RunMayExistError) as caught:
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "once"})
    assert caught.value.workflow_id == TEXT_TO_IMAGE
    assert "may have been created" in str(caught.value)
    assert server.counters()["runs_created"][TEXT_TO_IMAGE] == before + 1


def test_connection_refused_is_a_connection_error(make_client: Any) -> None:
    client = make_client(base_url="http://127.0.0.1:9", max_retries=1)
    with pytest.raises(APIConnectionError) as caught:
        client.check_health()
    assert not isinstance(caught.value, RunMayExistError)


def test_a_hung_server_is_bounded_by_the_request_timeout(
    make_client: Any, server: LocalServer
) -> None:
    client = make_client(timeout=0.3, max_retries=1)
    server.faults.hang(route="get_queue")
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.get_queue()
    assert time.monotonic() - started < 5


def test_latency_is_tolerated(client: Any, server: LocalServer) -> None:
    server.faults.latency(0.2, route="check_health", count=1)
    assert client.check_health()


def _result(client: Any) -> Any:
    return client.execute_workflow_async(REPORT, {"prompt": "dl", "seed": 1}, timeout=30)


def test_wrong_content_length_fails_and_leaves_nothing(
    client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    result = _result(client)
    output = next(o for o in result if o.content_type == "image/png")
    server.faults.wrong_content_length(delta=100)
    with pytest.raises(DownloadError):
        client.download_output(output, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_download_is_retried(
    client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    result = _result(client)
    output = next(o for o in result if o.content_type == "image/png")
    server.faults.wrong_content_length(delta=100, count=1)
    path = client.download_output(output, tmp_path / "preview.png")
    assert path.stat().st_size == output.size
    assert [p.name for p in tmp_path.iterdir()] == ["preview.png"]


def test_slow_downloads_complete(client: Any, server: LocalServer, tmp_path: pathlib.Path) -> None:
    result = _result(client)
    output = next(o for o in result if o.content_type == "image/png")
    server.faults.slow_download(bytes_per_second=200_000, count=1)
    path = client.download_output(output, tmp_path)
    assert path.stat().st_size == output.size


def test_an_expired_link_is_a_clear_download_error(
    client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    result = _result(client)
    output = next(o for o in result if o.download_url)
    expired = output.download_url.replace("expires=", "expires=1").replace("sig=", "sig=00")
    from flowscale import Output

    with pytest.raises(DownloadError) as caught:
        client.download_output(Output(filename=output.filename, download_url=expired), tmp_path)
    assert caught.value.status_code == 403
    assert "sig=" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [500, 502, 504])
def test_an_ambiguous_5xx_on_execute_says_the_run_may_exist(
    client: Any, server: LocalServer, status: int
) -> None:
    from flowscale import RunMayExistError, RunMayExistServerError

    server.faults.status(status, route="execute_workflow", count=1)
    with pytest.raises(RunMayExistServerError) as caught:
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "x"})
    assert isinstance(caught.value, RunMayExistError)
    assert isinstance(caught.value, ServerError)
    assert caught.value.status_code == status
    assert caught.value.workflow_id == TEXT_TO_IMAGE
    assert requests(server, "execute_workflow") == 1  # not retried: no duplicate


def test_a_4xx_or_503_on_execute_is_not_a_may_exist(client: Any, server: LocalServer) -> None:
    from flowscale import RunMayExistError

    server.faults.status(503, route="execute_workflow")
    with pytest.raises(ServerError) as caught:
        client.execute_workflow(TEXT_TO_IMAGE, {"text_51536": "x"})
    assert not isinstance(caught.value, RunMayExistError)  # 503: the server did not process it
