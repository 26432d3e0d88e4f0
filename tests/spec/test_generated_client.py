"""The generated client, driven against a tiny recording HTTP server on 127.0.0.1."""

from __future__ import annotations

import email.parser
import email.policy
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from flowscale_api import AuthenticatedClient
from flowscale_api.api.runs import execute_workflow, get_output
from flowscale_api.models import (
    ExecuteResponse,
    OutputResponse,
    WorkflowInputsForm,
    WorkflowInputsMultipart,
)
from flowscale_api.types import File

KEY = "test-key-not-secret"


class Recorder(BaseHTTPRequestHandler):
    requests: list[dict[str, Any]]
    replies: dict[str, tuple[int, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.requests.append(
            {
                "method": self.command,
                "target": self.path,
                "headers": dict(self.headers.items()),
                "body": body,
            }
        )
        status, payload = self.replies.get(urlsplit(self.path).path, (404, None))
        self.send_response(status)
        if payload is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(payload).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle


@pytest.fixture
def server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"requests": [], "replies": {}})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def client(base_url: str) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=base_url, token=KEY, prefix="", auth_header_name="X-API-KEY"
    )


CREATED = {"status": "success", "data": {"run_id": "r1", "workflow_id": "a&b=c"}}


def test_sends_the_key_and_encodes_query_parameters(server: tuple[str, Any]) -> None:
    base_url, handler = server
    handler.replies["/api/v1/runs"] = (200, CREATED)
    form = WorkflowInputsForm.from_dict({"prompt": "hi"})
    with client(base_url) as api:
        reply = execute_workflow.sync(client=api, body=form, workflow_id="a&b=c", group_id="g 1/x")
    assert isinstance(reply, ExecuteResponse)
    assert reply.data.run_id == "r1"
    sent = handler.requests[0]
    assert sent["headers"]["X-API-KEY"] == KEY
    query = parse_qs(urlsplit(sent["target"]).query)
    # "a&b=c" stays one value: no injected parameter.
    assert query == {"workflow_id": ["a&b=c"], "group_id": ["g 1/x"]}
    assert sent["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent["body"].decode()) == {"prompt": ["hi"]}


def test_posts_multipart_with_files_and_text_fields(server: tuple[str, Any]) -> None:
    base_url, handler = server
    handler.replies["/api/v1/runs"] = (200, CREATED)
    body = WorkflowInputsMultipart()
    body["prompt"] = File(payload=io.BytesIO(b"a red fox"), file_name=None, mime_type="text/plain")
    body["image_input"] = File(
        payload=io.BytesIO(b"\x89PNG\r\n\x1a\nfake"), file_name="in.png", mime_type="image/png"
    )
    with client(base_url) as api:
        response = execute_workflow.sync_detailed(client=api, body=body, workflow_id="wf")
    assert response.status_code == 200
    sent = handler.requests[0]
    content_type = sent["headers"]["Content-Type"]
    assert content_type.startswith("multipart/form-data")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + sent["body"]
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.iter_parts()
    }
    assert parts["prompt"].get_filename() is None
    assert parts["prompt"].get_payload(decode=True) == b"a red fox"
    assert parts["image_input"].get_filename() == "in.png"
    assert parts["image_input"].get_content_type() == "image/png"
    assert parts["image_input"].get_payload(decode=True) == b"\x89PNG\r\n\x1a\nfake"


def test_output_204_is_not_ready_and_200_parses(server: tuple[str, Any]) -> None:
    base_url, handler = server
    handler.replies["/api/v1/runs/output"] = (204, None)
    with client(base_url) as api:
        pending = get_output.sync_detailed(client=api, filename="out_1")
        assert pending.status_code == 204
        assert pending.parsed is None
        handler.replies["/api/v1/runs/output"] = (
            200,
            {
                "status": "success",
                "data": {"download_url": "https://x/y", "generation_status": "success"},
            },
        )
        ready = get_output.sync(client=api, filename="out 1&x")
    assert isinstance(ready, OutputResponse)
    assert ready.data.download_url == "https://x/y"
    assert parse_qs(urlsplit(handler.requests[-1]["target"]).query) == {"filename": ["out 1&x"]}
