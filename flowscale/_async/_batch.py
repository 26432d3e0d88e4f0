"""Running one workflow over many rows: bounded, adaptive, resumable, exactly once.

Built only on the client's public methods (`execute_workflow`, `wait_for_run`, `get_runs`,
`download_outputs`, `cancel_run`). The policies live where they do no I/O: the adaptive limit
in `_concurrency`, the manifest's states and the reconciliation in `_manifest`, rows, shards
and what each error means for a row in `_batch`.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from .._async_utils import WorkerPool, new_queue, sleep
from .._batch import (
    BatchRow,
    BatchSummary,
    RowResult,
    RowStatus,
    Shard,
    SubmitOutcome,
    Tally,
    WaitOutcome,
    classify_submit_error,
    classify_wait_error,
    describe,
    iter_batch_rows,
    retry_after_of,
    row_folder,
)
from .._concurrency import AdaptiveLimit
from .._deadline import Deadline
from .._errors import APITimeoutError, FlowscaleError
from .._manifest import Action, Manifest, ManifestError, RowRecord, RowState, next_action, reconcile
from .._retry import RetryPolicy

if TYPE_CHECKING:
    from .._types import RunPage, RunResult, SubmittedRun


class _BatchClient(Protocol):
    """The client methods a batch uses (`AsyncFlowscale` has them). A protocol rather than the
    client class: the client makes batches, so importing it here would be a cycle."""

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> _BatchClient:
        """A client like this one with other options.

        Args:
            timeout: Seconds for each request (None: keep the client's).
            max_retries: Retries per request (None: keep the client's).

        Returns:
            The client with those options; this one is unchanged.
        """
        ...

    async def execute_workflow(
        self, workflow_id: str, inputs: Mapping[str, Any], group_id: str | None = None
    ) -> SubmittedRun:
        """Start a run of a workflow (one request, never retried once it may have started one).

        Args:
            workflow_id: The workflow to run.
            inputs: The workflow's inputs by name (text, numbers, files).
            group_id: A label the run is listed under; the batch sets one per row.

        Returns:
            The run started.
        """
        ...

    async def cancel_run(self, run_id: str) -> str:
        """Cancel a run.

        Args:
            run_id: The run to cancel.

        Returns:
            The API's confirmation message.
        """
        ...

    async def get_runs(self, group_id: str | None = None, *, page_size: int = 10) -> RunPage:
        """List runs, newest first (the batch finds a row's run by its group id).

        Args:
            group_id: Only the runs of this group (None: all runs).
            page_size: Runs per page.

        Returns:
            The first page of runs.
        """
        ...

    async def wait_for_run(
        self,
        run_id: str,
        *,
        poll_interval: float = 2.0,
        timeout: float | None = 600.0,
        cancel_on_timeout: bool = False,
        workflow_id: str | None = None,
    ) -> RunResult:
        """Wait until a run ends.

        Args:
            run_id: The run to wait for.
            poll_interval: Seconds between polls when the event stream is not available.
            timeout: Seconds to wait in all (None: no limit).
            cancel_on_timeout: Cancel the run when the timeout passes.
            workflow_id: The run's workflow, for the errors' context.

        Returns:
            The finished run with its outputs.
        """
        ...

    async def download_outputs(
        self, result: RunResult, directory: str | os.PathLike[str]
    ) -> list[pathlib.Path]:
        """Download every output of a finished run into a folder.

        Args:
            result: The finished run.
            directory: The folder the files go into.

        Returns:
            The paths of the files written.
        """
        ...


__all__ = ["AsyncBatch"]

MAX_UNKNOWN_SUBMITS = 8  # lost execute replies in a row, each reconciled, before a row fails
MAX_LOST_FOLLOWS = 8  # failed attempts to follow a run before it is left unfinished
_BACKOFF = RetryPolicy(initial_delay=0.25, max_delay=5.0)
_IDLE = 0.05  # seconds a worker above the current limit sleeps before looking again


@attrs.frozen(slots=True)
class _Done:
    """A worker has ended (`error`: it crashed, which stops the batch)."""

    error: BaseException | None = None


class _Stopped(Exception):
    """The batch is stopping: the worker leaves its row as the manifest says."""


class _Unreachable(Exception):
    """Whether a run was created cannot be found out now: the row stays `submitting`."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class AsyncBatch:
    """A running batch: iterate it (`async for result in batch`) for each row's `RowResult`
    as it finishes; `summary` is set once the iteration ends. Use it with `async with` (or
    call `aclose()`): leaving early stops submitting, and with `cancel_in_flight=True`
    cancels the runs still going. Made by `AsyncFlowscale.run_batch`."""

    def __init__(
        self,
        client: _BatchClient,
        workflow_id: str,
        rows: Iterable[Mapping[str, Any] | BatchRow],
        *,
        inputs: Mapping[str, Any] | None = None,
        concurrency: int = 8,
        manifest: str | os.PathLike[str] | None = None,
        out_dir: str | os.PathLike[str] | None = None,
        retry_failed: int = 0,
        timeout: float | None = 600.0,
        poll_interval: float = 2.0,
        cancel_in_flight: bool = False,
        shard: Shard | None = None,
    ) -> None:
        if not isinstance(workflow_id, str) or not workflow_id:
            raise TypeError(f"workflow_id must be a non-empty str, not {workflow_id!r}")
        if isinstance(retry_failed, bool) or not isinstance(retry_failed, int) or retry_failed < 0:
            raise ValueError(f"retry_failed must be an int >= 0, not {retry_failed!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
        self.limit: AdaptiveLimit = AdaptiveLimit(concurrency)  # raises on a bad concurrency
        self._client = client
        # Starting a run is never retried inside the client: a 429 is the batch's signal to
        # slow down, and a lost reply is reconciled here, by the row's group id.
        self._submitter = client.with_options(max_retries=0)
        self._bounded: tuple[int, _BatchClient] | None = None  # see `_submitter_within`
        self._workflow_id = workflow_id
        self._rows: Iterator[BatchRow] = iter_batch_rows(rows, shard)
        self._rows_lock = threading.Lock()
        self._common = dict(inputs or {})
        self._manifest = None if manifest is None else Manifest(manifest, workflow_id)
        self._batch_id = self._manifest.batch_id if self._manifest else f"b{os.urandom(6).hex()}"
        self._out_dir = None if out_dir is None else pathlib.Path(out_dir)
        self._retry_failed = retry_failed
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._cancel_in_flight = cancel_in_flight
        self._pool = WorkerPool()
        self._results = new_queue()
        self._live = 0
        self._started = False
        self._stopping = False
        self._exhausted = False
        self._closed = False
        self._in_flight: dict[int, str] = {}  # row index -> run id, of runs being followed
        self.counts: Tally = Tally()
        self.summary: BatchSummary | None = None

    # ---- the reader's side ------------------------------------------------------------------
    def __aiter__(self) -> AsyncBatch:
        return self

    async def __anext__(self) -> RowResult:
        if self._closed:
            raise StopAsyncIteration
        if not self._started:
            self._started = True
            self._live = self.limit.ceiling
            for slot in range(self.limit.ceiling):
                self._pool.start(self._worker, slot)
        while self._live > 0:
            item = await self._results.get()
            if isinstance(item, _Done):
                self._live -= 1
                if item.error is not None:
                    await self.aclose()
                    raise item.error
                continue
            self.counts.add(item)
            return item  # type: ignore[no-any-return]
        await self.aclose()
        raise StopAsyncIteration

    async def run(self) -> BatchSummary:
        """Run every row to its end; the summary."""
        async with self:
            async for _ in self:
                pass
        assert self.summary is not None
        return self.summary

    async def __aenter__(self) -> AsyncBatch:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop: no new row starts; runs in flight are cancelled if `cancel_in_flight`
        (otherwise they go on, and a resume waits for them)."""
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        in_flight = dict(self._in_flight)  # stopping the workers empties it
        await self._pool.stop()
        if self._cancel_in_flight:
            for index, run_id in in_flight.items():
                try:
                    await self._client.cancel_run(run_id)
                except FlowscaleError:
                    continue  # it ends on its own; the manifest still says submitted
                if self._manifest is not None:
                    with contextlib.suppress(ManifestError):  # it finished meanwhile
                        self._manifest.failed(index, "RunCancelledError: cancelled with the batch")
        if self._manifest is not None:
            self._manifest.close()
        self.summary = self.counts.summary(self.limit.rate_limited)

    # ---- the workers ------------------------------------------------------------------------
    async def _worker(self, slot: int) -> None:
        error: BaseException | None = None
        try:
            while not (self._stopping or self._exhausted):
                if not self.limit.allows(slot):
                    await sleep(max(_IDLE, min(self.limit.pause(), 1.0)))
                    continue
                with self._rows_lock:
                    row = next(self._rows, None)
                if row is None:
                    self._exhausted = True  # the workers above the limit end too
                    break
                self.counts.in_flight += 1
                try:
                    result = await self._row(row)
                finally:
                    self.counts.in_flight -= 1
                self._results.put_nowait(result)
        except _Stopped:
            pass
        except Exception as exc:  # a bug or a broken manifest: stop the whole batch with it
            if not self._stopping:
                error = exc
        finally:
            self._results.put_nowait(_Done(error))

    async def _row(self, row: BatchRow) -> RowResult:
        try:
            return await self._row_once(row)
        except _Unreachable as exc:
            text = describe(exc.error)
            return RowResult(row.index, row.name, RowStatus.UNFINISHED, error=text)

    async def _row_once(self, row: BatchRow) -> RowResult:
        key = row.name
        manifest = self._manifest
        if row.error is not None:
            if manifest is not None:
                manifest.invalid(row.index, key, row.error)
            return RowResult(row.index, key, RowStatus.INVALID, error=row.error)
        record = manifest.get(row.index) if manifest is not None else None
        action = next_action(record, retry_failed=self._retry_failed > 0)
        retries = self._retry_failed
        attempt = record.attempt if record is not None else 0
        run_id: str | None = None
        # The row's timeout bounds each attempt whole: lookups, submit and wait.
        deadline = Deadline.after(self._timeout)
        if action is Action.DONE:
            assert record is not None
            return _from_record(record)
        if action is Action.WAIT:
            assert record is not None
            run_id = record.run_id
        elif action is Action.RECONCILE:
            assert record is not None
            assert record.group_id is not None
            run_id = await self._find(row, record.group_id, deadline)
            if run_id is not None:
                assert manifest is not None
                manifest.submitted(row.index, run_id)
        elif record is not None and record.state is RowState.FAILED:
            retries -= 1
            attempt += 1
        elif record is None or record.state is RowState.INVALID:
            attempt = 1
        while True:
            if run_id is None:
                submitted = await self._submit(row, key, attempt, deadline)
                if isinstance(submitted, RowResult):
                    return submitted
                run_id = submitted
            result = await self._follow(row, key, run_id, attempt, deadline)
            if result.status is RowStatus.FAILED and retries > 0 and not self._stopping:
                retries -= 1
                attempt += 1
                run_id = None
                deadline = Deadline.after(self._timeout)
                continue
            return result

    async def _submit(
        self, row: BatchRow, key: str, attempt: int, deadline: Deadline
    ) -> str | RowResult:
        """Start the row's run, exactly once: its run id, or the row's failure (unfinished
        once `deadline` passes: the manifest still says submitting, a resume reconciles)."""
        if self._stopping:
            raise _Stopped
        manifest = self._manifest
        if manifest is not None:
            group = manifest.submitting(row.index, key, attempt)
        else:
            group = f"{self._batch_id}-{row.index}-{attempt}"
        inputs = {**self._common, **row.inputs}
        unknown = 0
        while True:
            pause = self.limit.pause()
            if pause:
                await sleep(deadline.cap(pause))
            if self._stopping:
                raise _Stopped
            left = deadline.remaining()
            if left is not None and left <= 0:
                return _timed_out(row, key, attempt, self._timeout)
            submitter = self._submitter if left is None else self._submitter_within(left)
            try:
                submitted = await submitter.execute_workflow(
                    self._workflow_id, inputs, group_id=group
                )
            except (TypeError, ValueError) as exc:  # the row's inputs cannot be sent
                if manifest is not None:
                    manifest.invalid(row.index, key, describe(exc))
                return RowResult(row.index, key, RowStatus.INVALID, error=describe(exc))
            except FlowscaleError as exc:
                outcome = classify_submit_error(exc)
                if outcome is SubmitOutcome.OVERLOAD:
                    self.limit.on_overload(retry_after_of(exc))
                    continue
                if outcome is SubmitOutcome.REJECTED:
                    return self._failed(row, key, None, attempt, exc)
                unknown += 1
                found = await self._find(row, group, deadline)
                if found is not None:
                    run_id = found
                    break
                if unknown >= MAX_UNKNOWN_SUBMITS:
                    return self._failed(row, key, None, attempt, exc)
                await sleep(deadline.cap(_BACKOFF.backoff(unknown)))
                continue
            run_id = submitted.run_id
            self.limit.on_success()
            break
        if manifest is not None:
            manifest.submitted(row.index, run_id)
        self.counts.submitted += 1
        return run_id

    def _submitter_within(self, left: float) -> _BatchClient:
        """The submitter with a request timeout of at most `left` seconds. Rounded down to
        whole seconds and kept, so the rows submitted in the same second share one client
        (one per row cost a client and its generated twin per submission); under a second
        left, exactly `left`."""
        if left < 1.0:
            return self._submitter.with_options(timeout=left)
        seconds = int(left)
        if self._bounded is None or self._bounded[0] != seconds:
            self._bounded = (seconds, self._submitter.with_options(timeout=float(seconds)))
        return self._bounded[1]

    async def _find(self, row: BatchRow, group: str, deadline: Deadline) -> str | None:
        """The run of `group`, if the execute that carried it created one. Raises
        `_Unreachable` rather than guess when the service cannot be asked (before
        `deadline` passes)."""
        attempt = 0
        while True:
            attempt += 1
            left = deadline.remaining()
            if left is not None and left <= 0:
                raise _Unreachable(_timeout_error(row, self._timeout))
            # Under a deadline each lookup is one request: this loop is the retry.
            client = (
                self._client
                if left is None
                else self._client.with_options(timeout=left, max_retries=0)
            )
            try:
                page = await client.get_runs(group, page_size=10)
            except FlowscaleError as exc:
                if attempt >= MAX_LOST_FOLLOWS or self._stopping or deadline.expired():
                    raise _Unreachable(exc) from exc
                if classify_submit_error(exc) is SubmitOutcome.OVERLOAD:
                    self.limit.on_overload(retry_after_of(exc))
                await sleep(deadline.cap(max(self.limit.pause(), _BACKOFF.backoff(attempt))))
                continue
            return reconcile([run.id for run in page.runs if run.group_id in (None, group)])

    async def _follow(
        self, row: BatchRow, key: str, run_id: str, attempt: int, deadline: Deadline
    ) -> RowResult:
        manifest = self._manifest
        lost = 0
        self._in_flight[row.index] = run_id
        try:
            while True:
                remaining = deadline.remaining()
                left = None if remaining is None else max(0.001, remaining)
                try:
                    result = await self._client.wait_for_run(
                        run_id,
                        timeout=left,
                        poll_interval=self._poll_interval,
                        cancel_on_timeout=True,
                        workflow_id=self._workflow_id,
                    )
                except FlowscaleError as exc:
                    outcome = classify_wait_error(exc)
                    if outcome in (WaitOutcome.RUN_FAILED, WaitOutcome.LOST):
                        return self._failed(row, key, run_id, attempt, exc)
                    if outcome is WaitOutcome.OVERLOAD:
                        self.limit.on_overload(retry_after_of(exc))
                    lost += 1
                    if lost >= MAX_LOST_FOLLOWS or self._stopping:
                        return self._unfinished(row, key, run_id, attempt, exc)
                    await sleep(max(self.limit.pause(), _BACKOFF.backoff(lost)))
                    continue
                break
        finally:
            self._in_flight.pop(row.index, None)
        names = tuple(output.filename for output in result.outputs)
        paths: tuple[pathlib.Path, ...] = ()
        if self._out_dir is not None:
            try:
                saved = await self._client.download_outputs(result, row_folder(self._out_dir, row))
            except (FlowscaleError, OSError) as exc:
                return self._unfinished(row, key, run_id, attempt, exc)
            paths = tuple(saved)
        if manifest is not None:
            manifest.completed(row.index, names, [str(p) for p in paths])
        return RowResult(
            row.index, key, RowStatus.COMPLETED, run_id, names, paths, attempts=attempt
        )

    def _failed(
        self, row: BatchRow, key: str, run_id: str | None, attempt: int, exc: Exception
    ) -> RowResult:
        if self._manifest is not None:
            self._manifest.failed(row.index, describe(exc))
        return RowResult(
            row.index, key, RowStatus.FAILED, run_id, error=describe(exc), attempts=attempt
        )

    def _unfinished(
        self, row: BatchRow, key: str, run_id: str, attempt: int, exc: Exception
    ) -> RowResult:
        if self._manifest is not None:
            self._manifest.interrupted(row.index, describe(exc))
        return RowResult(
            row.index, key, RowStatus.UNFINISHED, run_id, error=describe(exc), attempts=attempt
        )


def _timeout_error(row: BatchRow, timeout: float | None) -> APITimeoutError:
    return APITimeoutError(
        f"row {row.index} reached its timeout ({timeout:g} s) before its run was confirmed",
        method="POST",
        url=f"row {row.index}",
    )


def _timed_out(row: BatchRow, key: str, attempt: int, timeout: float | None) -> RowResult:
    """A row whose timeout passed before its run was confirmed: unfinished, and left
    `submitting` in the manifest, so a resume looks for the run before sending again."""
    error = describe(_timeout_error(row, timeout))
    return RowResult(row.index, key, RowStatus.UNFINISHED, error=error, attempts=attempt)


def _from_record(record: RowRecord) -> RowResult:
    status = RowStatus.COMPLETED if record.state is RowState.COMPLETED else RowStatus.FAILED
    return RowResult(
        record.index,
        record.key,
        status,
        record.run_id,
        record.outputs,
        tuple(pathlib.Path(p) for p in record.paths),
        record.error,
        record.attempt,
        resumed=True,
    )
