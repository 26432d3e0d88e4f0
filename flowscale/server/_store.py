"""SQLite state: runs, their events, their outputs and the files behind them.

One connection, and one writer: the server's event loop. Worker threads do not run statements
themselves; they hand their writes (``Store.write``) to the loop, which runs all the writes
waiting in one transaction per iteration (a savepoint each, so one failing write loses only
itself). With a thousand worker threads, each taking a lock and the GIL for its own small
transactions, the loop spent the opening burst of a load waiting for whichever worker held
them (and a worker preempted by the OS while holding the GIL stalls every thread of the
process); now a worker wakes, queues its write and sleeps until the loop has done it.

Everything else runs on the loop too, so the store's lock is rarely contended; it stays for
the few callers off the loop (before the loop runs, after it stopped, tests) and lets the loop
in first (``LoopFirstLock``).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import attrs

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    workflow_id TEXT NOT NULL,
    group_id TEXT,
    status TEXT NOT NULL,
    inputs TEXT NOT NULL,
    error TEXT,
    queue_number INTEGER NOT NULL,
    created_at REAL NOT NULL,
    started_at REAL,
    completed_at REAL
);
CREATE INDEX IF NOT EXISTS runs_group ON runs (group_id);
CREATE TABLE IF NOT EXISTS events (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS files (
    token TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outputs (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    label TEXT NOT NULL,
    filename TEXT,
    ready INTEGER NOT NULL DEFAULT 0,
    token TEXT,
    text TEXT
);
CREATE INDEX IF NOT EXISTS outputs_run ON outputs (run_id);
CREATE INDEX IF NOT EXISTS outputs_filename ON outputs (filename);
"""

SORT_COLUMNS = ("created_at", "started_at", "completed_at")

# Writes the loop runs per iteration at most: a burst of a thousand waits its turn across
# iterations instead of holding every request up in one (the same idea as _turns.py).
WRITES_PER_ITERATION = 16
# Writes handed over without waiting (events) that may queue up before their writer waits.
MAX_WAITING_WRITES = 10_000

logger = logging.getLogger("flowscale.server")

T = TypeVar("T")


@attrs.frozen(slots=True)
class RunRow:
    id: str
    workflow_id: str
    group_id: str | None
    status: str
    inputs: list[dict[str, Any]]
    error: dict[str, Any] | None
    queue_number: int
    created_at: float
    started_at: float | None
    completed_at: float | None


@attrs.frozen(slots=True)
class EventRow:
    run_id: str
    seq: int
    type: str
    timestamp: str
    fields: dict[str, Any]


@attrs.frozen(slots=True)
class FileRow:
    token: str
    path: Path
    filename: str
    content_type: str
    size: int


@attrs.frozen(slots=True)
class OutputRow:
    """An output name allocated for a run: ``ready`` once the run produced it."""

    name: str
    run_id: str
    label: str
    filename: str | None
    ready: bool
    token: str | None
    text: str | None


_RUN_COLUMNS = (
    "id, workflow_id, group_id, status, inputs, error, queue_number, created_at, started_at, "
    "completed_at"
)
_OUTPUT_COLUMNS = "name, run_id, label, filename, ready, token, text"


def _run(row: Sequence[Any]) -> RunRow:
    return RunRow(
        id=row[0],
        workflow_id=row[1],
        group_id=row[2],
        status=row[3],
        inputs=json.loads(row[4]),
        error=json.loads(row[5]) if row[5] else None,
        queue_number=row[6],
        created_at=row[7],
        started_at=row[8],
        completed_at=row[9],
    )


def _output(row: Sequence[Any]) -> OutputRow:
    return OutputRow(
        name=row[0],
        run_id=row[1],
        label=row[2],
        filename=row[3],
        ready=bool(row[4]),
        token=row[5],
        text=row[6],
    )


class LoopFirstLock:
    """A re-entrant lock that a thread running an event loop takes ahead of the others.

    Worker threads first queue on a gate of their own, so at most one of them competes with
    the loop for the lock: the loop never waits for more than one worker's critical section,
    however many workers there are (an unfair lock with 1,000 contenders stalled the loop for
    seconds while runs started or ended together). Re-entry skips the gate.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._gate = threading.Lock()
        self._local = threading.local()

    def __enter__(self) -> None:
        depth: int = getattr(self._local, "depth", 0)
        if depth == 0 and not _on_event_loop():
            self._gate.acquire()
            self._local.gated = True
        elif depth == 0:
            self._local.gated = False
        self._lock.acquire()
        self._local.depth = depth + 1

    def __exit__(self, *exc_info: object) -> None:
        depth: int = self._local.depth - 1
        self._local.depth = depth
        self._lock.release()
        if depth == 0 and self._local.gated:
            self._gate.release()


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@attrs.define(slots=True)
class _Write:
    """A write handed to the loop, and where its result goes."""

    op: Callable[[], Any]
    future: concurrent.futures.Future[Any]
    waited: bool = True  # False: handed over by write_soon (a failure is only logged)


class Store:
    def __init__(self, path: Path | None) -> None:
        self.lock = LoopFirstLock()
        target = str(path) if path is not None else ":memory:"
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            # WAL + NORMAL: durable enough for a test server, and an event append stays cheap.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        # The last seq of each run that may still get events (dropped at its ``end``): an
        # append then costs one INSERT, not a MAX(seq) query first. Cleared on any rollback.
        self._last_seq: dict[str, int] = {}
        # The single writer: the loop that runs the writes, and the writes waiting for it.
        self._writes_lock = threading.Lock()
        self._writes: collections.deque[_Write] = collections.deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._drain_scheduled = False

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and group the statements inside into one transaction.

        Inside another transaction this is a savepoint: an exception undoes only what was
        done inside it.
        """
        with self.lock:
            nested = self._db.in_transaction
            self._db.execute("SAVEPOINT nested" if nested else "BEGIN")
            try:
                yield
            except BaseException:
                self._last_seq.clear()  # may hold seqs that were rolled back
                if nested:
                    self._db.execute("ROLLBACK TO nested")
                    self._db.execute("RELEASE nested")
                else:
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("RELEASE nested" if nested else "COMMIT")

    # ---- the single writer ------------------------------------------------------------------
    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """On ``loop``'s thread: from now on, writes from other threads run on ``loop``."""
        with self._writes_lock:
            self._loop = loop
            self._loop_thread = threading.get_ident()

    def unbind(self) -> None:
        """The loop is stopping or gone: run the writes still waiting, and later ones here."""
        with self._writes_lock:
            self._loop = None
            self._loop_thread = None
            waiting = list(self._writes)
            self._writes.clear()
            self._drain_scheduled = False
        self._run_writes(waiting)

    def write(self, op: Callable[[], T]) -> T:
        """Run ``op`` (store statements) in a transaction on the single writer; its result.

        On the loop's thread (or with no loop) ``op`` runs at once; from any other thread
        it joins the loop's next batch of writes, and this waits for it (an exception of
        ``op`` is raised here, and undoes only ``op``'s statements).
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        if not self._submit(_Write(op, future)):
            with self.transaction():
                return op()
        return future.result()

    def write_soon(self, op: Callable[[], object]) -> None:
        """``write`` without waiting for it (unless many writes wait already: back-pressure).

        Writes run in the order they were handed over, so a later ``write`` from the same
        thread sees this one done. A failure is logged.
        """
        future: concurrent.futures.Future[object] = concurrent.futures.Future()
        if not self._submit(_Write(op, future, waited=False)):
            with self.transaction():
                op()
            return
        if len(self._writes) > MAX_WAITING_WRITES:  # a workflow emitting faster than the loop
            future.result()

    def _submit(self, write: _Write) -> bool:
        """Queue ``write`` for the loop; False if the caller must run it (on or without a loop)."""
        with self._writes_lock:
            loop = self._loop
            if loop is None or threading.get_ident() == self._loop_thread:
                return False
            self._writes.append(write)
            if not self._drain_scheduled:
                self._drain_scheduled = True
                # RuntimeError: the loop closed before unbind(); unbind() runs the write.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(self._drain)
        return True

    def _drain(self) -> None:
        """On the loop: one iteration's batch of waiting writes, in one transaction."""
        with self._writes_lock:
            batch = [
                self._writes.popleft() for _ in range(min(WRITES_PER_ITERATION, len(self._writes)))
            ]
            more = bool(self._writes)
            self._drain_scheduled = more
            loop = self._loop
        if more and loop is not None:
            loop.call_soon(self._drain)
        self._run_writes(batch)

    def _run_writes(self, batch: list[_Write]) -> None:
        if not batch:
            return
        outcomes: list[tuple[_Write, bool, Any]] = []
        with self.transaction():
            for write in batch:
                try:
                    with self.transaction():  # a savepoint: a failing write undoes only itself
                        outcomes.append((write, True, write.op()))
                except Exception as exc:
                    outcomes.append((write, False, exc))
        # Results only once committed: nobody acts on a write that could still be lost.
        for write, ok, value in outcomes:
            if ok:
                write.future.set_result(value)
            else:
                write.future.set_exception(value)
                if not write.waited:
                    logger.error("a store write failed", exc_info=value)

    def _all(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self.lock:
            return self._db.execute(sql, args).fetchall()

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        with self.lock:
            return self._db.execute(sql, args).fetchone()

    def _exec(self, sql: str, args: Sequence[Any] = ()) -> None:
        with self.lock:
            self._db.execute(sql, args)

    # ---- meta -----------------------------------------------------------------------------
    def meta(self, key: str, default: str) -> str:
        """The stored value of ``key``, storing ``default`` first if there is none."""
        with self.lock:
            row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
            if row is not None:
                return str(row[0])
            self._exec("INSERT INTO meta (key, value) VALUES (?, ?)", (key, default))
            return default

    # ---- runs -----------------------------------------------------------------------------
    def insert_run(self, run: RunRow) -> None:
        self._exec(
            f"INSERT INTO runs ({_RUN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run.id,
                run.workflow_id,
                run.group_id,
                run.status,
                json.dumps(run.inputs),
                json.dumps(run.error) if run.error else None,
                run.queue_number,
                run.created_at,
                run.started_at,
                run.completed_at,
            ),
        )

    def get_run(self, run_id: str) -> RunRow | None:
        row = self._one(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,))
        return _run(row) if row is not None else None

    def run_status(self, run_id: str) -> str | None:
        """Just the status (what an event stream checks on every wake-up: no JSON to parse)."""
        row = self._one("SELECT status FROM runs WHERE id = ?", (run_id,))
        return str(row[0]) if row is not None else None

    def update_run(self, run_id: str, **changes: Any) -> None:
        if "error" in changes and changes["error"] is not None:
            changes["error"] = json.dumps(changes["error"])
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self._exec(f"UPDATE runs SET {assignments} WHERE id = ?", (*changes.values(), run_id))

    def runs_with_status(self, statuses: Sequence[str]) -> list[RunRow]:
        marks = ", ".join("?" for _ in statuses)
        rows = self._all(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE status IN ({marks}) ORDER BY position",
            tuple(statuses),
        )
        return [_run(row) for row in rows]

    def max_queue_number(self) -> int:
        row = self._one("SELECT COALESCE(MAX(queue_number), -1) FROM runs")
        return int(row[0])

    def list_runs(
        self, *, group_id: str | None, sort_by: str, descending: bool, limit: int, offset: int
    ) -> tuple[list[RunRow], int]:
        if sort_by not in SORT_COLUMNS:
            raise ValueError(sort_by)
        where, args = ("WHERE group_id = ?", (group_id,)) if group_id is not None else ("", ())
        direction = "DESC" if descending else "ASC"
        # Runs that have no value yet for the sort column (not started, not ended) come last
        # either way; insertion order breaks ties so pages never overlap.
        order = f"{sort_by} IS NULL, {sort_by} {direction}, position {direction}"
        with self.lock:
            total = int(self._one(f"SELECT COUNT(*) FROM runs {where}", args)[0])
            if offset >= total:  # past the end (also keeps huge page numbers out of SQLite)
                return [], total
            rows = self._all(
                f"SELECT {_RUN_COLUMNS} FROM runs {where} ORDER BY {order} LIMIT ? OFFSET ?",
                (*args, limit, offset),
            )
        return [_run(row) for row in rows], total

    # ---- events ---------------------------------------------------------------------------
    def append_event(
        self, run_id: str, type_: str, timestamp: str, fields: dict[str, Any]
    ) -> EventRow:
        with self.lock:
            last = self._last_seq.get(run_id)
            if last is None:
                sql = "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ?"
                last = int(self._one(sql, (run_id,))[0])
            seq = last + 1
            self._exec(
                "INSERT INTO events (run_id, seq, type, timestamp, fields) VALUES (?, ?, ?, ?, ?)",
                (run_id, seq, type_, timestamp, json.dumps(fields)),
            )
            if type_ == "end":  # a run's last event: nothing more will be appended
                self._last_seq.pop(run_id, None)
            else:
                self._last_seq[run_id] = seq
        return EventRow(run_id=run_id, seq=seq, type=type_, timestamp=timestamp, fields=fields)

    def events_after(self, run_id: str, after_seq: int, limit: int = 500) -> list[EventRow]:
        rows = self._all(
            "SELECT run_id, seq, type, timestamp, fields FROM events "
            "WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (run_id, after_seq, limit),
        )
        return [
            EventRow(run_id=r[0], seq=r[1], type=r[2], timestamp=r[3], fields=json.loads(r[4]))
            for r in rows
        ]

    # ---- files ----------------------------------------------------------------------------
    def add_file(self, file: FileRow) -> None:
        self._exec(
            "INSERT INTO files (token, path, filename, content_type, size) VALUES (?, ?, ?, ?, ?)",
            (file.token, str(file.path), file.filename, file.content_type, file.size),
        )

    def get_file(self, token: str) -> FileRow | None:
        row = self._one(
            "SELECT token, path, filename, content_type, size FROM files WHERE token = ?",
            (token,),
        )
        if row is None:
            return None
        return FileRow(
            token=row[0], path=Path(row[1]), filename=row[2], content_type=row[3], size=row[4]
        )

    # ---- outputs --------------------------------------------------------------------------
    def name_taken(self, name: str) -> bool:
        return self._one("SELECT 1 FROM outputs WHERE name = ?", (name,)) is not None

    def allocate_output(self, name: str, run_id: str, label: str) -> None:
        self._exec(
            "INSERT INTO outputs (name, run_id, label) VALUES (?, ?, ?)", (name, run_id, label)
        )

    def complete_output(self, name: str, filename: str, token: str, text: str | None) -> None:
        self._exec(
            "UPDATE outputs SET filename = ?, token = ?, text = ?, ready = 1 WHERE name = ?",
            (filename, token, text, name),
        )

    def find_output(self, name: str) -> OutputRow | None:
        row = self._one(f"SELECT {_OUTPUT_COLUMNS} FROM outputs WHERE name = ?", (name,))
        return _output(row) if row is not None else None

    def find_output_by_filename(self, filename: str) -> OutputRow | None:
        row = self._one(f"SELECT {_OUTPUT_COLUMNS} FROM outputs WHERE filename = ?", (filename,))
        return _output(row) if row is not None else None

    def outputs_of(self, run_id: str) -> list[OutputRow]:
        rows = self._all(
            f"SELECT {_OUTPUT_COLUMNS} FROM outputs WHERE run_id = ? ORDER BY position", (run_id,)
        )
        return [_output(row) for row in rows]
