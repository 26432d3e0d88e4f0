"""`flowscale demo`: the whole product on a fresh machine, with no account, key or network.

Starts the bundled local server in this process on a free loopback port, runs "Text to
Image" through the real client (upload, events, download), and saves the PNG like `run`."""

from __future__ import annotations

import pathlib

import click

import flowscale

from ._console import note
from ._context import json_option, session_of
from ._errors import CliError, ExitCode
from ._follow import WaitOptions, follow_and_save, make_display
from ._options import DURATION, out_option
from ._resolve import resolve_workflow
from ._serve import import_server

__all__ = ["DEFAULT_PROMPT", "demo"]

DEFAULT_PROMPT = "a lighthouse on a cliff at sunset, watercolor"
DEMO_WORKFLOW = "Text to Image"
DEMO_INPUT = "text_51536"
DEMO_TIMEOUT = 120.0  # the local workflow takes about two seconds


@click.command(
    epilog="""\b
Examples:
  flowscale demo
  flowscale demo --prompt "a red fox in the snow" --out fox/
  scripts/demo                 # from a fresh clone: makes its own venv first"""
)
@click.option(
    "--prompt",
    "-p",
    default=DEFAULT_PROMPT,
    show_default=True,
    help="What to draw.",
)
@out_option
@click.option(
    "--step-delay",
    type=DURATION,
    hidden=True,  # for tests: the default pace (about two seconds) is the one worth seeing
    help="Simulated time of one sampler step.",
)
@json_option
@click.pass_context
def demo(
    ctx: click.Context, prompt: str, out_dir: pathlib.Path | None, step_delay: float | None
) -> None:
    """Try it locally: no account, key or network needed.

    Starts the bundled server in this process on a free port, runs "Text to Image" with
    --prompt through the real client, shows the same progress as `flowscale run` and saves
    the image under ./flowscale-outputs/.
    """
    session = session_of(ctx)
    local = import_server()
    if not session.json:
        note("Starting a local Flowscale server (no account, key or network needed)...")
    # One worker is enough for one run, and starts faster than the default two.
    with local.LocalServer(workers=1, step_delay=step_delay) as server:
        if not session.json:
            note(f"  serving the Flowscale API at {server.base_url}", style="dim")
        with flowscale.Flowscale(api_key=server.api_key, base_url=server.base_url) as client:
            workflow = resolve_workflow(client, DEMO_WORKFLOW)
            if isinstance(workflow, str):  # the built-in workflow is always listed
                raise CliError(f"the local server has no {DEMO_WORKFLOW!r}", ExitCode.INTERNAL)
            if not session.json:
                note(f"Running {workflow.name!r} with the prompt {prompt!r}")
            display = make_display(session, workflow.name)
            submitted = client.execute_workflow(workflow.id, {DEMO_INPUT: prompt})
            display.submitted(submitted.run_id)
            follow_and_save(
                client,
                session,
                display,
                submitted.run_id,
                workflow_id=workflow.id,
                # The server lives in this process and stops with it: nothing to leave running.
                options=WaitOptions(timeout=DEMO_TIMEOUT, cancel_on_interrupt=True),
                out_dir=out_dir,
            )
    if not session.json and not session.quiet:
        note("")
        note("That was the SDK's real client against the bundled local server. Next, yours:")
        note("  export FLOWSCALE_API_URL=https://<your-deployment> FLOWSCALE_API_KEY=<key>")
        note("  flowscale workflows")
        note('  flowscale run "<workflow name>" -i prompt="a red fox" -i image=@photo.png')
