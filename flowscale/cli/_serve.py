"""`flowscale serve`: the bundled local server in the foreground, for trying the SDK and CLI
without an account."""

from __future__ import annotations

import pathlib
from types import ModuleType

import click

from ._errors import CliError, ExitCode
from ._options import DURATION

__all__ = ["import_server", "serve"]


def import_server() -> ModuleType:
    """`flowscale.server`, or a usage error naming the extra that brings its dependencies."""
    try:
        import flowscale.server as server

        # The package loads its ASGI stack lazily: touch it here, where a missing extra
        # can still be reported as such.
        server.LocalServer  # noqa: B018
    except ImportError as exc:
        from flowscale.server._extra import missing_server_packages

        missing = ", ".join(missing_server_packages())
        raise CliError(
            f"the local server needs {missing or exc.name or 'its dependencies'}",
            ExitCode.USAGE,
            "install flowscale[server] (pip install 'flowscale[server]')",
        ) from exc
    return server


@click.command(
    epilog="""\b
Examples:
  flowscale serve                          # http://127.0.0.1:8080, a new key each start
  flowscale serve --port 9000 --api-key dev-key --data-dir .flowscale-data
  # then, in another shell:
  export FLOWSCALE_API_URL=http://127.0.0.1:9000 FLOWSCALE_API_KEY=dev-key
  flowscale workflows"""
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="API port."
)
@click.option(
    "--api-key",
    "server_key",
    metavar="KEY",
    help="The key clients must send [default: a random key, printed at start].",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Simulated ComfyUI containers (runs executed at once).",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=pathlib.Path),
    help="Keep runs and files here across restarts [default: a temporary directory].",
)
@click.option(
    "--step-delay",
    type=DURATION,
    help="Simulated time of one sampler step [default: 0.2s].",
)
def serve(
    host: str,
    port: int,
    server_key: str | None,
    workers: int,
    data_dir: pathlib.Path | None,
    step_delay: float | None,
) -> None:
    """Run the bundled Flowscale-compatible server until Ctrl-C.

    It serves the same API as a Flowscale deployment, with built-in workflows ("Text to
    Image", "Image to Image", ...) that make real files from their inputs.
    """
    server = import_server()
    server.serve_forever(
        host=host,
        port=port,
        api_key=server_key,
        workers=workers,
        data_dir=data_dir,
        step_delay=step_delay,
    )
