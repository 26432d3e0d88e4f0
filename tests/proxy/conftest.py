from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jwt
import pytest

from flowscale.proxy import FlowscaleProxy, JWTVerifier, ProxyPolicy
from flowscale.proxy._serve import ProxyServer
from flowscale.server import LocalServer

SECRET = "test-secret-" + "x" * 40
AUDIENCE = "flowscale-tests"
ISSUER = "https://auth.test"

MakeProxy = Callable[..., ProxyServer]


def mint(subject: str, *, secret: str = SECRET, algorithm: str = "HS256", **claims: Any) -> str:
    body: dict[str, Any] = {
        "sub": subject,
        "aud": AUDIENCE,
        "iss": ISSUER,
        "exp": int(time.time()) + 300,
        **claims,
    }
    return jwt.encode({k: v for k, v in body.items() if v is not None}, secret, algorithm=algorithm)


def bearer(subject: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(subject, **claims)}"}


@pytest.fixture(scope="module")
def upstream() -> Iterator[LocalServer]:
    with LocalServer(step_delay=0.002, workers=2, keepalive_interval=0.05) as server:
        yield server


@pytest.fixture
def make_proxy(upstream: LocalServer) -> Iterator[MakeProxy]:
    started: list[ProxyServer] = []

    def make(
        policy: ProxyPolicy | None = None,
        authenticate: Any = None,
        upstream_url: str | None = None,
        **options: Any,
    ) -> ProxyServer:
        verifier = authenticate or JWTVerifier(
            secret=SECRET, audience=AUDIENCE, issuer=ISSUER, workflows_claim="workflows"
        )
        app = FlowscaleProxy(
            upstream_url or upstream.base_url,
            upstream.api_key,
            verifier,
            policy=policy or ProxyPolicy(requests_per_second=None),
            **options,
        )
        server = ProxyServer(app).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def proxy(make_proxy: MakeProxy) -> ProxyServer:
    return make_proxy()
