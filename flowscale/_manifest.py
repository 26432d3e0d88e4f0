"""The batch manifest: one SQLite row per input row, holding its state as it changes (no
network I/O; the batch runner calls it around each request).

Why SQLite rather than an append-only JSONL log: resuming must answer "what happened to row
i?" for each row as the rows are read again, without holding a million rows in memory. A log
would have to be replayed into a dict (memory grows with the rows) or compacted; SQLite gives
an indexed lookup per row, each state change is one `UPDATE` that commits atomically (a
`kill -9` leaves the old state or the new one, never half a line), and the summary is a
`GROUP BY`. WAL journaling keeps each commit cheap (no fsync per commit with
`synchronous=NORMAL`): a killed process loses nothing committed; an OS crash or power loss
may lose the last transitions. It is the stdlib, so no dependency.

States and the only transitions allowed::

    (new) -> submitting -> submitted -> completed
                 ^             |----> failed ----(retry: attempt + 1)----> submitting
                 |             '----> submitted (the wait was interrupted; resume waits again)
    (new) -> invalid ------(resume: checked again)----------------------> submitting

`submitting` is written (and committed) *before* the execute request goes out, with the
row's own `group_id` (`<batch>-<row>-<attempt>`); if the reply is lost (RunMayExistError, a
crash), the run, if it exists, is found again by listing that group: exactly once.
"""

from __future__ import annotations

import enum
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

__all__ = ["Action", "Manifest", "ManifestError", "RowRecord", "RowState", "next_action"]

SCHEMA_VERSION = "1"
PAGE = 512  # rows read ahead by `Manifest.get`


class ManifestError(Exception):
    """The manifest cannot be used: another workflow's, a newer format, an illegal change."""


class RowState(enum.StrEnum):
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    FAILED = "failed"
    INVALID = "invalid"


# The states a row may leave for each state (see the module docstring).
_FROM: dict[RowState, tuple[RowState, ...]] = {
    RowState.SUBMITTING: (RowState.SUBMITTING, RowState.FAILED, RowState.INVALID),
    RowState.SUBMITTED: (RowState.SUBMITTING, RowState.SUBMITTED),
    RowState.COMPLETED: (RowState.SUBMITTED,),
    RowState.FAILED: (RowState.SUBMITTING, RowState.SUBMITTED),
    RowState.INVALID: (RowState.INVALID, RowState.SUBMITTING),
}


@attrs.frozen(slots=True)
class RowRecord:
    index: int
    key: str
    state: RowState
    attempt: int
    group_id: str | None
    run_id: str | None
    outputs: tuple[str, ...]
    paths: tuple[str, ...]
    error: str | None


class Action(enum.Enum):
    SUBMIT = "submit"  # no run exists for this attempt: send it
    RECONCILE = "reconcile"  # a request went out and its answer is unknown: look the run up
    WAIT = "wait"  # the run exists: follow it
    DONE = "done"  # nothing to do (completed, or failed with no retry asked)


def next_action(record: RowRecord | None, *, retry_failed: bool) -> Action:
    """What a (resumed) batch does with a row, given what the manifest knows of it."""
    if record is None or record.state is RowState.INVALID:
        return Action.SUBMIT
    if record.state is RowState.SUBMITTING:
        return Action.RECONCILE
    if record.state is RowState.SUBMITTED:
        return Action.WAIT
    if record.state is RowState.FAILED and retry_failed:
        # A failure before any run existed (run_id None) is retried the same way.
        return Action.SUBMIT
    return Action.DONE


def reconcile(run_ids_found: Sequence[str]) -> str | None:
    """The run a lost execute created, from the runs listed in its group: None if none (it
    was never created: submit again). Several can only come from another client using the
    same group; the oldest is adopted and the others are left alone."""
    return run_ids_found[-1] if run_ids_found else None


_COLUMNS = "idx, key, state, attempt, group_id, run_id, outputs, paths, error"


def _record(row: tuple[Any, ...]) -> RowRecord:
    return RowRecord(
        index=row[0],
        key=row[1],
        state=RowState(row[2]),
        attempt=row[3],
        group_id=row[4],
        run_id=row[5],
        outputs=tuple(json.loads(row[6])) if row[6] else (),
        paths=tuple(json.loads(row[7])) if row[7] else (),
        error=row[8],
    )


class Manifest:
    """A batch's manifest file. Thread-safe (the blocking batch runs rows in threads)."""

    def __init__(self, path: str | os.PathLike[str], workflow_id: str) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._closed = False
        self._span = (0, 0)  # the indexes whose rows `_page` holds (absent: no row)
        self._page: dict[int, tuple[Any, ...]] = {}
        self._stale: set[int] = set()  # indexes of the page written since it was read
        try:
            self._setup(workflow_id)
        except BaseException:
            self._db.close()
            raise

    def _setup(self, workflow_id: str) -> None:
        db = self._db
        try:
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as exc:
            raise ManifestError(f"{self.path} is not a batch manifest ({exc})") from None
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS rows (idx INTEGER PRIMARY KEY, key TEXT NOT NULL, "
            "state TEXT NOT NULL, attempt INTEGER NOT NULL, group_id TEXT, run_id TEXT, "
            "outputs TEXT, paths TEXT, error TEXT, updated_at REAL NOT NULL)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS rows_state ON rows (state)")
        meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        if not meta:
            db.execute("BEGIN IMMEDIATE")
            db.executemany(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)",
                [
                    ("version", SCHEMA_VERSION),
                    ("workflow_id", workflow_id),
                    ("batch_id", "b" + secrets.token_hex(6)),
                ],
            )
            db.execute("COMMIT")
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
        if meta.get("version") != SCHEMA_VERSION:
            raise ManifestError(f"{self.path}: manifest format {meta.get('version')!r} unknown")
        if meta["workflow_id"] != workflow_id:
            raise ManifestError(
                f"{self.path} is the manifest of workflow {meta['workflow_id']}, not {workflow_id}"
            )
        self.batch_id: str = meta["batch_id"]

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def group_id(self, index: int, attempt: int) -> str:
        return f"{self.batch_id}-{index}-{attempt}"

    # ---- reading ----------------------------------------------------------------------------
    def get(self, index: int) -> RowRecord | None:
        """What is known of row `index`. Rows are asked for in rising order as they are read
        again, so the next `PAGE` indexes are read at once (a resume skips 9,000 done rows in
        a few queries, not 9,000); a row written since is read afresh."""
        with self._lock:
            low, high = self._span
            if not low <= index < high:
                page = self._db.execute(
                    f"SELECT {_COLUMNS} FROM rows WHERE idx >= ? AND idx < ?",
                    (index, index + PAGE),
                ).fetchall()
                self._page = {row[0]: row for row in page}
                self._span = (index, index + PAGE)
                self._stale.clear()
            if index in self._stale:
                row = self._db.execute(
                    f"SELECT {_COLUMNS} FROM rows WHERE idx = ?", (index,)
                ).fetchone()
            else:
                row = self._page.get(index)
        return None if row is None else _record(row)

    def records(self) -> Iterator[RowRecord]:
        """Every row, in index order, read a page at a time."""
        last = -1
        while True:
            with self._lock:
                page = self._db.execute(
                    f"SELECT {_COLUMNS} FROM rows WHERE idx > ? ORDER BY idx LIMIT 500", (last,)
                ).fetchall()
            if not page:
                return
            for row in page:
                yield _record(row)
            last = page[-1][0]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT state, count(*) FROM rows GROUP BY state"))

    # ---- transitions (each one statement: atomic) -------------------------------------------
    def submitting(self, index: int, key: str, attempt: int) -> str:
        """Record that attempt `attempt` of row `index` is about to be sent; returns the group
        id the request must carry. Committed before the request leaves."""
        group = self.group_id(index, attempt)
        self._write(
            "INSERT INTO rows (idx, key, state, attempt, group_id, updated_at) "
            "VALUES (?1, ?2, 'submitting', ?3, ?4, ?5) ON CONFLICT (idx) DO UPDATE SET "
            "key = ?2, state = 'submitting', attempt = ?3, group_id = ?4, run_id = NULL, "
            "outputs = NULL, paths = NULL, error = NULL, updated_at = ?5 "
            f"WHERE state IN {_states(_FROM[RowState.SUBMITTING])}",
            (index, key, attempt, group, time.time()),
            index,
            RowState.SUBMITTING,
        )
        return group

    def submitted(self, index: int, run_id: str) -> None:
        self._update(index, RowState.SUBMITTED, run_id=run_id, error=None)

    def interrupted(self, index: int, error: str) -> None:
        """The run exists but could not be followed to its end: stays submitted."""
        self._update(index, RowState.SUBMITTED, error=error)

    def completed(self, index: int, outputs: Sequence[str], paths: Sequence[str]) -> None:
        self._update(
            index,
            RowState.COMPLETED,
            outputs=json.dumps(list(outputs)),
            paths=json.dumps(list(paths)),
            error=None,
        )

    def failed(self, index: int, error: str) -> None:
        self._update(index, RowState.FAILED, error=error)

    def invalid(self, index: int, key: str, error: str) -> None:
        self._write(
            "INSERT INTO rows (idx, key, state, attempt, error, updated_at) "
            "VALUES (?1, ?2, 'invalid', 0, ?3, ?4) ON CONFLICT (idx) DO UPDATE SET "
            "state = 'invalid', error = ?3, updated_at = ?4 "
            f"WHERE state IN {_states(_FROM[RowState.INVALID])}",
            (index, key, error, time.time()),
            index,
            RowState.INVALID,
        )

    def _update(self, index: int, state: RowState, **values: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        self._write(
            f"UPDATE rows SET state = ?, {names}, updated_at = ? "
            f"WHERE idx = ? AND state IN {_states(_FROM[state])}",
            (state.value, *values.values(), time.time(), index),
            index,
            state,
        )

    def _write(self, sql: str, args: tuple[Any, ...], index: int, state: RowState) -> None:
        with self._lock:
            if self._closed:  # a worker thread finishing after the batch was closed
                raise ManifestError(f"{self.path} is closed")
            changed = self._db.execute(sql, args).rowcount
            if self._span[0] <= index < self._span[1]:
                self._stale.add(index)
        if changed != 1:
            current = self.get(index)
            raise ManifestError(
                f"row {index}: cannot become {state.value} from "
                f"{current.state.value if current else 'nothing'}"
            )


def _states(states: Sequence[RowState]) -> str:
    return "(" + ", ".join(f"'{s.value}'" for s in states) + ")"
