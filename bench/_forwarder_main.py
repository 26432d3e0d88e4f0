"""The floor under the proxy's latency figure: the least a Python forwarder does.

`python -m bench._forwarder_main --upstream URL --api-key KEY` serves GETs by forwarding them
with the key, on the same stack as the proxy (uvicorn with httptools and uvloop, the proxy's
own upstream pool, `flowscale.proxy._upstream`) and nothing else: no authentication, no
ownership check, no header hygiene. The proxy's added latency minus this one's is what the
proxy's own checks cost.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from flowscale.proxy._serve import ProxyServer
from flowscale.proxy._upstream import Upstream


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._forwarder_main")
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--api-key", required=True)
    args = parser.parse_args(argv)
    upstream = Upstream(args.upstream)
    key = [(b"x-api-key", args.api_key.encode())]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        reply = await upstream.open("GET", scope["path"], key)
        try:
            content = b"".join([chunk async for chunk in reply.aiter_raw()])
        finally:
            await reply.aclose()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
        ]
        await send({"type": "http.response.start", "status": reply.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    with ProxyServer(app) as server:  # type: ignore[arg-type]
        print(json.dumps({"url": server.url}), flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
