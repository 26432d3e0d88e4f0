"""Replies the API never sends (so the local server cannot make them): typed errors anyway.

These are the only facade tests on a mock transport: a real server that breaks the protocol
this way is what they stand in for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from flowscale import Flowscale, ResponseValidationError, ServerError

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> Flowscale:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Flowscale(api_key="k", base_url="http://api.invalid", http_client=http, max_retries=0)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>502 from a proxy</html>",
        b"[]",
        json.dumps({"status": "success"}).encode(),
        json.dumps({"status": "success", "data": {"_id": "r"}}).encode(),
        json.dumps({"status": "success", "data": {"status": "completed"}}).encode(),
        json.dumps(
            {"status": "success", "data": {"_id": "r", "status": "x", "inputs": 3}}
        ).encode(),
    ],
)
def test_malformed_run_replies_are_response_validation_errors(body: bytes) -> None:
    client = client_for(lambda request: httpx.Response(200, content=body))
    with pytest.raises(ResponseValidationError) as caught:
        client.get_run("r")
    assert caught.value.status_code == 200
    assert "/api/v1/runs/r" in caught.value.url


def test_an_output_with_nothing_in_it_is_malformed() -> None:
    body = {"status": "success", "data": {"generation_status": "success"}}
    client = client_for(lambda request: httpx.Response(200, json=body))
    with pytest.raises(ResponseValidationError, match="neither download_url nor file_content"):
        client.get_output("x")


def test_an_error_page_instead_of_json_keeps_its_text() -> None:
    client = client_for(lambda request: httpx.Response(500, text="upstream exploded"))
    with pytest.raises(ServerError) as caught:
        client.check_health()
    assert caught.value.body == "upstream exploded"
    assert "upstream exploded" in str(caught.value)


def test_workflow_inputs_that_are_not_json_are_malformed() -> None:
    body: dict[str, Any] = {
        "status": "success",
        "data": [{"id": "w", "name": "W", "inputs": "{not json", "outputs": "{}"}],
    }
    client = client_for(lambda request: httpx.Response(200, json=body))
    with pytest.raises(ResponseValidationError):
        client.get_workflows()
