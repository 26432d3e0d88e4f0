"""How the proxy treats each operation of the spec, decided from the route table (no I/O).

An operation the spec gains is handled without a hand edit here: one that acts on a run
(a ``run_id`` path parameter) is forwarded after the ownership check; one about the cluster
(tag ``comfy``) only when the policy exposes it; anything else is refused, deliberately, until
someone decides how it is scoped per user. The four operations that need more than an
ownership check (starting runs, listing them, outputs, the workflow list) are named below.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from .._route_table import Operation

__all__ = ["Rule", "rule_for"]


class Rule(enum.Enum):
    """How the proxy treats an operation: what it checks before forwarding it, if it does."""

    EXECUTE = "execute"
    """Starting a run: the allow-lists, the in-flight limit, the proxy's group_id, the owner
    recorded."""
    LIST_RUNS = "list_runs"
    """Listing runs: the principal's only (their group_id is forced)."""
    OUTPUT = "output"
    """An output: of the principal's runs only."""
    WORKFLOWS = "workflows"
    """The workflow list, filtered by the allow-lists."""
    RUN = "run"
    """One run: its owner only."""
    CLUSTER = "cluster"
    """The deployment's state (health, queue): only when the policy exposes it."""
    REFUSED = "refused"
    """Not offered through the proxy (404)."""


SCOPED = {
    "execute_workflow": Rule.EXECUTE,
    "get_runs": Rule.LIST_RUNS,
    "get_output": Rule.OUTPUT,
    "get_workflows": Rule.WORKFLOWS,
}


def rule_for(operation: Operation, expose: Iterable[str] = ()) -> Rule:
    """The rule of one operation of the spec.

    Args:
        operation: An operation of the route table.
        expose: Cluster operations (tag ``comfy``) offered to signed-in users, by operation id
            (``ProxyPolicy.expose``).

    Returns:
        Its own rule for the four scoped operations; `Rule.RUN` for one that acts on a run
        (a ``run_id`` path parameter); `Rule.CLUSTER` for an exposed cluster operation;
        `Rule.REFUSED` for anything else.
    """
    if operation.operation_id in SCOPED:
        return SCOPED[operation.operation_id]
    if "run_id" in operation.path_params:
        return Rule.RUN
    if "comfy" in operation.tags and operation.operation_id in set(expose):
        return Rule.CLUSTER
    return Rule.REFUSED
