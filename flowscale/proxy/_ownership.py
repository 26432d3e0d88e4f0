"""Who owns which run and which output: the store behind per-user isolation.

The proxy records a run's owner when it creates the run, and an output's owner when the
output shows up in one of that owner's replies. Anything not recorded belongs to nobody, so
another user's run id or output name is "not found". `SQLiteOwnershipStore` is the default
(in memory, or a file shared by restarts); implement `OwnershipStore` for something else.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

__all__ = ["OwnershipStore", "SQLiteOwnershipStore"]


@runtime_checkable
class OwnershipStore(Protocol):
    """Async so that a networked store (Redis, Postgres) can implement it without blocking."""

    async def add_run(self, run_id: str, principal_id: str) -> None: ...

    async def run_owner(self, run_id: str) -> str | None: ...

    async def add_outputs(self, principal_id: str, run_id: str, names: Iterable[str]) -> None:
        """Record ``names`` (output names without extension) as the principal's."""

    async def output_owner(self, name: str) -> str | None: ...

    async def open_runs(self, principal_id: str) -> list[str]:
        """The principal's runs not yet known to have ended."""

    async def mark_ended(self, run_id: str) -> None: ...

    async def close(self) -> None: ...


class SQLiteOwnershipStore:
    """The default store: SQLite, in memory (``path=None``) or in a file.

    Its queries are single indexed lookups taking microseconds, so they run on the event loop
    directly (a thread hop would cost more than the query); one lock serialises them.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock, self._db:
            if path is not None:
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(
                """
                CREATE TABLE IF NOT EXISTS runs (
                    run_id TEXT PRIMARY KEY, principal TEXT NOT NULL, ended INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS runs_open ON runs (principal, ended);
                CREATE TABLE IF NOT EXISTS outputs (
                    name TEXT PRIMARY KEY, principal TEXT NOT NULL, run_id TEXT NOT NULL
                );
                """
            )

    async def add_run(self, run_id: str, principal_id: str) -> None:
        with self._lock, self._db:
            # First writer wins: a run never changes hands.
            self._db.execute(
                "INSERT OR IGNORE INTO runs (run_id, principal, ended) VALUES (?, ?, 0)",
                (run_id, principal_id),
            )

    async def run_owner(self, run_id: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT principal FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    async def add_outputs(self, principal_id: str, run_id: str, names: Iterable[str]) -> None:
        rows = [(name, principal_id, run_id) for name in names]
        if not rows:
            return
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO outputs (name, principal, run_id) VALUES (?, ?, ?)", rows
            )

    async def output_owner(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT principal FROM outputs WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    async def open_runs(self, principal_id: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(
                "SELECT run_id FROM runs WHERE principal = ? AND ended = 0", (principal_id,)
            ).fetchall()
        return [str(row[0]) for row in rows]

    async def mark_ended(self, run_id: str) -> None:
        with self._lock, self._db:
            self._db.execute("UPDATE runs SET ended = 1 WHERE run_id = ?", (run_id,))

    async def close(self) -> None:
        with self._lock:
            self._db.close()
