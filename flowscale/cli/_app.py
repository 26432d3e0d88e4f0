"""The `flowscale` command group: global options, and the commands it offers."""

from __future__ import annotations

import click

import flowscale

from ._batch import batch
from ._cluster import health, queue, workflows
from ._completion import completion
from ._context import json_option, session_of
from ._demo import demo
from ._logging import setup_logging
from ._options import DURATION
from ._output_cmd import output
from ._proxy import proxy
from ._run import run
from ._runs import runs
from ._serve import serve

__all__ = ["cli"]


def _parse_headers(
    _ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not 'Name: value'", param=param)
        headers[name.strip()] = value.strip()
    return headers


class _Group(click.Group):
    """Lists commands in the order they are added (most used first), not alphabetically."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def _non_negative(_ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise click.BadParameter(f"{value} is negative", param=param)
    return value


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  flowscale demo                                    # try it: no account needed
  flowscale workflows
  flowscale run "Text to Image" -i text_51536="a red fox"
  flowscale run "Image to Image" -i image_input=@photo.png -i prompt=sketch
  flowscale runs list --status failed
  flowscale --json runs get RUN | jq .status

\b
Configuration: FLOWSCALE_API_URL and FLOWSCALE_API_KEY (or --base-url / --api-key);
a .env file in the current directory is read for them (real variables win).
Exit codes: 0 ok, 2 usage, 3 API error, 4 run failed, 5 run cancelled, 6 timeout,
130 interrupted.""",
)
@click.option(
    "--base-url",
    envvar="FLOWSCALE_API_URL",
    show_envvar=True,
    metavar="URL",
    help="Your deployment, e.g. https://your-deployment.pod.flowscale.ai",
)
@click.option(
    "--api-key",
    envvar="FLOWSCALE_API_KEY",
    show_envvar=True,
    metavar="KEY",
    help="Your API key (never printed: logs show *** instead).",
)
@click.option(
    "--timeout",
    "request_timeout",
    type=DURATION,
    metavar="DURATION",
    help="Timeout of each HTTP request (30, 30s, 2m) [default: 60s].",
)
@click.option(
    "--max-retries",
    type=int,
    callback=_non_negative,
    metavar="N",
    help="Retries of a failed request (connection errors, 429, 5xx) [default: 2].",
)
@click.option(
    "--proxy-mode",
    is_flag=True,
    help="Send no API key: --base-url is your backend, which adds it.",
)
@click.option(
    "--header",
    "-H",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    callback=_parse_headers,
    help="Extra header for every API request (repeatable).",
)
@click.option("--verbose", "-v", count=True, help="Log requests to stderr (-vv: more).")
@click.option("--debug", is_flag=True, help="Debug logging, and tracebacks on errors.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display or notes on stderr.")
@json_option
@click.version_option(flowscale.__version__, "--version", "-V", prog_name="flowscale")
@click.pass_context
def cli(
    ctx: click.Context,
    base_url: str | None,
    api_key: str | None,
    request_timeout: float | None,
    max_retries: int | None,
    proxy_mode: bool,
    headers: dict[str, str],
    verbose: int,
    debug: bool,
    quiet: bool,
) -> None:
    """Run Flowscale workflows, follow runs and fetch their outputs.

    Results go to stdout; progress, notes and errors to stderr.
    """
    session = session_of(ctx)
    session.base_url = base_url
    session.api_key = api_key
    session.request_timeout = request_timeout
    session.max_retries = max_retries
    session.proxy_mode = proxy_mode
    session.headers = headers
    session.verbosity = verbose
    session.debug = debug
    session.quiet = quiet
    secrets = [s for s in (api_key, *headers.values()) if s]
    session.redact = setup_logging(verbose, debug, secrets).redact


for command in (run, workflows, health, queue, runs, output, serve, proxy, demo, completion):
    cli.add_command(command)
cli.add_command(batch)
