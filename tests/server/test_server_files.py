"""The file host: another origin, signed expiring links, header recording, big files,
and the download faults."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from flowscale.server import InputFile, LocalServer, RunContext, Workflow
from flowscale_api import AuthenticatedClient
from flowscale_api.api.runs import get_output, get_run
from flowscale_api.models import OutputResponse, RunResponse

from .helpers import TEXT_TO_IMAGE, api_client, execute_form, execute_multipart, file_part, wait_end

pytestmark = pytest.mark.timeout(60)


def output_url(server: LocalServer, client: AuthenticatedClient, run_id: str) -> str:
    wait_end(server, run_id)
    run = get_run.sync(run_id, client=client)
    assert isinstance(run, RunResponse)
    assert isinstance(run.data.output_names, list)
    output = get_output.sync(client=client, filename=run.data.output_names[0])
    assert isinstance(output, OutputResponse)
    assert isinstance(output.data.download_url, str)
    return output.data.download_url


def test_files_come_from_another_origin_without_credentials(
    server: LocalServer, client: AuthenticatedClient
) -> None:
    url = output_url(server, client, execute_form(client, TEXT_TO_IMAGE, {"text_51536": "o"}))
    api, files = urlsplit(server.base_url), urlsplit(url)
    assert files.scheme == "http"
    assert files.hostname == "127.0.0.1"
    assert (files.hostname, files.port) != (api.hostname, api.port)
    assert url.startswith(f"{server.files_url}/files/")
    assert "expires=" in url
    assert "sig=" in url
    response = httpx.get(url, headers={"User-Agent": "probe"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert int(response.headers["content-length"]) == len(response.content)
    (recorded,) = server.file_requests()
    assert recorded["user-agent"] == "probe"
    assert "x-api-key" not in recorded
    assert all(name == name.lower() for name in recorded)
    # The API does not serve files, and the file host does not serve the API.
    path = urlsplit(url).path
    assert httpx.get(server.base_url + path).status_code == 404
    assert httpx.get(server.files_url + "/api/v1/comfy/health").status_code == 404


def test_tampered_links_are_refused(server: LocalServer, client: AuthenticatedClient) -> None:
    url = output_url(server, client, execute_form(client, TEXT_TO_IMAGE, {"text_51536": "t"}))
    base, _, query = url.partition("?")
    params = dict(item.split("=") for item in query.split("&"))
    later = str(int(params["expires"]) + 100)
    for bad in (
        base,
        f"{base}?expires={params['expires']}&sig={'0' * 64}",
        f"{base}?expires={later}&sig={params['sig']}",
        f"{base}?expires=soon&sig={params['sig']}",
        url.replace(".png", ".jpg"),
    ):
        response = httpx.get(bad)
        assert response.status_code == 403, bad
        assert response.json()["status"] == "error"
    assert len(server.file_requests()) == 5


def test_expired_links_get_403() -> None:
    with LocalServer(step_delay=0.001, url_ttl=-1) as server, api_client(server) as client:
        run_id = execute_form(client, TEXT_TO_IMAGE, {"text_51536": "expired"})
        url = output_url(server, client, run_id)
        response = httpx.get(url)
        assert response.status_code == 403
        assert response.json() == {"status": "error", "errors": "Request has expired"}


def test_head_request(server: LocalServer, client: AuthenticatedClient) -> None:
    url = output_url(server, client, execute_form(client, TEXT_TO_IMAGE, {"text_51536": "h"}))
    full = httpx.get(url)
    head = httpx.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(full.content))


def test_slow_download(server: LocalServer, client: AuthenticatedClient) -> None:
    url = output_url(server, client, execute_form(client, TEXT_TO_IMAGE, {"text_51536": "s"}))
    expected = httpx.get(url).content
    server.faults.slow_download(bytes_per_second=len(expected) * 4, count=1)
    started = time.monotonic()
    assert httpx.get(url).content == expected
    assert time.monotonic() - started >= 0.2  # a quarter of a second at that rate, at least
    assert server.faults.active() == []


def test_wrong_content_length(server: LocalServer, client: AuthenticatedClient) -> None:
    url = output_url(server, client, execute_form(client, TEXT_TO_IMAGE, {"text_51536": "w"}))
    expected = httpx.get(url).content
    server.faults.wrong_content_length(delta=100, count=1)
    with httpx.stream("GET", url) as response:
        assert int(response.headers["content-length"]) == len(expected) + 100
        received: list[bytes] = []
        with pytest.raises(httpx.RemoteProtocolError):
            received.extend(response.iter_raw())
    assert b"".join(received) == expected  # the real bytes, then the connection closed
    server.faults.wrong_content_length(delta=-10, count=1)
    short = httpx.get(url)
    assert short.content == expected[:-10]
    assert httpx.get(url).content == expected


def test_big_output_from_a_path_is_streamed(server: LocalServer, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    chunk = os.urandom(1024 * 1024)
    digest = hashlib.sha256()
    with big.open("wb") as handle:
        for _ in range(24):
            handle.write(chunk)
            digest.update(chunk)

    server.register_workflow(
        Workflow(id="big", name="Big", outputs={"blob": "file"}, fn=lambda ctx: {"blob.bin": big})
    )
    with api_client(server) as client:
        url = output_url(server, client, execute_form(client, "big", {}))
        received = hashlib.sha256()
        size = 0
        with httpx.stream("GET", url) as response:
            assert response.headers["content-type"] == "application/octet-stream"
            assert response.headers["content-length"] == str(24 * 1024 * 1024)
            for part in response.iter_bytes():
                received.update(part)
                size += len(part)
        assert size == 24 * 1024 * 1024
        assert received.hexdigest() == digest.hexdigest()


def test_big_upload(server: LocalServer) -> None:
    seen: dict[str, object] = {}

    def fn(ctx: RunContext) -> dict[str, str]:
        upload = ctx.inputs["blob"]
        assert isinstance(upload, InputFile)
        seen.update(name=upload.filename, size=upload.size, type=upload.content_type)
        with upload.path.open("rb") as handle:
            seen["sha"] = hashlib.file_digest(handle, "sha256").hexdigest()
        return {"ok.txt": "ok"}

    server.register_workflow(Workflow(id="upload", name="Upload", inputs={"blob": "file"}, fn=fn))
    payload = os.urandom(20 * 1024 * 1024)
    with api_client(server) as client:
        run_id = execute_multipart(
            client, "upload", {"blob": file_part(payload, "data.bin", "application/x-test")}
        )
        assert wait_end(server, run_id)["status"] == "completed"
    assert seen == {
        "name": "data.bin",
        "size": len(payload),
        "type": "application/x-test",
        "sha": hashlib.sha256(payload).hexdigest(),
    }
