"""Replaying recorded exchanges (vcrpy via pytest-recording).

`scripts/record-cassettes` records these tests against a local server, or against a real
deployment when FLOWSCALE_API_URL and FLOWSCALE_API_KEY are set. `scripts/test` replays them
with the network blocked (pytest-recording's default record mode is "none").
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER_KEY = "<FLOWSCALE_API_KEY>"

# What a replay talks to: nothing (requests match on method, path and query only).
BASE_URL = os.environ.get("FLOWSCALE_API_URL", "http://127.0.0.1:8765")
API_KEY = os.environ.get("FLOWSCALE_API_KEY", "replay-key-not-secret")
WORKFLOW_ID = os.environ.get("FLOWSCALE_CASSETTE_WORKFLOW", "550e8400-e29b-41d4-a716-446655440000")
WORKFLOW_INPUTS: dict[str, Any] = {
    os.environ.get("FLOWSCALE_CASSETTE_INPUT", "text_51536"): "a lighthouse at dusk"
}

# Signed download links carry credentials of the storage host: scrub them everywhere.
SIGNATURE = re.compile(
    rb"((?:sig|signature|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=)[^&\"'\s]+"
)


def _scrub(data: bytes) -> bytes:
    return SIGNATURE.sub(rb"\1REDACTED", data)


def _scrub_request(request: Any) -> Any:
    request.uri = _scrub(request.uri.encode()).decode()
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = _scrub(body)
    headers = response.get("headers", {})
    for name in ("date", "server", "set-cookie", "x-request-id"):
        headers.pop(name, None)
    return response


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # Never a record_mode here: it would override the command line's (pytest-recording).
    return {
        "filter_headers": [("X-API-KEY", "<REDACTED>"), "authorization", "cookie"],
        "filter_sensitive_data": {PLACEHOLDER_KEY: API_KEY},
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "match_on": ["method", "path", "query"],
        "record_on_exception": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.path.stem)
