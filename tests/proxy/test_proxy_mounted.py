"""The proxy mounted under a prefix in a real FastAPI app, served by uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from flowscale import Flowscale
from flowscale.proxy import FlowscaleProxy, JWTVerifier, ProxyPolicy
from flowscale.proxy._demo import DemoSite, demo_proxy
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer

from .conftest import AUDIENCE, ISSUER, SECRET, bearer

TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"


@pytest.fixture
def site(upstream: LocalServer) -> Iterator[str]:
    proxy = FlowscaleProxy(
        upstream.base_url,
        upstream.api_key,
        JWTVerifier(secret=SECRET, audience=AUDIENCE, issuer=ISSUER),
        policy=ProxyPolicy(requests_per_second=None),
    )
    demo = demo_proxy(upstream.base_url, upstream.api_key, DemoSite())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await proxy.aclose()
        await demo.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    app.mount("/flowscale", proxy)
    app.mount("/try", demo)
    with ProxyServer(app) as server:  # type: ignore[arg-type]
        yield server.url


def test_the_sdk_through_a_mounted_proxy(site: str) -> None:
    with Flowscale(
        base_url=f"{site}/flowscale", proxy_mode=True, custom_headers=bearer("mounted")
    ) as client:
        result = client.execute_workflow_async(TEXT_TO_IMAGE, {"text_51536": "mounted"}, timeout=30)
        assert result.status == "success"
        assert [r.id for r in client.get_runs().runs] == [result.run_id]
    with httpx.Client(base_url=site, timeout=10) as http:
        assert http.get("/hello").json() == {"hello": "world"}
        assert http.get("/flowscale/api/v1/runs").status_code == 401
        assert http.get("/flowscale/api/v1/nope", headers=bearer("m")).status_code == 404


def test_the_demo_page_under_a_prefix(site: str) -> None:
    with httpx.Client(base_url=site, timeout=10) as http:
        moved = http.get("/try/")
        assert (moved.status_code, moved.headers["location"]) == (307, "/try/demo/")
        page = http.get("/try/demo/")
        assert page.status_code == 200
        assert '<script src="app.js"' in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        token = http.post("/try/demo/token", json={"user": "dana"}).json()["data"]["token"]
        runs = http.get("/try/api/v1/runs", headers={"Authorization": f"Bearer {token}"})
        assert runs.status_code == 200
        assert http.post("/try/demo/token", json={"user": "../x"}).status_code == 422
