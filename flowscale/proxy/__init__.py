"""A backend proxy for front ends: the Flowscale API with the API key kept server-side.

Install with ``pip install 'flowscale[proxy]'``. See the README, "Front ends: the proxy"::

    from flowscale.proxy import FlowscaleProxy, JWTVerifier, ProxyPolicy

    app = FlowscaleProxy(
        "https://your-deployment.pod.flowscale.ai",
        api_key=os.environ["FLOWSCALE_API_KEY"],
        authenticate=JWTVerifier(secret=os.environ["JWT_SECRET"], audience="my-app"),
        policy=ProxyPolicy(workflows={"550e8400-..."}, max_runs_in_flight=2),
    )

``ProxyServer(app)`` serves it from a background thread (tests); ``demo_proxy(upstream_url,
key)`` is the demo mode of ``flowscale proxy --demo`` (the browser page in ``static/``).
"""

from __future__ import annotations

from ._app import FlowscaleProxy
from ._auth import Authenticate, AuthenticationError, JWTVerifier, Principal, bearer_token
from ._demo import DemoSite, demo_proxy
from ._ownership import OwnershipStore, SQLiteOwnershipStore
from ._policy import ProxyPolicy, RateLimiter
from ._rules import Rule, rule_for
from ._serve import ProxyServer

__all__ = [
    "Authenticate",
    "AuthenticationError",
    "DemoSite",
    "FlowscaleProxy",
    "JWTVerifier",
    "OwnershipStore",
    "Principal",
    "ProxyPolicy",
    "ProxyServer",
    "RateLimiter",
    "Rule",
    "SQLiteOwnershipStore",
    "bearer_token",
    "demo_proxy",
    "rule_for",
]
