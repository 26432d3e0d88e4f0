"""The benchmark server process: a LocalServer plus the benchmark workflows.

`python -m bench._server_main [--workers N]` prints one JSON line (base_url, files_url,
api_key) once it serves, and stops when its stdin closes (so it never outlives the parent).
Faults and counters are driven over the server's `/_admin/` API.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from flowscale.server import LocalServer

from ._limits import raise_open_files
from ._workflows import workflows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._server_main")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keepalive", type=float, default=15.0)
    args = parser.parse_args(argv)
    raise_open_files()
    with tempfile.TemporaryDirectory(prefix="flowscale-bench-server-") as tmp:
        server = LocalServer(workers=args.workers, keepalive_interval=args.keepalive)
        for workflow in workflows(Path(tmp)):
            server.register_workflow(workflow)
        with server:
            ready = {
                "base_url": server.base_url,
                "files_url": server.files_url,
                "api_key": server.api_key,
            }
            print(json.dumps(ready), flush=True)
            sys.stdin.read()  # until the parent closes the pipe (or dies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
