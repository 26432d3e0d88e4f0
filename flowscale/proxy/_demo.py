"""Demo mode: the browser page shipped with the package, and short-lived demo sign-ins.

``flowscale proxy --demo`` runs the bundled local server as the upstream and serves, next to
the API, ``/demo/`` (static HTML + JavaScript, no build step) and ``POST /demo/token``, which
signs in any demo user name with a JWT valid for ``DEMO_TOKEN_TTL`` seconds. The page then
calls the API paths with ``Authorization: Bearer <token>``: it never sees the API key.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import secrets
import time
from typing import Final

import jwt

from ._app import FlowscaleProxy, route_path
from ._auth import JWTVerifier
from ._http import Receive, Scope, Send, error_body, send_bytes, send_json
from ._policy import ProxyPolicy

__all__ = ["DEMO_TOKEN_TTL", "DemoSite", "demo_proxy"]

DEMO_TOKEN_TTL: Final = 600
DEMO_AUDIENCE: Final = "flowscale-demo"
DEMO_ISSUER: Final = "flowscale-proxy-demo"
USER_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")
STATIC = {
    "/demo/": ("index.html", b"text/html; charset=utf-8"),
    "/demo/app.js": ("app.js", b"text/javascript; charset=utf-8"),
    "/demo/style.css": ("style.css", b"text/css; charset=utf-8"),
}
# The page loads only its own script and style; images come from the output host.
PAGE_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' http: https: data: blob:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]


class DemoSite:
    """The page and the demo sign-in, as an ASGI app for the proxy's non-API paths.

    Args:
        secret: The HS256 secret that signs demo tokens (None: a random one).
        ttl: Seconds a demo token is valid.
    """

    def __init__(self, secret: str | None = None, ttl: float = DEMO_TOKEN_TTL) -> None:
        self._secret = secret or secrets.token_urlsafe(32)
        self._ttl = ttl
        self._files = importlib.resources.files("flowscale.proxy") / "static"

    def verifier(self) -> JWTVerifier:
        """The authentication hook accepting this site's demo tokens.

        Returns:
            A `JWTVerifier` with the site's secret, audience and issuer.
        """
        return JWTVerifier(secret=self._secret, audience=DEMO_AUDIENCE, issuer=DEMO_ISSUER)

    def mint(self, user: str) -> str:
        """Sign in a demo user: a token valid for the site's ``ttl``.

        Args:
            user: The demo user's name (the principal is ``demo:<user>``).

        Returns:
            The encoded JWT.
        """
        now = int(time.time())
        claims = {
            "sub": f"demo:{user}",
            "name": user,
            "aud": DEMO_AUDIENCE,
            "iss": DEMO_ISSUER,
            "iat": now,
            "exp": now + int(self._ttl),
        }
        return jwt.encode(claims, self._secret, algorithm="HS256")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        method = scope["method"]
        if path in ("/", "/demo") and method in ("GET", "HEAD"):
            location = (scope.get("root_path", "") + "/demo/").encode()
            await send_bytes(send, 307, b"", [(b"location", location)])
            return
        if path == "/demo/token" and method == "POST":
            await self._token(receive, send)
            return
        entry = STATIC.get(path)
        if entry is None or method not in ("GET", "HEAD"):
            await send_json(send, 404, error_body("Not Found"))
            return
        name, content_type = entry
        body = (self._files / name).read_bytes()
        headers = [(b"content-type", content_type), *PAGE_HEADERS]
        await send_bytes(send, 200, body, headers, head=method == "HEAD")

    async def _token(self, receive: Receive, send: Send) -> None:
        raw = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            raw += message.get("body", b"")
            if len(raw) > 4096:
                await send_json(send, 413, error_body("Request body too large"))
                return
            if not message.get("more_body"):
                break
        try:
            user = json.loads(raw).get("user")
        except (ValueError, AttributeError):
            user = None
        if not isinstance(user, str) or not USER_NAME.fullmatch(user):
            await send_json(send, 422, error_body("user: 1 to 40 letters, digits, '_', '.', '-'"))
            return
        body = {"status": "success", "data": {"token": self.mint(user), "expires_in": self._ttl}}
        await send_json(send, 200, body, [(b"cache-control", b"no-store")])


def demo_proxy(upstream: str, api_key: str, site: DemoSite | None = None) -> FlowscaleProxy:
    """The proxy of demo mode: demo sign-ins, the page, health and queue exposed.

    Args:
        upstream: The upstream API's base URL (``flowscale proxy --demo``: a local server).
        api_key: The upstream's API key.
        site: The page and sign-in (None: a `DemoSite` with a random secret).

    Returns:
        The proxy, serving the page at ``/demo/`` beside the API.
    """
    site = site or DemoSite()
    policy = ProxyPolicy(expose={"check_health", "get_queue"}, max_runs_in_flight=3)
    return FlowscaleProxy(upstream, api_key, site.verifier(), policy=policy, pages=site)
