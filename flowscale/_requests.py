"""Building one request for the request path: `httpx.Request` directly for the SDK's own pool.

`build_request` merges a client's base URL, query parameters, cookies and default headers into
every request (about half the cost of making one). The SDK's own pool has no base URL or query
parameters, so as long as it holds no cookies, what the merge would add is its default headers:
the request is made directly, the same request. A pool that holds cookies (a load balancer's
stickiness cookie, say) or one the user passed in goes through `build_request` as before.
Shared by both clients: nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["build_request"]


def build_request(
    http: httpx.Client | httpx.AsyncClient,
    *,
    own_pool: bool,
    method: str,
    url: httpx.URL,
    params: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    body_args: Mapping[str, Any],
) -> httpx.Request:
    """The request `http.build_request` would make, without its merging where it adds nothing."""
    if not own_pool or http.cookies:
        return http.build_request(
            method, url, params=params, headers=headers, timeout=timeout, **body_args
        )
    merged = http.headers.copy()
    merged.update(headers)
    return httpx.Request(
        method,
        url,
        params=params,
        headers=merged,
        extensions={"timeout": timeout.as_dict()},
        **body_args,
    )
