"""`flowscale runs ...`: list, inspect, cancel, wait for, and watch the events of runs."""

from __future__ import annotations

import datetime
import itertools
import json
import pathlib
import sys
from typing import Any

import click

import flowscale
from flowscale._deadline import Deadline

from ._context import json_option, session_of
from ._durations import format_duration
from ._errors import CliError, ExitCode
from ._follow import WaitOptions, follow_and_save, interruptible, make_display, time_left
from ._options import OPTIONAL_DURATION, out_option, wait_options
from ._output import jsonable, print_json, print_lines, print_table, run_json

__all__ = ["runs"]


@click.group(
    epilog="""\b
Examples:
  flowscale runs list --status failed --limit 5
  flowscale runs get 3f0c9a2e-...
  flowscale runs wait 3f0c9a2e-... --out results/
  flowscale runs events 3f0c9a2e-... --json"""
)
def runs() -> None:
    """List, inspect, cancel, wait for and watch runs."""


@runs.command(
    "list",
    epilog="""\b
Examples:
  flowscale runs list
  flowscale runs list --group nightly --status completed --limit 50
  flowscale runs list --json | jq -r '.[].id'""",
)
@click.option("--group", "group_id", metavar="ID", help="Only runs of this group.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    # A typo would otherwise match nothing and print "no runs", which reads as an answer.
    type=click.Choice([s.value for s in flowscale.RunStatus], case_sensitive=False),
    metavar="STATUS",
    help="Only runs with this status (repeatable): "
    + ", ".join(s.value for s in flowscale.RunStatus)
    + ".",
)
@click.option(
    "--limit",
    "-n",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="At most this many runs.",
)
@json_option
@click.pass_context
def list_runs(
    ctx: click.Context, group_id: str | None, statuses: tuple[str, ...], limit: int
) -> None:
    """List runs, newest first."""
    session = session_of(ctx)
    wanted = {s.lower() for s in statuses}
    if "cancelled" in wanted:
        wanted.add("canceled")  # the spelling some servers use
    with session.client() as client:
        # Paging stops as soon as enough runs matched; the status filter is ours (the API
        # has none), so a rare status may need several pages.
        found = itertools.islice(
            (r for r in client.iter_runs(group_id, page_size=min(100, max(limit, 10)))
             if not wanted or r.status.lower() in wanted),
            limit,
        )  # fmt: skip
        items = interruptible(lambda: list(found))
        names = _workflow_names(client) if items and not session.json else {}
    if session.json:
        print_json([run_json(r) for r in items])
        return
    print_table(
        ("RUN", "STATUS", "WORKFLOW", "GROUP", "CREATED", "DURATION"),
        (
            (
                r.id,
                r.status,
                names.get(r.workflow_id or "", r.workflow_id or ""),
                r.group_id or "",
                _when(r.created_at),
                _duration(r),
            )
            for r in items
        ),
        empty="no runs",
        whole=(0,),
    )


@runs.command(
    "get",
    epilog="""\b
Examples:
  flowscale runs get 3f0c9a2e-...
  flowscale runs get 3f0c9a2e-... --json | jq .status""",
)
@click.argument("run_id", metavar="RUN")
@json_option
@click.pass_context
def get_run(ctx: click.Context, run_id: str) -> None:
    """Show one run: status, times, inputs, outputs, error."""
    session = session_of(ctx)
    with session.client() as client:
        item = client.get_run(run_id)
    if session.json:
        print_json(run_json(item))
        return
    rows: list[tuple[str, str]] = [
        ("run", item.id),
        ("status", item.status),
        ("workflow", item.workflow_id or ""),
        ("group", item.group_id or ""),
        ("created", _when(item.created_at)),
        ("started", _when(item.started_at)),
        ("completed", _when(item.completed_at)),
        ("duration", _duration(item)),
    ]
    for entry in item.inputs:
        rows.append((f"input {entry.path}", entry.value if entry.value is not None else "(file)"))
    names = [o.filename for o in item.outputs] or list(item.output_names)
    if names:
        rows.append(("outputs", ", ".join(names)))
    if item.error is not None:
        where = f" (node {item.error.node_id})" if item.error.node_id else ""
        rows.append(("error", item.error.message + where))
    print_table(("FIELD", "VALUE"), [r for r in rows if r[1]])


@runs.command(
    "cancel",
    epilog="""\b
Examples:
  flowscale runs cancel 3f0c9a2e-...""",
)
@click.argument("run_id", metavar="RUN")
@json_option
@click.pass_context
def cancel_run(ctx: click.Context, run_id: str) -> None:
    """Cancel a run (queued or running)."""
    session = session_of(ctx)
    with session.client() as client:
        message = client.cancel_run(run_id)
    if session.json:
        print_json({"run_id": run_id, "message": message})
    else:
        print_lines([message or f"cancelled run {run_id}"])


@runs.command(
    "wait",
    epilog="""\b
Examples:
  flowscale run "Text to Image" -i text_51536=fox --no-wait   # prints RUN
  flowscale runs wait RUN --out results/ --timeout 30m""",
)
@click.argument("run_id", metavar="RUN")
@out_option
@wait_options
@json_option
@click.pass_context
def wait_run(
    ctx: click.Context,
    run_id: str,
    out_dir: pathlib.Path | None,
    wait_timeout: float | None,
    cancel_on_interrupt: bool,
    cancel_on_timeout: bool,
    poll_interval: float,
) -> None:
    """Follow a run started earlier, then save its outputs.

    Shows the same progress as `flowscale run` and prints the saved paths.
    """
    session = session_of(ctx)
    # --timeout bounds the whole wait: the title's lookups take a share of it, the wait the rest.
    deadline = Deadline.after(wait_timeout)
    with session.client() as client:
        title = _title(client, run_id, deadline)
        follow_and_save(
            client,
            session,
            make_display(session, title),
            run_id,
            workflow_id=None,
            options=WaitOptions(
                timeout=time_left(deadline),
                poll_interval=poll_interval,
                cancel_on_interrupt=cancel_on_interrupt,
                cancel_on_timeout=cancel_on_timeout,
            ),
            out_dir=out_dir,
        )


@runs.command(
    "events",
    epilog="""\b
Examples:
  flowscale runs events 3f0c9a2e-...
  flowscale runs events 3f0c9a2e-... --from-seq 10 --json   # one JSON object a line
  flowscale runs events 3f0c9a2e-... --timeout 1h""",
)
@click.argument("run_id", metavar="RUN")
@click.option(
    "--from-seq",
    type=click.IntRange(min=1),
    help="Start at this sequence number (default: replay from the first event).",
)
@click.option(
    "--timeout",
    "-t",
    "events_timeout",
    type=OPTIONAL_DURATION,
    default="10m",
    show_default=True,
    help="Stop watching after this long (90s, 10m, 1h30m; 'none': no limit). Exit code 6.",
)
@json_option
@click.pass_context
def run_events(
    ctx: click.Context, run_id: str, from_seq: int | None, events_timeout: float | None
) -> None:
    """Print a run's events as they arrive, until its final event.

    With --json, one JSON object per line (the event as the server sent it).
    """
    session = session_of(ctx)
    deadline = Deadline.after(events_timeout)
    last_seq: int | None = None
    try:
        with (
            session.client() as client,
            # Its own deadline starts after `deadline`, so `deadline` has passed when it ends.
            client.subscribe_run_events(run_id, from_seq=from_seq, timeout=events_timeout) as s,
        ):
            for event in s:
                line = json.dumps(_event_json(event)) if session.json else _event_text(event)
                sys.stdout.write(line + "\n")
                sys.stdout.flush()  # a pipe reader sees each event when it happens
                last_seq = event.seq
    except flowscale.APITimeoutError:
        if events_timeout is None or not deadline.expired():
            raise  # one request's own timeout, not --timeout: reported as an API failure
        resume = f" --from-seq {last_seq + 1}" if last_seq is not None else ""
        raise CliError(
            f"stopped watching run {run_id} after {format_duration(events_timeout)} (--timeout)",
            ExitCode.TIMEOUT,
            f"resume with: flowscale runs events {run_id}{resume}",
            run_id=run_id,
        ) from None


def _workflow_names(client: flowscale.Flowscale) -> dict[str, str]:
    """Workflow id -> name, to show names in tables; empty when they cannot be listed."""
    try:
        return {w.id: w.name for w in client.get_workflows()}
    except flowscale.FlowscaleError:
        return {}


def _title(client: flowscale.Flowscale, run_id: str, deadline: Deadline) -> str:
    """The workflow's name for the display; best effort (the wait reports real errors). Its
    two lookups take at most a tenth of the time left before `deadline` each, none at all
    when that is under 10 s: the wait gets the time it was given."""
    left = deadline.remaining()
    if left is not None:
        if left < 10:
            return "run"
        client = client.with_options(timeout=left / 10, max_retries=0)
    try:
        workflow_id = client.get_run(run_id).workflow_id
    except flowscale.FlowscaleError:
        return "run"
    return _workflow_names(client).get(workflow_id or "", workflow_id or "run")


def _event_json(event: flowscale.RunEvent) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(dict(event.data))
    data.setdefault("seq", event.seq)
    data.setdefault("run_id", event.run_id)
    data.setdefault("type", getattr(event, "event_type", "") or event.type)
    return data


def _event_text(event: flowscale.RunEvent) -> str:
    when = event.timestamp.strftime("%H:%M:%S") if event.timestamp else "--:--:--"
    head = f"{event.seq:>4} {when} "
    if isinstance(event, flowscale.StatusEvent):
        extra = f" (position {event.queue_position})" if event.queue_position is not None else ""
        error = f": {event.error.message}" if event.error else ""
        return f"{head}status   {event.status}{extra}{error}"
    if isinstance(event, flowscale.ProgressEvent):
        node = f"{event.node_type or 'node'} {event.node_id}"
        return f"{head}progress {node} {event.value:g}/{event.max:g}"
    if isinstance(event, flowscale.OutputEvent):
        return f"{head}output   {event.output.filename}"
    if isinstance(event, flowscale.LogEvent):
        return f"{head}log      [{event.level}] {event.message}"
    if isinstance(event, flowscale.EndEvent):
        return f"{head}end      {event.status}"
    kind = event.event_type if isinstance(event, flowscale.UnknownEvent) else event.type
    return f"{head}{kind:<8} {json.dumps(jsonable(dict(event.data)))}"


def _when(moment: datetime.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _duration(item: flowscale.Run) -> str:
    if item.started_at is None:
        return ""
    end = item.completed_at
    if end is None:
        return ""
    return format_duration(max(0.0, (end - item.started_at).total_seconds()))
