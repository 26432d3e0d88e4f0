"""`WORKFLOW` arguments: an id, or a name as `get_workflows` lists it."""

from __future__ import annotations

import re

import click
from click.shell_completion import CompletionItem

import flowscale

from ._errors import CliError, ExitCode

__all__ = ["complete_workflows", "resolve_workflow"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def resolve_workflow(client: flowscale.Flowscale, ref: str) -> flowscale.Workflow | str:
    """The workflow `ref` names, or `ref` itself when it looks like an id the list cannot
    confirm (a deployment or proxy that does not list workflows can still run them)."""
    try:
        workflows = client.get_workflows()
    except (flowscale.APIStatusError, flowscale.ResponseValidationError):
        if _UUID.match(ref):
            return ref
        raise
    for workflow in workflows:
        if workflow.id == ref:
            return workflow
    exact = [w for w in workflows if w.name == ref]
    folded = [w for w in workflows if w.name.casefold() == ref.strip().casefold()]
    for matches in (exact, folded):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            ids = ", ".join(w.id for w in matches)
            raise CliError(
                f"{len(matches)} workflows are named {ref!r}: {ids}",
                ExitCode.USAGE,
                "pass the id instead of the name",
            )
    if _UUID.match(ref):
        return ref  # not listed (yet): let the server decide
    names = ", ".join(repr(w.name) for w in workflows[:8]) or "none"
    raise CliError(
        f"no workflow with id or name {ref!r} (available: {names})",
        ExitCode.USAGE,
        "`flowscale workflows` lists them",
    )


COMPLETION_TIMEOUT = 3.0  # a slow or absent server must not hang the shell


def complete_workflows(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of WORKFLOW: the deployment's workflow names (and ids), best effort."""
    root = ctx.find_root().params  # global options typed so far (parsed, not validated)
    try:
        with flowscale.Flowscale(
            api_key=None if root.get("proxy_mode") else root.get("api_key"),
            base_url=root.get("base_url"),
            proxy_mode=bool(root.get("proxy_mode")),
            timeout=COMPLETION_TIMEOUT,
            max_retries=0,
        ) as client:
            workflows = client.get_workflows()
    except (flowscale.FlowscaleError, TypeError, ValueError):
        return []
    folded = incomplete.casefold()
    items = [
        CompletionItem(w.name, help=w.description or w.id)
        for w in workflows
        if w.name.casefold().startswith(folded)
    ]
    items += [CompletionItem(w.id, help=w.name) for w in workflows if w.id.startswith(incomplete)]
    return items
