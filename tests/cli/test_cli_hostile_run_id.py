"""`flowscale run` against a raw server (127.0.0.1) whose run id is a path (`../..`, an
absolute path): the outputs land inside the target folder, and nothing is written outside."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import PNG_SIGNATURE, Cli

pytestmark = pytest.mark.timeout(120)

WORKFLOW = "wf-hostile"
PAYLOAD = PNG_SIGNATURE + b"hostile run id"


class RunIdServer:
    """Answers the few requests `flowscale run` makes, with `run_id` as the run's id; the
    event stream is refused (501), so the CLI polls the run, which is completed."""

    def __init__(self) -> None:
        self.run_id = ""
        self.base_url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> RunIdServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.base_url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _reply(self, method: str, path: str) -> tuple[int, str, bytes]:
        path = path.split("?", 1)[0]
        if method == "GET" and path == "/api/v1/comfy/workflows":
            workflow = {
                "id": WORKFLOW,
                "name": "Hostile",
                "description": "",
                "inputs": json.dumps({"prompt": "string"}),
                "outputs": json.dumps({"image": "image"}),
            }
            return 200, "application/json", _ok([workflow])
        if method == "POST" and path == "/api/v1/runs":
            return 200, "application/json", _ok({"run_id": self.run_id, "workflow_id": WORKFLOW})
        if method == "GET" and path == "/api/v1/runs/output":
            output = {
                "download_url": f"{self.base_url}/files/out.png",
                "generation_status": "success",
            }
            return 200, "application/json", _ok(output)
        if method == "GET" and path.endswith("/events"):
            return 501, "application/json", b'{"status":"error","message":"no event stream"}'
        if method == "GET" and path.startswith("/api/v1/runs/"):
            return 200, "application/json", _ok(self._run())
        if method == "GET" and path == "/files/out.png":
            return 200, "image/png", PAYLOAD
        return 404, "application/json", b'{"status":"error","message":"not found"}'

    def _run(self) -> dict[str, object]:
        moment = "2026-01-01T00:00:00.000Z"
        return {
            "_id": self.run_id,
            "team_id": "t",
            "workflow_id": WORKFLOW,
            "group_id": None,
            "status": "completed",
            "inputs": [{"path": "prompt", "value": "x", "s3_key": None, "url": None}],
            "output_names": ["out"],
            "outputs": [
                {
                    "filename": "out.png",
                    "s3_key": "out.png",
                    "url": f"{self.base_url}/files/out.png",
                }
            ],
            "created_at": moment,
            "started_at": moment,
            "completed_at": moment,
            "error": None,
        }

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length:
                    await reader.readexactly(length)
                status, kind, body = self._reply(method, target)
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        finally:
            writer.close()


def _ok(data: object) -> bytes:
    return json.dumps({"status": "success", "data": data}).encode()


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def server() -> Iterator[RunIdServer]:
    with RunIdServer() as raw:
        yield raw


@pytest.mark.parametrize("hostile_id", ["../..", "ABSOLUTE"])
@pytest.mark.parametrize("use_out", [True, False], ids=["--out", "default folder"])
def test_a_path_as_run_id_writes_only_inside_the_target(
    server: RunIdServer,
    tmp_path: Path,
    cli_env: dict[str, str],
    hostile_id: str,
    use_out: bool,
) -> None:
    work = tmp_path / "top" / "mid" / "work"
    work.mkdir(parents=True)
    # Files a hostile run id would reach: the parents of the work folder, and an absolute one.
    (tmp_path / "top" / "keep.txt").write_bytes(b"mine")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "authorized_keys").write_bytes(b"ssh-ed25519 AAAA mine")
    server.run_id = str(victim) if hostile_id == "ABSOLUTE" else hostile_id
    before = _files(tmp_path)
    target = work / ("results" if use_out else "flowscale-outputs")
    args = ["run", WORKFLOW, "-i", "prompt=x", "--timeout", "60s", "--json"]
    if use_out:
        args += ["--out", "results"]
    result = Cli(work, cli_env)(
        *args, env={"FLOWSCALE_API_URL": server.base_url, "FLOWSCALE_API_KEY": "sk-test"}
    )
    assert result.returncode == 0, result.stderr
    after = _files(tmp_path)
    new = {p: data for p, data in after.items() if p not in before}
    assert {p: after[p] for p in before} == before  # nothing existing was touched
    assert list(new.values()) == [PAYLOAD]  # the output was saved, once
    (saved,) = new
    assert saved.resolve().is_relative_to(target.resolve()), saved
    assert not any(p.name.startswith(".") for p in new)  # no partial file left behind
