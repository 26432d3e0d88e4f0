"""The benchmark server process: a LocalServer plus the benchmark workflows.

`python -m bench._server_main [--workers N]` prints one JSON line (base_url, files_url,
api_key) once it serves, and stops when its stdin closes (so it never outlives the parent).
Faults and counters are driven over the server's `/_admin/` API.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
from pathlib import Path

from ._compat import LocalServer
from ._limits import raise_open_files
from ._workflows import workflows


def ensure_tcp_nodelay() -> bool:
    """Work around a LocalServer bug if it is still there; True if the workaround applies.

    LocalServer makes its listening sockets with `socket.socket(family, SOCK_STREAM)`, whose
    `proto` is 0; accepted connections inherit it, and asyncio only sets TCP_NODELAY on
    sockets whose `proto` is IPPROTO_TCP. Every reply on a kept-alive connection then waits
    for the client's delayed ACK (Nagle): ~44 ms per request instead of ~1 ms. Re-wrapping the
    descriptor lets Python read the real protocol (SO_PROTOCOL) back.
    """
    try:
        from flowscale.server import _server
    except ImportError:
        return False
    listen = getattr(_server, "_listen", None)
    if listen is None:
        return False
    probe = listen("127.0.0.1", 0)
    proto = probe.proto
    probe.close()
    if proto == socket.IPPROTO_TCP:
        return False

    def listen_tcp(host: str, port: int) -> socket.socket:
        sock = listen(host, port)
        return socket.socket(fileno=sock.detach())

    _server._listen = listen_tcp
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._server_main")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keepalive", type=float, default=15.0)
    args = parser.parse_args(argv)
    raise_open_files()
    workaround = ensure_tcp_nodelay()
    with tempfile.TemporaryDirectory(prefix="flowscale-bench-server-") as tmp:
        server = LocalServer(workers=args.workers, keepalive_interval=args.keepalive)
        for workflow in workflows(Path(tmp)):
            server.register_workflow(workflow)
        with server:
            ready = {
                "base_url": server.base_url,
                "files_url": server.files_url,
                "api_key": server.api_key,
                "tcp_nodelay_workaround": workaround,
            }
            print(json.dumps(ready), flush=True)
            sys.stdin.read()  # until the parent closes the pipe (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
