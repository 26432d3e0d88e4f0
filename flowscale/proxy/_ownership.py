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
    """Who owns which run and output: implement it for a store of your own.

    Async so that a networked store (Redis, Postgres) can implement it without blocking.
    """

    async def add_run(self, run_id: str, principal_id: str) -> None:
        """Record a run's owner; a run never changes hands (the first owner recorded stays).

        Args:
            run_id: The run's id.
            principal_id: The id of the principal who started it.
        """
        ...

    async def run_owner(self, run_id: str) -> str | None:
        """The owner of a run.

        Args:
            run_id: The run's id.

        Returns:
            The owner's principal id, or None if the run is not recorded.
        """
        ...

    async def add_outputs(self, principal_id: str, run_id: str, names: Iterable[str]) -> None:
        """Record ``names`` (output names without extension) as the principal's.

        Args:
            principal_id: The owner of the run.
            run_id: The run the outputs came from.
            names: The output names, without their extension.
        """
        ...

    async def output_owner(self, name: str) -> str | None:
        """The owner of an output.

        Args:
            name: The output's name, without its extension.

        Returns:
            The owner's principal id, or None if the output is not recorded.
        """
        ...

    async def open_runs(self, principal_id: str) -> list[str]:
        """The principal's runs not yet known to have ended.

        Args:
            principal_id: The owner.

        Returns:
            Their run ids.
        """
        ...

    async def mark_ended(self, run_id: str) -> None:
        """Record that a run has ended (it no longer counts as in flight).

        Args:
            run_id: The run's id.
        """
        ...

    async def close(self) -> None:
        """Release the store's resources (the proxy calls it at shutdown)."""
        ...


class SQLiteOwnershipStore:
    """The default `OwnershipStore`: SQLite, in memory or in a file shared by restarts.

    Its queries are single indexed lookups taking microseconds, so they run on the event loop
    directly (a thread hop would cost more than the query); one lock serialises them.

    Args:
        path: The database file, created if needed (None: in memory, gone at exit).
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
        """Record a run's owner, unless it has one (the first owner recorded stays)."""
        with self._lock, self._db:
            # First writer wins: a run never changes hands.
            self._db.execute(
                "INSERT OR IGNORE INTO runs (run_id, principal, ended) VALUES (?, ?, 0)",
                (run_id, principal_id),
            )

    async def run_owner(self, run_id: str) -> str | None:
        """The owner of a run: a principal id, or None if the run is not recorded."""
        with self._lock:
            row = self._db.execute(
                "SELECT principal FROM runs WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    async def add_outputs(self, principal_id: str, run_id: str, names: Iterable[str]) -> None:
        """Record ``names`` (output names without extension) as the principal's."""
        rows = [(name, principal_id, run_id) for name in names]
        if not rows:
            return
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR IGNORE INTO outputs (name, principal, run_id) VALUES (?, ?, ?)", rows
            )

    async def output_owner(self, name: str) -> str | None:
        """The owner of an output (name without extension), or None if not recorded."""
        with self._lock:
            row = self._db.execute(
                "SELECT principal FROM outputs WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else str(row[0])

    async def open_runs(self, principal_id: str) -> list[str]:
        """The principal's runs not yet known to have ended."""
        with self._lock:
            rows = self._db.execute(
                "SELECT run_id FROM runs WHERE principal = ? AND ended = 0", (principal_id,)
            ).fetchall()
        return [str(row[0]) for row in rows]

    async def mark_ended(self, run_id: str) -> None:
        """Record that a run has ended (it no longer counts as in flight)."""
        with self._lock, self._db:
            self._db.execute("UPDATE runs SET ended = 1 WHERE run_id = ?", (run_id,))

    async def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
