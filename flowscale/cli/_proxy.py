"""`flowscale proxy`: the backend proxy for front ends, in the foreground."""

from __future__ import annotations

import os
import pathlib
from typing import Any

import click

from ._context import session_of
from ._errors import CliError, ExitCode

__all__ = ["proxy"]


def _import_proxy() -> Any:
    try:
        import flowscale.proxy as module
        from flowscale.proxy import _demo, _serve

        del _demo, _serve
    except ImportError as exc:
        raise CliError(
            f"the proxy needs {exc.name or 'its dependencies'}",
            ExitCode.USAGE,
            "install flowscale[proxy] (pip install 'flowscale[proxy]')",
        ) from exc
    return module


@click.command(
    epilog="""\b
Examples:
  flowscale proxy --demo                 # local server + the browser page, no account
  export FLOWSCALE_API_KEY=... MY_JWT_SECRET=...
  flowscale proxy --upstream https://your-deployment.pod.flowscale.ai \\
      --jwt-secret-env MY_JWT_SECRET --audience my-app --allow-workflow WORKFLOW_ID
  # the browser (or Flowscale(base_url=..., proxy_mode=True)) then sends
  # Authorization: Bearer <JWT>; the proxy adds the API key."""
)
@click.option("--upstream", metavar="URL", help="The Flowscale deployment to forward to.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port."
)
@click.option(
    "--jwt-secret-env",
    metavar="NAME",
    help="Environment variable holding the HS256 secret of your users' JWTs.",
)
@click.option(
    "--jwks",
    type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path),
    help="A JWK Set file with the RS256/ES256 public keys of your users' JWTs.",
)
@click.option("--audience", metavar="AUD", help="Required JWT audience (aud).")
@click.option("--issuer", metavar="ISS", help="Required JWT issuer (iss).")
@click.option(
    "--allow-workflow",
    "workflows",
    multiple=True,
    metavar="ID",
    help="Allow only these workflows (repeatable) [default: all].",
)
@click.option(
    "--max-upload-mb",
    type=click.FloatRange(min=0, min_open=True),
    default=64.0,
    show_default=True,
    help="Largest request body.",
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Runs each user may have queued or running.",
)
@click.option("--cors-origin", "origins", multiple=True, metavar="ORIGIN", help="Allowed origin.")
@click.option("--expose-health", is_flag=True, help="Offer check_health to signed-in users.")
@click.option("--expose-queue", is_flag=True, help="Offer get_queue to signed-in users.")
@click.option("--demo", is_flag=True, help="Run the local server upstream, with the demo page.")
@click.pass_context
def proxy(
    ctx: click.Context,
    upstream: str | None,
    host: str,
    port: int,
    jwt_secret_env: str | None,
    jwks: pathlib.Path | None,
    audience: str | None,
    issuer: str | None,
    workflows: tuple[str, ...],
    max_upload_mb: float,
    max_in_flight: int,
    origins: tuple[str, ...],
    expose_health: bool,
    expose_queue: bool,
    demo: bool,
) -> None:
    """Serve the Flowscale API to front ends, adding the API key server-side.

    Each caller is authenticated by a JWT and sees only their own runs and outputs; uploads,
    runs in flight and request rates are limited per user. The key is read from
    FLOWSCALE_API_KEY (or --api-key) and never sent to callers.
    """
    module = _import_proxy()
    from flowscale.proxy._demo import DemoSite, demo_proxy
    from flowscale.proxy._serve import uvicorn_config

    if demo:
        if upstream or jwt_secret_env or jwks:
            raise CliError("--demo runs its own upstream and sign-in", ExitCode.USAGE)
        _serve_demo(host, port, DemoSite, demo_proxy, uvicorn_config)
        return
    if not upstream:
        raise CliError("missing --upstream URL (or use --demo)", ExitCode.USAGE)
    api_key = session_of(ctx).api_key
    if not api_key:
        raise CliError("no API key: set FLOWSCALE_API_KEY (or --api-key)", ExitCode.USAGE)
    if (jwt_secret_env is None) == (jwks is None):
        raise CliError("give one of --jwt-secret-env NAME or --jwks FILE", ExitCode.USAGE)
    try:
        if jwt_secret_env is not None:
            secret = os.environ.get(jwt_secret_env)
            if not secret:
                raise CliError(f"${jwt_secret_env} is not set", ExitCode.USAGE)
            verifier = module.JWTVerifier(secret=secret, audience=audience, issuer=issuer)
        else:
            verifier = module.JWTVerifier(jwks=jwks, audience=audience, issuer=issuer)
        expose = {"check_health"} if expose_health else set()
        if expose_queue:
            expose.add("get_queue")
        policy = module.ProxyPolicy(
            workflows=frozenset(workflows) if workflows else None,
            max_upload_bytes=int(max_upload_mb * 1024 * 1024),
            max_runs_in_flight=max_in_flight,
            cors_origins=origins,
            expose=expose,
        )
        app = module.FlowscaleProxy(upstream, api_key, verifier, policy=policy)
    except ValueError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from exc
    click.echo(f"Flowscale proxy on http://{host}:{port} -> {upstream}", err=True)
    _run(uvicorn_config(app, host=host, port=port))


def _serve_demo(host: str, port: int, site_class: Any, demo_proxy: Any, config: Any) -> None:
    from flowscale.cli._serve import import_server

    server_module = import_server()
    with server_module.LocalServer(step_delay=0.05) as upstream:
        site = site_class()
        app = demo_proxy(upstream.base_url, upstream.api_key, site)
        click.echo(f"Demo page: http://{host}:{port}/demo/  (Ctrl-C to stop)", err=True)
        click.echo(f"Upstream (local server): {upstream.base_url}", err=True)
        _run(config(app, host=host, port=port))


def _run(config: Any) -> None:
    import uvicorn

    uvicorn.Server(config).run()
