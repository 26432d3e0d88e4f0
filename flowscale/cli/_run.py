"""`flowscale run WORKFLOW -i NAME=VALUE ...`: start a run, follow it, save its outputs."""

from __future__ import annotations

import pathlib

import click

import flowscale

from ._console import note
from ._context import json_option, session_of
from ._errors import CliError, ExitCode
from ._follow import WaitOptions, follow_and_save, make_display
from ._inputs import parse_inputs
from ._interrupt import after_interrupt
from ._options import out_option, wait_options
from ._output import print_json, print_lines
from ._resolve import complete_workflows, resolve_workflow

__all__ = ["run"]


@click.command(
    epilog="""\b
Examples:
  flowscale run "Text to Image" -i text_51536="a lighthouse at dusk"
  flowscale run 660f9411-f30c-52e5-b827-557766551111 \\
      -i image_input=@photo.png -i prompt="oil painting" --out results/
  flowscale run "Text to Image" -i text_51536=@@handle --no-wait
  flowscale run "Text to Image" -i text_51536=fox --json | jq -r '.outputs[].path'

\b
Inputs: -i NAME=VALUE is text; -i NAME=@path uploads a file; -i NAME=@- uploads
stdin; -i NAME=@@text sends the text "@text".
Exit codes: 0 done, 2 usage, 3 API error, 4 run failed, 5 cancelled, 6 timeout,
130 interrupted."""
)
@click.argument("workflow", shell_complete=complete_workflows)
@click.option(
    "--input",
    "-i",
    "inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A workflow input (repeatable). @path uploads a file, @@ escapes a literal @.",
)
@click.option("--group", "group_id", metavar="ID", help="Group id to file the run under.")
@out_option
@wait_options
@click.option("--no-wait", is_flag=True, help="Print the run id and return at once.")
@json_option
@click.pass_context
def run(
    ctx: click.Context,
    workflow: str,
    inputs: tuple[str, ...],
    group_id: str | None,
    out_dir: pathlib.Path | None,
    wait_timeout: float | None,
    cancel_on_interrupt: bool,
    cancel_on_timeout: bool,
    poll_interval: float,
    no_wait: bool,
) -> None:
    """Run WORKFLOW (an id or a name) and save its outputs.

    Follows the run with a live display on stderr (status, queue position, node progress,
    elapsed time), downloads every output into --out and prints the saved paths. Ctrl-C asks
    whether to cancel the run.
    """
    session = session_of(ctx)
    values = parse_inputs(inputs)  # usage errors before any request
    with session.client() as client:
        target = resolve_workflow(client, workflow)
        workflow_id = target if isinstance(target, str) else target.id
        title = target if isinstance(target, str) else target.name
        display = make_display(session, title, enabled=not no_wait)
        submitted: flowscale.SubmittedRun | None = None
        try:
            with display:
                # Feedback from the start: uploading big inputs can take a while.
                files = sum(1 for v in values.values() if not isinstance(v, str))
                display.set_phase(f"uploading {files} file{'s' if files != 1 else ''}"
                                  if files else "starting")  # fmt: skip
                submitted = client.execute_workflow(workflow_id, values, group_id)
                if no_wait:
                    _print_submitted(session.json, submitted)
                    return
                display.submitted(submitted.run_id)
                follow_and_save(
                    client,
                    session,
                    display,
                    submitted.run_id,
                    workflow_id=submitted.workflow_id,
                    options=WaitOptions(
                        timeout=wait_timeout,
                        poll_interval=poll_interval,
                        cancel_on_interrupt=cancel_on_interrupt,
                        cancel_on_timeout=cancel_on_timeout,
                    ),
                    out_dir=out_dir,
                )
        except KeyboardInterrupt:
            # follow_and_save handles Ctrl-C while it waits; this is Ctrl-C before or just
            # around that wait.
            if submitted is None:
                raise CliError(
                    "interrupted while starting the run; it may have been created",
                    ExitCode.INTERRUPTED,
                    "look for it with: flowscale runs list",
                ) from None
            after_interrupt(client, submitted.run_id, cancel_on_interrupt)


def _print_submitted(as_json: bool, submitted: flowscale.SubmittedRun) -> None:
    if as_json:
        print_json({"run_id": submitted.run_id, "workflow_id": submitted.workflow_id})
        return
    print_lines([submitted.run_id])
    note(f"follow it with: flowscale runs wait {submitted.run_id}", style="dim")
