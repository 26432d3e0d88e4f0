"""`ApiURLs.join`: the URL httpx's parser would make, for every path, with or without the
parser-free form."""

from __future__ import annotations

import urllib.parse

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowscale._urls import ApiURLs

BASES = [
    "http://127.0.0.1:8000",
    "https://your-deployment.pod.flowscale.ai",
    "https://example.com:8443/prefix/v2",
    "http://[::1]:9000",
]
PATHS = [
    "/api/v1/runs/3f1c2a9e-1b2c-4d5e-8f90-1234567890ab",
    "/api/v1/runs/3f1c2a9e-1b2c-4d5e-8f90-1234567890ab/events",
    "/api/v1/comfy/health",
    "/api/v1/runs/" + urllib.parse.quote("a b/ü?#", safe=""),
    "/api/v1/runs/..",  # a dot segment: the parser removes it, so must join
    "/api/v1/runs/.",
    "/api/v1/runs/a.b",
    "/api/v1/runs/%2e%2e",
    "/api/v1/runs/lower%2fcase",
    "/api/v1/runs/not escaped",
    "/api/v1/runs/",
    "/api//runs",
]


def _expected(base: str, path: str) -> httpx.URL:
    return httpx.URL(base + path)


def _assert_same(got: httpx.URL, want: httpx.URL) -> None:
    assert got == want
    assert str(got) == str(want)
    assert got.raw_path == want.raw_path
    assert (got.scheme, got.host, got.port, got.path, got.query) == (
        want.scheme,
        want.host,
        want.port,
        want.path,
        want.query,
    )


@pytest.mark.parametrize("base", BASES)
def test_the_fast_form_is_used_for_the_usual_bases(base: str) -> None:
    assert ApiURLs(base)._fast


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("path", PATHS)
def test_join_is_the_parsed_url(base: str, path: str) -> None:
    _assert_same(ApiURLs(base).join(path), _expected(base, path))


def test_a_joined_url_works_like_a_parsed_one() -> None:
    url = ApiURLs("https://example.com/prefix").join("/api/v1/runs/x-1")
    assert url.copy_merge_params({"a": "1"}) == httpx.URL(
        "https://example.com/prefix/api/v1/runs/x-1?a=1"
    )
    request = httpx.Request("GET", url, params={"filename": "o.png"})
    assert str(request.url) == "https://example.com/prefix/api/v1/runs/x-1?filename=o.png"
    assert request.headers["Host"] == "example.com"


@given(st.text(min_size=1, max_size=40))
def test_any_escaped_id_joins_as_parsed(run_id: str) -> None:
    path = "/api/v1/runs/" + urllib.parse.quote(run_id, safe="")
    for base in BASES:
        _assert_same(ApiURLs(base).join(path), _expected(base, path))


@given(st.text(alphabet="abcXYZ019-_~.%/ 2Fe", min_size=1, max_size=30))
def test_any_path_joins_as_parsed(tail: str) -> None:
    path = "/api/" + tail
    for base in BASES:
        try:
            want = _expected(base, path)
        except httpx.InvalidURL:
            continue
        _assert_same(ApiURLs(base).join(path), want)
