"""The run lifecycle: a FIFO queue served by N worker "containers" (threads).

queued -> running (on a free container) -> completed | failed | cancelled. Every transition is
written to the store together with its events in one transaction, and a run that ended never
gets another event: ``end`` is always the last one.

Lock order: the queue's condition and the store's lock are never held together in the order
queue -> store, so they cannot deadlock.

With a thousand containers, what keeps the event loop responsive is that they do not touch
the store themselves: the bookkeeping around a workflow (starting the run, its events, its
outputs, ending it) is a write handed to the store's single writer, the loop
(``Store.write``), which runs the writes of many containers in one transaction per
iteration. A container never waits for the store: it wakes up, hands its writes over and
goes on with its workflow.

And the containers take turns (``_turn``, a lock held only around their own bookkeeping, never
around a workflow's code): when a thousand runs start, step or end at the same moment, one
container at a time competes with the loop for the GIL, the others wait on the lock without
it. Without the turns, a thousand runnable threads passed the GIL among themselves and the
loop waited up to 0.7 s for it while all the runs ended together.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import secrets
import shutil
import threading
import uuid
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import attrs

from ._clock import iso, now
from ._context import RunContext
from ._hub import EventHub
from ._models import (
    CANCELLED,
    COMPLETED,
    FAILED,
    QUEUED,
    RUNNING,
    TERMINAL,
    InputFile,
    RunCancelled,
    RunError,
    Workflow,
    WorkflowFailed,
)
from ._naming import TEXT_CONTENT_TYPE, content_type_for, node_id_for, random_name
from ._registry import Registry
from ._store import FileRow, RunRow, Store
from ._telemetry import Telemetry

logger = logging.getLogger("flowscale.server")


@attrs.frozen(slots=True)
class StagedFile:
    """An uploaded input file, already copied into the server's file area."""

    token: str
    path: Path
    filename: str
    content_type: str
    size: int


@attrs.frozen(slots=True)
class _Start:
    """What a container needs to run a queued run, known when the run is created: taking it
    from the queue needs no read of the store."""

    run: RunRow
    inputs: dict[str, str | InputFile]
    pending_outputs: dict[str, str]  # label -> name of each declared output not produced yet


class Runner:
    def __init__(
        self,
        *,
        store: Store,
        hub: EventHub,
        telemetry: Telemetry,
        registry: Registry,
        files_dir: Path,
        workers: int,
        step_delay: float,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._store = store
        self._hub = hub
        self._telemetry = telemetry
        self._registry = registry
        self._files_dir = files_dir
        self._step_delay = step_delay
        self._cond = threading.Condition()
        self._queue: collections.deque[str] = collections.deque()
        self._starts: dict[str, _Start] = {}  # of the queued runs
        self._current: list[str | None] = [None] * workers
        self._flags: dict[str, threading.Event] = {}
        self._stopping = False
        self._turn = threading.Lock()  # containers' bookkeeping, one at a time (see above)
        self._next_number = store.max_queue_number() + 1
        self._threads = [
            threading.Thread(
                target=self._container_main, args=(i,), name=f"flowscale-container-{i + 1}"
            )
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.daemon = True  # a workflow stuck forever must not keep the process alive

    # ---- lifecycle of the runner ----------------------------------------------------------
    def start(self) -> None:
        for run in self._store.runs_with_status([QUEUED, RUNNING]):
            # Their worker died with the previous server: they can never finish now.
            self.finish(run.id, FAILED, RunError("server restarted", exception_type="Restart"))
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._stopping = True
            flags = list(self._flags.values())
            self._cond.notify_all()
        for flag in flags:
            flag.set()
        deadline = now() + timeout
        for thread in self._threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - now()))

    # ---- what the API shows ---------------------------------------------------------------
    # No lock: copying a list or a deque is one C call, atomic under the GIL, and the health
    # check must not queue behind a thousand containers taking turns on ``_cond``.
    def containers(self) -> list[str | None]:
        """The run each container is busy with (None: idle)."""
        return list(self._current)

    def pending(self) -> list[str]:
        return list(self._queue)

    # ---- creating and cancelling runs -----------------------------------------------------
    def create_run(
        self, workflow: Workflow, group_id: str | None, values: Mapping[str, str | StagedFile]
    ) -> RunRow:
        run_id = str(uuid.uuid4())
        inputs: list[dict[str, Any]] = []
        context_inputs: dict[str, str | InputFile] = {}
        for field, value in values.items():
            if isinstance(value, StagedFile):
                inputs.append(
                    {
                        "path": field,
                        "value": value.filename,
                        "s3_key": f"inputs/{value.token}/{value.filename}",
                        "_token": value.token,
                    }
                )
                context_inputs[field] = InputFile(
                    filename=value.filename,
                    content_type=value.content_type,
                    path=value.path,
                    size=value.size,
                )
            else:
                inputs.append({"path": field, "value": value, "s3_key": None})
                context_inputs[field] = str(value or "")
        # The store's transaction runs outside the queue's condition: containers waking up
        # to take runs must not wait for it (nor the loop for them).
        with self._cond:
            if self._stopping:
                raise RuntimeError("the server is stopping")
            number = self._next_number
            self._next_number += 1
            position = len(self._queue)
        run = RunRow(
            id=run_id,
            workflow_id=workflow.id,
            group_id=group_id,
            status=QUEUED,
            inputs=inputs,
            error=None,
            queue_number=number,
            created_at=now(),
            started_at=None,
            completed_at=None,
        )
        with self._store.transaction():
            self._store.insert_run(run)
            for value in values.values():
                if isinstance(value, StagedFile):
                    self._store.add_file(
                        FileRow(
                            token=value.token,
                            path=value.path,
                            filename=value.filename,
                            content_type=value.content_type,
                            size=value.size,
                        )
                    )
            # The names of the declared outputs are known from the start (the service
            # names them when it queues the prompt); output_names shows them once ready.
            names = {
                label: self._allocate(run_id, workflow.id, label) for label in workflow.outputs
            }
            self._append(run_id, "status", {"status": QUEUED, "queue_position": position})
        with self._cond:
            self._flags[run_id] = threading.Event()
            self._starts[run_id] = _Start(run, context_inputs, names)
            self._queue.append(run_id)
            self._cond.notify()
        self._telemetry.count_run(workflow.id, group_id)
        self._hub.publish(run_id)
        return run

    def cancel(self, run_id: str) -> RunRow | None:
        """Cancel in any state; None if there is no such run. Ended runs stay as they are."""
        run = self._store.write(lambda: self._store.get_run(run_id))
        if run is None:
            return None
        if run.status in TERMINAL:
            return run
        with self._cond:
            flag = self._flags.get(run_id)
            # ValueError: already taken by a container (or never queued by this process).
            with contextlib.suppress(ValueError):
                self._queue.remove(run_id)
                del self._starts[run_id]
        if flag is not None:
            flag.set()  # a running workflow stops at its next cancellation point
        self.finish(run_id, CANCELLED)
        return self._store.write(lambda: self._store.get_run(run_id))

    # ---- events and transitions -----------------------------------------------------------
    def _append(self, run_id: str, type_: str, fields: dict[str, Any]) -> None:
        self._store.append_event(run_id, type_, iso(now()) or "", fields)

    def emit(self, run_id: str, type_: str, fields: dict[str, Any]) -> None:
        """Record an event of a running run (dropped once the run has ended) and publish it."""
        if self._stopping:
            raise RunCancelled(run_id)

        def record() -> None:
            status = self._store.run_status(run_id)
            if status is None or status in TERMINAL:
                return
            self._append(run_id, type_, fields)
            self._hub.publish(run_id)

        # Not waited for: the workflow goes on at once (its later writes run after this one).
        with self._turn:
            self._store.write_soon(record)

    def finish(self, run_id: str, status: str, error: RunError | None = None) -> bool:
        """End a run unless it already ended; False if it had."""
        return self._store.write(partial(self._end, run_id, status, error))

    def _finish_soon(self, run_id: str, status: str, error: RunError | None = None) -> None:
        """``finish`` from a container, not waited for: it is free for the next run at once."""
        with self._turn:
            self._store.write_soon(partial(self._end, run_id, status, error))

    def _end(self, run_id: str, status: str, error: RunError | None) -> bool:
        """A write: the end of a run with its last events, unless it already ended."""
        current = self._store.run_status(run_id)
        if current is None or current in TERMINAL:
            return False
        error_json = error.to_json() if error is not None else None
        self._store.update_run(run_id, status=status, completed_at=now(), error=error_json)
        fields: dict[str, Any] = {"status": status}
        if error_json is not None:
            fields["error"] = error_json
        self._append(run_id, "status", fields)
        self._append(run_id, "end", {"status": status})
        self._hub.publish(run_id)
        return True

    def _allocate(self, run_id: str, workflow_id: str, label: str) -> str:
        node_id = node_id_for(workflow_id, label)
        while True:
            name = random_name(node_id)
            if not self._store.name_taken(name):
                self._store.allocate_output(name, run_id, label)
                return name

    # ---- the containers -------------------------------------------------------------------
    def _container_main(self, index: int) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    return
                run_id = self._queue.popleft()
                start = self._starts.pop(run_id)
                flag = self._flags[run_id]
                self._current[index] = run_id
            try:
                self._execute(start, flag)
            except Exception:
                if not self._stopping:
                    logger.exception("run %s: unexpected error in the runner", run_id)
            finally:
                with self._cond:
                    self._current[index] = None
                    self._flags.pop(run_id, None)

    def _mark_running(self, run_id: str) -> None:
        """A write: a queued run becomes running (unless it was cancelled meanwhile)."""
        if self._store.run_status(run_id) != QUEUED:
            return
        self._store.update_run(run_id, status=RUNNING, started_at=now())
        self._append(run_id, "status", {"status": RUNNING})
        self._hub.publish(run_id)

    def _execute(self, start: _Start, flag: threading.Event) -> None:
        # Nothing here waits for the store: the writes are handed over in order (running,
        # then the workflow's events, its outputs, its end), so they are recorded in order.
        run = start.run
        run_id = run.id
        with self._turn:
            if flag.is_set():
                return  # cancelled as it was taken from the queue: cancel() ended it
            self._store.write_soon(partial(self._mark_running, run_id))
            workflow = self._registry.get(run.workflow_id)
            context = RunContext(
                run_id=run_id,
                workflow_id=run.workflow_id,
                inputs=start.inputs,
                step_delay=self._step_delay,
                emit=lambda type_, fields: self.emit(run_id, type_, fields),
                cancelled=flag,
            )
        if workflow is None:
            error = RunError(f"workflow {run.workflow_id} is not registered")
            self._finish_soon(run_id, FAILED, error)
            return
        try:
            result = workflow.fn(context)
            context.check_cancelled()
            if not isinstance(result, Mapping):
                raise TypeError(f"the workflow returned {type(result).__name__}, not a mapping")
            with self._turn:
                self._store_outputs(run, workflow, result, context, start.pending_outputs)
        except RunCancelled:
            if flag.is_set():
                return  # cancel() or stop() already decided what the run became
            self._finish_soon(run_id, FAILED, RunError("the workflow raised RunCancelled"))
            return
        except WorkflowFailed as exc:
            error = RunError(exc.message, exc.node_id, exc.node_type, type(exc).__name__)
            self._finish_soon(run_id, FAILED, error)
            return
        except Exception as exc:
            message = str(exc) or type(exc).__name__
            error = RunError(message, exception_type=type(exc).__name__)
            self._finish_soon(run_id, FAILED, error)
            return
        if not self._stopping:
            self._finish_soon(run_id, COMPLETED)

    def _store_outputs(
        self,
        run: RunRow,
        workflow: Workflow,
        result: Mapping[str, Any],
        context: RunContext,
        pending: dict[str, str],
    ) -> None:
        """Write each output's file here, then record it (a store write) with its event."""
        for key, value in result.items():
            context.check_cancelled()
            label, _, extension = str(key).partition(".")
            text: str | None = None
            if isinstance(value, str):
                text, extension = value, extension or "txt"
            elif isinstance(value, bytes | bytearray | memoryview):
                extension = extension or "bin"
            elif isinstance(value, Path):
                extension = extension or value.suffix.lstrip(".") or "bin"
            else:
                raise TypeError(f"output {key!r}: expected str, bytes or Path, got {value!r}")
            name = pending.pop(label, None)
            if name is None:  # an output the workflow did not declare: named when produced
                name = self._store.write(partial(self._allocate, run.id, workflow.id, label))
            filename = f"{name}.{extension}"
            token = secrets.token_urlsafe(16)
            path = self._write_output(token, filename, value)
            file = FileRow(token, path, filename, content_type_for(filename), path.stat().st_size)
            if text is not None and extension == "txt":
                file = attrs.evolve(file, content_type=TEXT_CONTENT_TYPE)
            self._store.write_soon(partial(self._record_output, run.id, name, file, text))

    def _record_output(self, run_id: str, name: str, file: FileRow, text: str | None) -> None:
        """A write: a produced output and its event (dropped if the run ended meanwhile)."""
        status = self._store.run_status(run_id)
        if status is None or status in TERMINAL or self._stopping:
            return
        self._store.add_file(file)
        self._store.complete_output(name, file.filename, file.token, text)
        self._append(
            run_id,
            "output",
            {
                "filename": file.filename,
                "download_url": None,  # signed afresh whenever the event is sent
                "file_content": text,
                "generation_status": "success",
                "content_type": file.content_type,
                "size": file.size,
                "_token": None if text is not None else file.token,
            },
        )
        self._hub.publish(run_id)

    def _write_output(self, token: str, filename: str, value: Any) -> Path:
        if isinstance(value, Path):
            # Served in place: a workflow can hand over a huge file without copying it.
            return value
        directory = self._files_dir / "outputs" / token
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / filename
        if isinstance(value, str):
            path.write_text(value, encoding="utf-8")
        else:
            path.write_bytes(bytes(value))
        return path


def stage_upload(files_dir: Path, source: Any, filename: str, content_type: str) -> StagedFile:
    """Copy an upload (a file object) into the file area, in chunks. Runs in a thread."""
    token = secrets.token_urlsafe(16)
    directory = files_dir / "inputs" / token
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    source.seek(0)
    with path.open("wb") as target:
        shutil.copyfileobj(source, target, 1024 * 1024)
    return StagedFile(token, path, filename, content_type, path.stat().st_size)
