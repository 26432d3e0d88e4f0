"""The one request path: attempts per request kind, the closed state, User-Agent, header checks.

Attempts are counted by a bare socket server on loopback that answers every request the same
way (a 503 with `Retry-After: 0`, so that retries are immediate, or a hang-up after reading the
request), so each kind is seen to make exactly `max_retries + 1` attempts, never a product of
nested loops.
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import flowscale
from flowscale import (
    APIConnectionError,
    APIStatusError,
    AsyncFlowscale,
    ClientClosedError,
    DownloadError,
    Flowscale,
    FlowscaleError,
    Output,
    PollRetry,
    RunMayExistError,
    RunTimeoutError,
    ServerError,
)
from flowscale._config import USER_AGENT
from flowscale.server import LocalServer

from .conftest import SLOW

MAX_RETRIES = 2


class CountingServer:
    """Answers every request with `mode`; remembers each request's head."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.heads: list[str] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def paths(self) -> list[str]:
        with self._lock:
            return [head.split(" ")[1].split("?")[0] for head in self.heads]

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                raw_head, _, rest = data.partition(b"\r\n\r\n")
                head = raw_head.decode("latin-1")
                with self._lock:
                    self.heads.append(head)
                if self.mode == "hangup":
                    return
                _read_body(conn, head, rest)  # reply after the whole request, as servers do
                body = b'{"status":"error","errors":["busy"]}'
                # A load balancer's stickiness cookie ("503-cookie"), as AWS ALB sets one.
                cookie = (
                    b"Set-Cookie: AWSALB=sticky-1; Path=/\r\n" if self.mode == "503-cookie" else b""
                )
                conn.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 0\r\n"
                    + cookie
                    + b"Content-Type: application/json\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                return

    def close(self) -> None:
        self._listener.close()


def _read_body(conn: socket.socket, head: str, rest: bytes) -> None:
    lowered = head.lower()
    length = re.search(r"content-length: *(\d+)", lowered)
    if length:
        left = int(length.group(1)) - len(rest)
        while left > 0:
            chunk = conn.recv(min(left, 65536))
            if not chunk:
                return
            left -= len(chunk)
    elif "transfer-encoding: chunked" in lowered:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                return
            rest += chunk


@pytest.fixture
def counting() -> Iterator[Callable[[str], CountingServer]]:
    made: list[CountingServer] = []

    def make(mode: str) -> CountingServer:
        made.append(CountingServer(mode))
        return made[-1]

    yield make
    for server in made:
        server.close()


def _download(client: Any, url: str, tmp: pathlib.Path) -> Any:
    return client.download_output(Output("x.png", download_url=f"{url}/files/x.png"), tmp)


def _stream(client: Any, url: str, tmp: pathlib.Path) -> Any:
    with client.subscribe_run_events("r") as stream:
        return list(stream)


# Each request kind, as one call of the public API (sync); the async twin runs the same.
KINDS: dict[str, Callable[[Any, str, pathlib.Path], Any]] = {
    "check_health": lambda c, u, t: c.check_health(),
    "get_queue": lambda c, u, t: c.get_queue(),
    "get_workflows": lambda c, u, t: c.get_workflows(),
    "get_runs": lambda c, u, t: c.get_runs(),
    "get_run": lambda c, u, t: c.get_run("r"),
    "get_output": lambda c, u, t: c.get_output("x.png"),
    "cancel_run": lambda c, u, t: c.cancel_run("r"),
    "execute_workflow": lambda c, u, t: c.execute_workflow("w", {"prompt": "p"}),
    "execute_workflow (file input)": lambda c, u, t: c.execute_workflow(
        "w", {"image": b"\x89PNG...."}
    ),
    "stream_run_events": _stream,
    "download": _download,
    "client.api.get_run": lambda c, u, t: c.api.get_run("r"),
}


async def _in_async(kind: str, url: str, tmp: pathlib.Path) -> None:
    async with AsyncFlowscale(api_key="k", base_url=url, max_retries=MAX_RETRIES) as client:
        if kind == "stream_run_events":
            async with client.subscribe_run_events("r") as stream:
                [e async for e in stream]
        elif kind == "download":
            await client.download_output(Output("x.png", download_url=f"{url}/files/x.png"), tmp)
        elif kind == "client.api.get_run":
            await client.api.get_run("r")
        elif kind.startswith("execute_workflow"):
            inputs: dict[str, Any] = (
                {"image": b"\x89PNG...."} if "file" in kind else {"prompt": "p"}
            )
            await client.execute_workflow("w", inputs)
        else:
            args = {"get_run": ["r"], "cancel_run": ["r"], "get_output": ["x.png"]}
            await getattr(client, kind)(*args.get(kind, []))


def _attempt(kind: str, flavour: str, url: str, tmp: pathlib.Path) -> None:
    if flavour == "async":
        asyncio.run(_in_async(kind, url, tmp))
        return
    with Flowscale(api_key="k", base_url=url, max_retries=MAX_RETRIES) as client:
        KINDS[kind](client, url, tmp)


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_503_is_tried_max_retries_plus_one_times(
    kind: str, flavour: str, counting: Any, tmp_path: pathlib.Path
) -> None:
    server = counting("503")
    with pytest.raises((ServerError, DownloadError, APIConnectionError)):
        _attempt(kind, flavour, server.url, tmp_path)
    assert len(server.heads) == MAX_RETRIES + 1, server.paths()


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize("kind", ["get_run", "stream_run_events", "download"])
def test_a_host_that_hangs_up_is_tried_max_retries_plus_one_times(
    kind: str, flavour: str, counting: Any, tmp_path: pathlib.Path
) -> None:
    server = counting("hangup")
    with pytest.raises((APIConnectionError, DownloadError)):
        _attempt(kind, flavour, server.url, tmp_path)
    assert len(server.heads) == MAX_RETRIES + 1, server.paths()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_execute_is_sent_once_when_the_connection_drops_after_sending(
    flavour: str, counting: Any, tmp_path: pathlib.Path
) -> None:
    server = counting("hangup")
    with pytest.raises(RunMayExistError):
        _attempt("execute_workflow", flavour, server.url, tmp_path)
    assert len(server.heads) == 1


def test_a_poll_is_tried_max_retries_plus_one_times(make_client: Any, server: LocalServer) -> None:
    client = make_client(max_retries=MAX_RETRIES)
    run_id = client.execute_workflow(SLOW, {"seconds": 0.01}).run_id
    client.wait_for_run(run_id, timeout=30)  # finished: the polls below all see it complete
    server.reset()
    server.faults.status(501, route="stream_run_events")  # no event stream: the waiter polls
    server.faults.status(503, route="get_run", count=MAX_RETRIES + 1)  # the first poll fails
    updates: list[Any] = []
    client.wait_for_run(
        run_id, timeout=30, poll_interval=0.1, on_intermediate_response=updates.append
    )
    requests = server.counters()["requests"]
    assert requests["get_run"] == (MAX_RETRIES + 1) + 1  # one failed poll, one that worked
    assert len([u for u in updates if isinstance(u, PollRetry)]) == 1


# ---- the closed state ----------------------------------------------------------------------


def test_a_closed_client_says_so(server: LocalServer) -> None:
    client = Flowscale(api_key=server.api_key, base_url=server.base_url)
    with client:
        client.check_health()
    assert client.is_closed
    with pytest.raises(ClientClosedError, match="closed"):
        client.get_run("r")
    with pytest.raises(ClientClosedError):
        client.api.get_run("r")
    clone = client.with_options(max_retries=0)  # shares the closed connections
    with pytest.raises(ClientClosedError):
        clone.check_health()


def test_a_closed_async_client_says_so(server: LocalServer) -> None:
    async def main() -> None:
        client = AsyncFlowscale(api_key=server.api_key, base_url=server.base_url)
        await client.aclose()
        with pytest.raises(ClientClosedError, match="closed"):
            await client.get_workflows()
        async with client.subscribe_run_events("r") as stream:
            with pytest.raises(ClientClosedError):
                [e async for e in stream]

    asyncio.run(main())


def test_a_closed_http_client_of_yours_is_a_closed_error(server: LocalServer) -> None:
    http = httpx.Client()
    client = Flowscale(api_key=server.api_key, base_url=server.base_url, http_client=http)
    http.close()
    with pytest.raises(ClientClosedError):
        client.check_health()
    assert isinstance(ClientClosedError("x"), FlowscaleError)


# ---- headers --------------------------------------------------------------------------------


def test_user_agent_names_the_sdk_httpx_and_python(counting: Any, tmp_path: pathlib.Path) -> None:
    api = counting("503")
    files = counting("503")
    with Flowscale(api_key="secret", base_url=api.url, max_retries=0) as client:
        with pytest.raises(ServerError):
            client.check_health()
        with pytest.raises(DownloadError):
            client.download_output(Output("x.png", download_url=f"{files.url}/x.png"), tmp_path)
    pattern = (
        rf"user-agent: flowscale-python/{re.escape(flowscale.__version__)} "
        r"httpx/\d[\w.]* python/3\.\d+\.\d+"
    )
    assert re.search(pattern, api.heads[0], re.IGNORECASE), api.heads[0]
    assert re.search(pattern, files.heads[0], re.IGNORECASE)
    assert "secret" in api.heads[0]
    assert "secret" not in files.heads[0]  # credentials only ever go to the API origin


def test_a_request_is_the_one_httpx_would_build(counting: Any) -> None:
    # The SDK builds requests of its own pool without httpx's build_request: the same bytes.
    api = counting("503")
    run_id = "3f1c2a9e-1b2c-4d5e-8f90-1234567890ab"
    with Flowscale(api_key="secret", base_url=api.url, max_retries=0) as client:
        for call in (lambda: client.get_run(run_id), lambda: client.get_output("o.png")):
            with pytest.raises(ServerError):
                call()
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
    with httpx.Client(headers=headers) as raw:
        raw.get(f"{api.url}/api/v1/runs/{run_id}", headers={"X-API-KEY": "secret"})
        raw.get(
            f"{api.url}/api/v1/runs/output",
            params={"filename": "o.png"},
            headers={"X-API-KEY": "secret"},
        )
    sdk, by_httpx = api.heads[:2], api.heads[2:]
    assert sorted(sdk[0].split("\r\n")) == sorted(by_httpx[0].split("\r\n"))
    assert sorted(sdk[1].split("\r\n")) == sorted(by_httpx[1].split("\r\n"))


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_cookies_a_server_sets_are_sent_back(counting: Any, flavour: str) -> None:
    # A load balancer's stickiness cookie must come back on the next request, as with httpx.
    api = counting("503-cookie")
    if flavour == "sync":
        with (
            Flowscale(api_key="k", base_url=api.url, max_retries=1) as client,
            pytest.raises(ServerError),
        ):
            client.check_health()
    else:

        async def main() -> None:
            async with AsyncFlowscale(api_key="k", base_url=api.url, max_retries=1) as client:
                with pytest.raises(ServerError):
                    await client.check_health()

        asyncio.run(main())
    assert len(api.heads) == 2
    assert "cookie:" not in api.heads[0].lower()
    assert "cookie: awsalb=sticky-1" in api.heads[1].lower()


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"Bad Name": "x"}, ValueError),
        ({"X-Token:": "x"}, ValueError),
        ({"X-Token": "caf\u00e9"}, ValueError),
        ({"X-Token": "a\x00b"}, ValueError),
        ({"X-Token": "a\r\nInjected: 1"}, ValueError),
        ({"X-Token": 3}, TypeError),
        ({b"X-Token": "x"}, TypeError),
    ],
)
def test_custom_headers_are_checked_when_set(headers: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        Flowscale(api_key="k", base_url="http://127.0.0.1:9", custom_headers=headers)
    client = Flowscale(api_key="k", base_url="http://127.0.0.1:9")
    with pytest.raises(error):
        client.update_custom_headers(headers)
    assert client.get_custom_headers() == {}


def test_error_statuses_keep_their_meaning_per_operation(
    make_client: Any, server: LocalServer
) -> None:
    # 408 from get_output is "the output timed out"; from another operation, a plain status.
    client = make_client(max_retries=0)
    server.faults.status(408, route="get_output", count=1)
    with pytest.raises(flowscale.OutputTimedOutError):
        client.get_output("x")
    server.faults.status(408, route="get_run", count=1)
    with pytest.raises(APIStatusError) as caught:
        client.get_run("r")
    assert type(caught.value) is APIStatusError


def test_retry_after_never_sleeps_past_the_deadline(make_client: Any, server: LocalServer) -> None:
    client = make_client(max_retries=MAX_RETRIES)
    run_id = client.execute_workflow(SLOW, {"seconds": 0.01}).run_id
    server.faults.status(501, route="stream_run_events")  # the waiter polls
    server.faults.rate_limit("30", route="get_run")  # "come back in 30 s", always
    started = time.monotonic()
    with pytest.raises(RunTimeoutError):
        client.wait_for_run(run_id, timeout=1.5, poll_interval=0.1)
    assert time.monotonic() - started < 10  # not 30 s: the hint is capped by the deadline
    assert server.counters()["requests"]["get_run"] >= 1
