"""Habits that port from the JS and 1.x SDKs."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from flowscale import APIConnectionError, AuthenticationError, UnknownEvent
from flowscale._events import decode_event


def test_an_unknown_event_carries_its_real_type() -> None:
    event = decode_event("node_cached", '{"seq": 3, "node_id": "7"}', "3", "run-1")
    assert isinstance(event, UnknownEvent)
    assert event.type == "node_cached"
    assert event.event_type == "node_cached"
    assert event.data["node_id"] == "7"


def test_proxy_mode_auth_errors_speak_of_the_proxy(make_client: Any) -> None:
    client = make_client(proxy_mode=True)  # the local server wants a key: 401
    with pytest.raises(AuthenticationError) as caught:
        client.get_queue()
    message = str(caught.value)
    assert "proxy" in message
    assert "api_key=" not in message
    keyed = make_client(api_key="wrong-key")  # not proxy mode: the hint is about the key
    with pytest.raises(Exception, match="check the API key") as caught:
        keyed.get_queue()
    assert "proxy" not in str(caught.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_host_fails_as_fast_for_the_event_stream(make_client: Any) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{_closed_port()}", api_key="k", max_retries=2)
    started = time.monotonic()
    with pytest.raises(APIConnectionError):
        client.get_run("r")
    plain = time.monotonic() - started
    started = time.monotonic()
    with pytest.raises(APIConnectionError):
        list(client.subscribe_run_events("r"))
    stream = time.monotonic() - started
    # Same attempts and backoff (max_retries + 1 connections): loose, for a loaded machine.
    assert stream < plain * 3 + 2, (plain, stream)
