"""Configuration, proxy mode, custom headers, and keeping the API key secret."""

from __future__ import annotations

import logging
import pathlib
import sys
from typing import Any

import httpx
import pytest

from flowscale import (
    AsyncFlowscale,
    AuthenticationError,
    ConfigurationError,
    Flowscale,
    NotFoundError,
    PermissionDeniedError,
)
from flowscale.server import LocalServer

from .conftest import REPORT, TEXT_TO_IMAGE


@pytest.mark.parametrize("cls", [Flowscale, AsyncFlowscale])
def test_missing_configuration_is_a_clear_error(cls: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("FLOWSCALE_API_KEY", raising=False)
    monkeypatch.delenv("FLOWSCALE_API_URL", raising=False)
    with pytest.raises(ConfigurationError, match="FLOWSCALE_API_URL") as no_url:
        cls(api_key="k")
    assert no_url.value.setting == "base_url"
    with pytest.raises(ConfigurationError, match="FLOWSCALE_API_KEY") as no_key:
        cls(base_url="https://x.pod.flowscale.ai")
    assert no_key.value.setting == "api_key"
    with pytest.raises(ConfigurationError, match="absolute http"):
        cls(api_key="k", base_url="x.pod.flowscale.ai")
    with pytest.raises(ConfigurationError, match="proxy_mode"):
        cls(api_key="k", base_url="https://x", proxy_mode=True)
    with pytest.raises(TypeError, match="timeout"):
        cls(api_key="k", base_url="https://x", timeout="10")
    with pytest.raises(TypeError, match="max_retries"):
        cls(api_key="k", base_url="https://x", max_retries=-1)
    with pytest.raises(TypeError, match="http_client"):
        cls(api_key="k", base_url="https://x", http_client=object())


def test_environment_defaults(monkeypatch: Any, server: LocalServer) -> None:
    monkeypatch.setenv("FLOWSCALE_API_KEY", server.api_key)
    monkeypatch.setenv("FLOWSCALE_API_URL", server.base_url + "/")
    with Flowscale() as client:
        assert client.base_url == server.base_url
        assert client.check_health()


def test_a_browser_python_needs_the_explicit_acknowledgement(monkeypatch: Any) -> None:
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(ConfigurationError, match="browser"):
        Flowscale(api_key="k", base_url="https://x")
    Flowscale(api_key="k", base_url="https://x", allow_dangerously_expose_api_key=True).close()
    Flowscale(base_url="https://x", proxy_mode=True).close()


def test_wrong_and_missing_keys(make_client: Any) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        make_client(api_key="wrong-key-123").check_health()
    assert caught.value.status_code == 403
    assert "wrong-key-123" not in str(caught.value)
    with pytest.raises(AuthenticationError) as missing:
        make_client(proxy_mode=True).check_health()
    assert missing.value.status_code == 401
    assert "FLOWSCALE_API_KEY" in str(missing.value)


def _recording_client(cls: Any, seen: list[httpx.Request]) -> Any:
    if cls is Flowscale:
        return httpx.Client(event_hooks={"request": [seen.append]})

    async def hook(request: httpx.Request) -> None:
        seen.append(request)

    return httpx.AsyncClient(event_hooks={"request": [hook]})


def test_proxy_mode_sends_custom_headers_and_no_key(server: LocalServer, loop: Any) -> None:
    seen: list[httpx.Request] = []
    with _recording_client(Flowscale, seen) as http:
        client = Flowscale(
            base_url=server.base_url,
            proxy_mode=True,
            custom_headers={"Authorization": "Bearer jwt-1"},
            http_client=http,
        )
        with pytest.raises(AuthenticationError):  # the local server wants the key itself
            client.check_health()
        assert client.get_custom_headers() == {"Authorization": "Bearer jwt-1"}
        client.update_custom_headers({"Authorization": "Bearer jwt-2", "X-User-ID": "u1"})
        with pytest.raises(AuthenticationError):
            client.check_health()
        client.clear_custom_headers()
        with pytest.raises(AuthenticationError):
            client.check_health()
        client.close()
        assert not http.is_closed  # a client passed in stays the caller's
    first, second, third = (r.headers for r in seen[:3])
    assert "x-api-key" not in first
    assert first["authorization"] == "Bearer jwt-1"
    assert (second["authorization"], second["x-user-id"]) == ("Bearer jwt-2", "u1")
    assert "authorization" not in third


def test_custom_headers_and_key_never_reach_the_file_host(
    make_client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    client = make_client(custom_headers={"Authorization": "Bearer secret-jwt"})
    result = client.execute_workflow_async(REPORT, {"prompt": "leak?", "seed": 2}, timeout=30)
    server.reset()
    client.download_outputs(result, tmp_path)
    received = server.file_requests()
    assert received
    for headers in received:
        assert "x-api-key" not in headers
        assert "authorization" not in headers
        assert server.api_key not in str(headers)


def test_the_key_stays_out_of_reprs_logs_and_errors(
    make_client: Any, server: LocalServer, caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client()
    assert server.api_key not in repr(client)
    client.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "quiet"}, timeout=30)
    server.faults.status(503, route="get_queue", count=1)
    client.get_queue()
    with pytest.raises(NotFoundError) as caught:
        client.get_run("missing")
    assert server.api_key not in str(caught.value)
    assert server.api_key not in repr(vars(caught.value))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "retrying GET" in text
    assert server.api_key not in text
    assert "sig=" not in text


def test_with_options_shares_connections(make_client: Any) -> None:
    client = make_client()
    faster = client.with_options(timeout=5, max_retries=0)
    assert faster.check_health()
    faster.close()  # not the owner: the original keeps working
    assert client.check_health()
