"""`flowscale workflows`, `health` and `queue`: what the deployment offers and how busy it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

import flowscale

from ._context import json_option, session_of
from ._output import print_json, print_table

__all__ = ["health", "queue", "workflows"]


def _fields(fields: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} ({kind})" if kind else name for name, kind in fields.items())


@click.command(
    epilog="""\b
Examples:
  flowscale workflows
  flowscale workflows --json | jq -r '.[] | "\\(.id) \\(.name)"'"""
)
@json_option
@click.pass_context
def workflows(ctx: click.Context) -> None:
    """List the deployed workflows with their inputs and outputs.

    `flowscale run` takes a workflow's id or name; its inputs are the -i names.
    """
    session = session_of(ctx)
    with session.client() as client:
        items = client.get_workflows()
    if session.json:
        print_json(items)
        return
    print_table(
        ("ID", "NAME", "INPUTS", "OUTPUTS"),
        ((w.id, w.name, _fields(w.inputs), _fields(w.outputs)) for w in items),
        empty="no workflows deployed",
        whole=(0,),  # the ids users copy into `flowscale run`
    )


@click.command(
    epilog="""\b
Examples:
  flowscale health
  flowscale health --json"""
)
@json_option
@click.pass_context
def health(ctx: click.Context) -> None:
    """Show the status of each ComfyUI container."""
    session = session_of(ctx)
    with session.client() as client:
        items = client.check_health()
    if session.json:
        print_json(items)
        return
    print_table(
        ("CONTAINER", "STATUS"),
        ((c.container or "?", c.status) for c in items),
        empty="no containers",
    )


def _entries(entries: tuple[flowscale.QueueEntry, ...]) -> str:
    return ", ".join(e.run_id or f"#{e.number}" for e in entries) or "-"


@click.command(
    epilog="""\b
Examples:
  flowscale queue
  flowscale queue --json"""
)
@json_option
@click.pass_context
def queue(ctx: click.Context) -> None:
    """Show the running and pending runs of each container."""
    session = session_of(ctx)
    with session.client() as client:
        items = client.get_queue()
    if session.json:
        print_json(items)
        return
    print_table(
        ("CONTAINER", "RUNNING", "PENDING"),
        ((q.container or "?", _entries(q.running), _entries(q.pending)) for q in items),
        empty="no containers",
    )
