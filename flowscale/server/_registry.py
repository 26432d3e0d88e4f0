"""The workflows a server offers, by id (built-ins plus the ones users register)."""

from __future__ import annotations

import threading

from ._models import Workflow


class Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workflows: dict[str, Workflow] = {}

    def register(self, workflow: Workflow) -> None:
        """Add ``workflow``, replacing any workflow with the same id."""
        with self._lock:
            self._workflows[workflow.id] = workflow

    def get(self, workflow_id: str) -> Workflow | None:
        with self._lock:
            return self._workflows.get(workflow_id)

    def all(self) -> list[Workflow]:
        with self._lock:
            return list(self._workflows.values())
