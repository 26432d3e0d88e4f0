"""Outputs in every form (bytes, chunks, file objects, paths, ranges) with progress, and
downloads verified against the API, over real HTTP: the local server's file host for the
normal cases, a raw asyncio server on 127.0.0.1 for hosts that lie."""

from __future__ import annotations

import asyncio
import io
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from flowscale import (
    AsyncFlowscale,
    DownloadError,
    Flowscale,
    FlowscaleError,
    Output,
    OutputTooLargeError,
)
from flowscale.server import LocalServer

from .conftest import REPORT

pytestmark = pytest.mark.timeout(90)


def _image(client: Any) -> Output:
    result = client.execute_workflow_async(REPORT, {"prompt": "dl", "seed": 1}, timeout=30)
    output: Output = next(o for o in result if o.content_type == "image/png")
    assert output.size
    return output


def _expected(client: Any, output: Output, tmp_path: pathlib.Path) -> bytes:
    return bytes(client.download_output(output, tmp_path / "expected.bin").read_bytes())


def test_every_form_gives_the_same_bytes_with_progress(
    client: Any, is_async: bool, tmp_path: pathlib.Path
) -> None:
    output = _image(client)
    expected = _expected(client, output, tmp_path)
    assert len(expected) == output.size
    seen: list[tuple[int, int | None]] = []
    assert client.read_output(output, progress=lambda d, t: seen.append((d, t))) == expected
    assert seen[-1] == (output.size, output.size)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    sink = io.BytesIO()
    assert client.write_output(output, sink) == output.size
    assert sink.getvalue() == expected
    seen.clear()
    path = client.download_output(output, tmp_path / "p.png", progress=lambda *a: seen.append(a))
    assert path.read_bytes() == expected
    assert seen[-1] == (output.size, output.size)
    assert client.read_output(output, offset=10, length=100) == expected[10:110]
    assert client.read_output(output, offset=output.size - 5) == expected[-5:]


def test_stream_output_sync_and_async(server: LocalServer, tmp_path: pathlib.Path) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        output = _image(client)
        expected = _expected(client, output, tmp_path)
        with client.stream_output(output) as chunks:
            assert chunks.total == output.size
            assert b"".join(chunks) == expected
        with client.stream_output(output, offset=3, length=7) as chunks:
            assert b"".join(chunks) == expected[3:10]

    async def main() -> bytes:
        async with AsyncFlowscale(api_key=server.api_key, base_url=server.base_url) as client:
            parts = []
            async with client.stream_output(output) as chunks:
                async for chunk in chunks:
                    parts.append(chunk)
            return b"".join(parts)

    assert asyncio.run(main()) == expected


def test_the_file_host_answers_byte_ranges(client: Any, server: LocalServer) -> None:
    import httpx

    output = _image(client)
    assert output.download_url
    assert output.size
    whole = httpx.get(output.download_url).content
    part = httpx.get(output.download_url, headers={"Range": "bytes=5-9"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 5-9/{output.size}"
    assert part.content == whole[5:10]
    assert httpx.get(output.download_url, headers={"Range": "bytes=-4"}).content == whole[-4:]
    beyond = httpx.get(output.download_url, headers={"Range": f"bytes={output.size}-"})
    assert beyond.status_code == 416


def test_read_output_is_bounded(client: Any) -> None:
    output = _image(client)
    with pytest.raises(OutputTooLargeError) as caught:
        client.read_output(output, max_size=10)
    assert caught.value.max_size == 10
    unsized = Output(output.filename, download_url=output.download_url)  # size unknown
    with pytest.raises(OutputTooLargeError):
        client.read_output(unsized, max_size=10)
    with pytest.raises(TypeError):
        client.read_output(output, progress="nope")
    with pytest.raises(ValueError, match="offset"):
        client.read_output(output, offset=-1)


def test_an_expired_link_is_refreshed_once_through_get_output(
    client: Any, raw_host: Any, tmp_path: pathlib.Path
) -> None:
    import attrs

    output = _image(client)
    expected = _expected(client, output, tmp_path)
    url, heads = raw_host(_reply("403 Forbidden", {"Content-Length": "0"}, b""))
    # An API record whose signed link has expired (the host says 403).
    stale = attrs.evolve(output, download_url=f"{url}/{output.filename}?sig=old")
    (tmp_path / "old.png").write_bytes(b"old")
    assert client.download_output(stale, tmp_path / "old.png").read_bytes() == expected
    assert len(heads) == 1  # one refused request, then the fresh link from get_output
    assert client.read_output(stale) == expected
    # An Output built by hand is not looked up again: the 403 is the error.
    made = Output(output.filename, download_url=f"{url}/x.png?sig=old", size=output.size)
    with pytest.raises(DownloadError) as caught:
        client.download_output(made, tmp_path / "old.png")
    assert caught.value.status_code == 403
    assert "sig=" not in str(caught.value)


def test_a_mismatched_content_length_is_retried(
    client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    output = _image(client)
    expected = _expected(client, output, tmp_path)
    server.faults.wrong_content_length(delta=100, count=1)
    assert client.read_output(output) == expected


def test_a_broken_body_is_resumed_with_a_range(make_client: Any, raw_host: Any) -> None:
    body = bytes(range(256)) * 4

    async def half_then_rest(writer: asyncio.StreamWriter, head: str) -> None:
        if "range: bytes=500-" in head.lower():
            writer.write(
                b"HTTP/1.1 206 Partial Content\r\nContent-Length: 524\r\n"
                b"Content-Range: bytes 500-1023/1024\r\n\r\n" + body[500:]
            )
        else:
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n" + body[:500])
            await writer.drain()
            writer.transport.abort()

    url, heads = raw_host(half_then_rest)
    client = make_client(max_retries=1)
    seen: list[int] = []
    output = Output("r.bin", download_url=f"{url}/r.bin", size=1024)
    assert client.read_output(output, progress=lambda d, t: seen.append(d)) == body
    assert len(heads) == 2
    assert "range" not in heads[0].lower()
    assert seen[-1] == 1024


def test_sync_download_outputs_runs_in_threads(server: LocalServer, tmp_path: pathlib.Path) -> None:
    with Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
        output = _image(client)
        threads: set[str] = set()
        seen: list[tuple[int, int | None]] = []

        def progress(done: int, total: int | None) -> None:
            threads.add(threading.current_thread().name)
            seen.append((done, total))

        server.faults.slow_download(bytes_per_second=(output.size or 1) * 3, count=4)
        paths = client.download_outputs([output] * 4, tmp_path, concurrency=4, progress=progress)
    assert len({p.name for p in paths}) == 4
    assert all(p.stat().st_size == output.size for p in paths)
    assert len(threads) > 1
    assert seen[-1] == (4 * (output.size or 0), 4 * (output.size or 0))


# ---- hostile file hosts: a raw asyncio server on loopback ---------------------------------

Reply = Callable[[asyncio.StreamWriter, str], Awaitable[None]]


@pytest.fixture
def raw_host() -> Iterator[Callable[[Reply], tuple[str, list[str]]]]:
    """Start raw servers (one per call) answering every request with `reply`; yields their
    base URL and the list of request heads received."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    servers: list[asyncio.Server] = []

    def start(reply: Reply) -> tuple[str, list[str]]:
        heads: list[str] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                heads.append(head)
                await reply(writer, head)
                await writer.drain()
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        async def serve() -> asyncio.Server:
            return await asyncio.start_server(handle, "127.0.0.1", 0)

        server = asyncio.run_coroutine_threadsafe(serve(), loop).result()
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", heads

    yield start
    for server in servers:
        loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _reply(status: str, headers: dict[str, str], body: bytes, *, endless: bool = False) -> Reply:
    async def reply(writer: asyncio.StreamWriter, head: str) -> None:
        lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        writer.write(f"HTTP/1.1 {status}\r\n{lines}Connection: close\r\n\r\n".encode() + body)
        if endless:
            for _ in range(4000):  # up to 250 MiB, far past any sane reader
                writer.write(b"x" * 65536)
                await writer.drain()

    return reply


@pytest.mark.parametrize(
    ("case", "reply"),
    [
        ("short", _reply("200 OK", {"Content-Length": "900"}, b"y" * 900)),
        ("html", _reply("200 OK", {"Content-Type": "text/html"}, b"<html>error page</html>")),
        ("lying", _reply("200 OK", {"Content-Length": "10000"}, b"y" * 1000)),
        ("long", _reply("200 OK", {}, b"y" * 1000, endless=True)),
    ],
)
def test_a_host_that_lies_never_replaces_the_file(
    make_client: Any,
    raw_host: Any,
    tmp_path: pathlib.Path,
    case: str,
    reply: Reply,
) -> None:
    url, heads = raw_host(reply)
    client = make_client(max_retries=1)
    target = tmp_path / "out.png"
    target.write_bytes(b"the old file")
    output = Output("out.png", download_url=f"{url}/out.png", size=1000, raw={"x": 1})
    with pytest.raises(DownloadError):
        client.download_output(output, target)
    assert target.read_bytes() == b"the old file"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]
    assert len(heads) <= 2  # max_retries=1: two attempts at most, nothing multiplied
    with pytest.raises(DownloadError):
        client.read_output(output)


def test_a_ten_byte_output_never_grows(make_client: Any, raw_host: Any, tmp_path: Any) -> None:
    url, _ = raw_host(_reply("200 OK", {}, b"", endless=True))
    client = make_client(max_retries=0)
    seen: list[int] = []
    output = Output("t.bin", download_url=f"{url}/t.bin", size=10)
    with pytest.raises(DownloadError, match="more than"):
        client.download_output(output, tmp_path / "t.bin", progress=lambda d, t: seen.append(d))
    assert not seen or max(seen) <= 10
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_read_past_content_length(
    make_client: Any, raw_host: Any, tmp_path: Any
) -> None:
    url, _ = raw_host(_reply("200 OK", {"Content-Length": "1000"}, b"", endless=True))
    client = make_client(max_retries=0)
    output = Output("c.bin", download_url=f"{url}/c.bin")
    assert client.download_output(output, tmp_path / "c.bin").stat().st_size == 1000


def test_retries_are_per_attempt_against_a_dead_host(make_client: Any, raw_host: Any) -> None:
    async def hang_up(writer: asyncio.StreamWriter, head: str) -> None:
        writer.transport.abort()

    url, heads = raw_host(hang_up)
    client = make_client(max_retries=2)
    with pytest.raises(FlowscaleError):
        client.read_output(Output("d.png", download_url=f"{url}/d.png", size=5))
    assert len(heads) == 3


_KILLED_CHILD = textwrap.dedent(
    """
    import sys
    from flowscale import Flowscale, Output
    api_key, base_url, url, size, target = sys.argv[1:]
    with Flowscale(api_key=api_key, base_url=base_url) as client:
        client.download_output(Output("big.png", download_url=url, size=int(size)), target)
    """
)


def test_a_partial_file_of_a_killed_process_is_cleaned_up(
    client: Any, server: LocalServer, tmp_path: pathlib.Path
) -> None:
    output = _image(client)
    expected = _expected(client, output, tmp_path)
    target = tmp_path / "big.png"
    target.write_bytes(b"old")
    server.faults.slow_download(bytes_per_second=max(1, len(expected) // 20), count=1)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _KILLED_CHILD,
            server.api_key,
            server.base_url,
            str(output.download_url),
            str(output.size),
            str(target),
        ],
    )
    try:
        deadline = time.monotonic() + 30
        partial: list[pathlib.Path] = []
        while time.monotonic() < deadline and not partial:
            partial = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
            time.sleep(0.05)
        assert partial, f"the child never started downloading (exit {child.poll()})"
        time.sleep(0.3)  # a few slow chunks in
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    assert partial[0].exists()  # left behind by the killed process
    assert target.read_bytes() == b"old"
    time.sleep(1.2)  # past the grace period for a partial file not yet locked
    server.faults.clear()
    client.download_output(output, target)
    assert target.read_bytes() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.png", "expected.bin"]


_ECHO_ARGS = {"prompt": "up", "count": 1, "flag": True, "options": "{}"}


def test_uploads_report_progress(client: Any, tmp_path: pathlib.Path) -> None:
    from .conftest import ECHO

    image = tmp_path / "in.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300_000))
    seen: list[tuple[int, int | None]] = []
    client.execute_workflow(
        ECHO, {**_ECHO_ARGS, "image": image}, upload_progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (image.stat().st_size, image.stat().st_size)
    assert len(seen) > 1  # in pieces, as httpx sends them
    seen.clear()
    client.execute_workflow_async(
        ECHO,
        {**_ECHO_ARGS, "image": image.read_bytes()},
        timeout=30,
        upload_progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1][0] == image.stat().st_size
    with pytest.raises(TypeError):
        client.execute_workflow(ECHO, {"prompt": "x"}, upload_progress=3)


def test_a_window_past_the_end_is_clipped(client: Any) -> None:
    output = _image(client)
    assert output.size
    unsized = Output(output.filename, download_url=output.download_url)
    tail = client.read_output(unsized, offset=output.size - 4, length=100)
    assert len(tail) == 4
    assert tail == client.read_output(output)[-4:]
    assert client.read_output(output, offset=output.size + 10) == b""
