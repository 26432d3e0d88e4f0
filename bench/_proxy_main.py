"""The benchmark proxy process: `FlowscaleProxy` in front of the benchmark server.

`python -m bench._proxy_main --upstream URL --api-key KEY --secret S` prints one JSON line
(url, pid) once it serves and stops when its stdin closes. Its limits are off (the figures
measure the proxy's cost, not its policy); authentication, ownership checks and header
hygiene are all on, as in production.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from flowscale.proxy import FlowscaleProxy, JWTVerifier, ProxyPolicy
from flowscale.proxy._serve import ProxyServer

from ._limits import raise_open_files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._proxy_main")
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args(argv)
    raise_open_files()
    policy = ProxyPolicy(
        max_upload_bytes=1 << 40,
        max_runs_in_flight=None,
        requests_per_second=None,
    )
    app = FlowscaleProxy(
        args.upstream,
        args.api_key,
        JWTVerifier(secret=args.secret, audience="bench"),
        policy=policy,
    )
    with ProxyServer(app) as server:
        print(json.dumps({"url": server.url, "pid": os.getpid()}), flush=True)
        sys.stdin.read()  # until the parent closes the pipe (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
