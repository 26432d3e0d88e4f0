"""``python -m flowscale.server``: run a local Flowscale server in the foreground."""

from __future__ import annotations

import argparse
import sys

from . import MissingExtraError, load_server


def main(argv: list[str] | None = None) -> int:
    """Parse `argv` (default: `sys.argv[1:]`), serve until Ctrl-C, return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m flowscale.server",
        description="Run a local Flowscale-compatible server until Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="API port (0: any free port)")
    parser.add_argument("--api-key", default=None, help="default: a generated key")
    parser.add_argument("--workers", type=int, default=2, help="worker containers")
    parser.add_argument("--data-dir", default=None, help="keep state here (default: memory)")
    parser.add_argument(
        "--step-delay", type=float, default=None, help="seconds per step of built-in workflows"
    )
    args = parser.parse_args(argv)
    try:
        serve_forever = load_server("python -m flowscale.server").serve_forever
    except MissingExtraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    code: int = serve_forever(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        workers=args.workers,
        data_dir=args.data_dir,
        step_delay=args.step_delay,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
