"""`WORKFLOW` arguments: an id, or a name as `get_workflows` lists it."""

from __future__ import annotations

import re

import flowscale

from ._errors import CliError, ExitCode

__all__ = ["resolve_workflow"]

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
