"""Batch runs: the values and decisions shared by both clients' batch runners (no I/O).

The runners (`flowscale/_async/_batch.py` and its generated blocking twin) do the requests;
what a row is, what an error means for it, and which shard it belongs to is decided here.
"""

from __future__ import annotations

import enum
import os
import pathlib
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ._errors import (
    APIConnectionError,
    APIStatusError,
    RateLimitError,
    RunCancelledError,
    RunFailedError,
    RunMayExistError,
    RunTimeoutError,
    ServerError,
)

__all__ = [
    "BatchRow",
    "BatchSummary",
    "RowResult",
    "RowStatus",
    "Shard",
    "iter_batch_rows",
    "parse_shard",
]


@attrs.frozen(slots=True)
class BatchRow:
    """One row of a batch: its position, its inputs, and optionally a key and a known error.

    A row with `error` set (found bad before any request: a missing file, an unknown input)
    is reported as invalid and never sent; the other rows go on."""

    index: int
    inputs: Mapping[str, Any]
    key: str = ""
    error: str | None = None

    @property
    def name(self) -> str:
        return self.key or str(self.index)


class RowStatus(enum.StrEnum):
    """How a row of a batch ended: completed, failed, or invalid (nothing was sent)."""

    COMPLETED = "completed"
    FAILED = "failed"  # the run failed, was cancelled or timed out, or could not be started
    INVALID = "invalid"  # the row itself is bad; nothing was sent
    UNFINISHED = "unfinished"  # the run exists, the batch stopped following it (resume waits)


@attrs.frozen(slots=True)
class RowResult:
    """What became of one row. `resumed` rows finished in an earlier session of the batch
    (their outputs are then known by name and path only)."""

    index: int
    key: str
    status: RowStatus
    run_id: str | None = None
    outputs: tuple[str, ...] = ()
    paths: tuple[pathlib.Path, ...] = ()
    error: str | None = None
    attempts: int = 0
    resumed: bool = False

    @property
    def ok(self) -> bool:
        return self.status is RowStatus.COMPLETED

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready values (as in the batch's results files)."""
        return {
            "index": self.index,
            "key": self.key,
            "status": self.status.value,
            "run_id": self.run_id,
            "outputs": list(self.outputs),
            "paths": [str(p) for p in self.paths],
            "error": self.error,
            "attempts": self.attempts,
        }


@attrs.frozen(slots=True)
class BatchSummary:
    """The counts of a finished (or stopped) batch.

    Attributes:
        total: Rows that finished in this session.
        completed: Rows whose run completed.
        failed: Rows whose run failed, was cancelled or timed out, or could not start.
        invalid: Rows that were bad themselves (nothing was sent).
        unfinished: Rows started but not finished when the batch stopped (a resume waits
            for them).
        submitted: Execute requests that created a run in this session.
        rate_limited: 429/503 answers the batch backed off from.
        elapsed: Seconds from the start of the batch.
    """

    total: int
    completed: int
    failed: int
    invalid: int
    unfinished: int
    submitted: int  # execute requests that created a run in this session
    rate_limited: int  # 429/503 answers the batch backed off from
    elapsed: float

    @property
    def ok(self) -> bool:
        return self.failed == self.invalid == self.unfinished == 0


@attrs.define(slots=True)
class Tally:
    """Running counts of a batch, for the summary and a live display."""

    started: float = attrs.field(factory=time.monotonic)
    done: int = 0
    failed: int = 0
    invalid: int = 0
    unfinished: int = 0
    in_flight: int = 0
    submitted: int = 0
    resumed: int = 0

    def add(self, result: RowResult) -> None:
        """Count one finished row."""
        if result.status is RowStatus.COMPLETED:
            self.done += 1
        elif result.status is RowStatus.FAILED:
            self.failed += 1
        elif result.status is RowStatus.INVALID:
            self.invalid += 1
        else:
            self.unfinished += 1
        if result.resumed:
            self.resumed += 1

    @property
    def finished(self) -> int:
        return self.done + self.failed + self.invalid + self.unfinished

    def summary(self, rate_limited: int) -> BatchSummary:
        """The counts so far as a `BatchSummary`."""
        return BatchSummary(
            total=self.finished,
            completed=self.done,
            failed=self.failed,
            invalid=self.invalid,
            unfinished=self.unfinished,
            submitted=self.submitted,
            rate_limited=rate_limited,
            elapsed=time.monotonic() - self.started,
        )


# ---- rows and shards ------------------------------------------------------------------------


@attrs.frozen(slots=True)
class Shard:
    """Shard `index` of `count` (0-based, as Kubernetes' JOB_COMPLETION_INDEX): the rows
    whose position modulo `count` is `index`. Deterministic: N machines reading the same rows
    split them exactly, with no coordination."""

    index: int
    count: int

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index}/{self.count}: need 0 <= K < N")

    def holds(self, row_index: int) -> bool:
        """Whether the row `row_index` (0-based) belongs to this shard."""
        return row_index % self.count == self.index


def parse_shard(text: str, environ: Mapping[str, str] = os.environ) -> Shard:
    """`K/N`, or `N` alone with K read from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)."""
    k, sep, n = text.partition("/")
    if not sep:
        k, n = environ.get("JOB_COMPLETION_INDEX", ""), text
        if not k:
            raise ValueError(f"shard {text!r}: expected K/N (or N with JOB_COMPLETION_INDEX set)")
    try:
        index, count = int(k), int(n)
    except ValueError:
        raise ValueError(f"shard {text!r}: expected K/N with integers, e.g. 0/3") from None
    if count < 1:
        raise ValueError(f"shard {text!r}: N must be >= 1")
    return Shard(index, count)


def iter_batch_rows(rows: Iterable[Any], shard: Shard | None = None) -> Iterator[BatchRow]:
    """The rows as `BatchRow`s, lazily: mappings get their position as index."""
    if isinstance(rows, Mapping | str | bytes):
        raise TypeError("rows must be an iterable of input mappings (not one mapping)")
    for position, item in enumerate(rows):
        if isinstance(item, BatchRow):
            row = item
        elif isinstance(item, Mapping):
            row = BatchRow(position, item)
        else:
            row = BatchRow(
                position, {}, error=f"row {position}: expected a mapping of inputs, "
                f"not {type(item).__name__}"
            )  # fmt: skip
        if shard is None or shard.holds(row.index):
            yield row


# ---- what an error means for a row ----------------------------------------------------------


class SubmitOutcome(enum.Enum):
    OVERLOAD = "overload"  # the service did not take it (429/503): back off, send again
    UNKNOWN = "unknown"  # it may have created the run: look for it before sending again
    REJECTED = "rejected"  # it will never work (bad input, 4xx): the row fails


def classify_submit_error(error: Exception) -> SubmitOutcome:
    if isinstance(error, RateLimitError) or (
        isinstance(error, APIStatusError) and error.status_code == 503
    ):
        return SubmitOutcome.OVERLOAD
    if isinstance(error, RunMayExistError | ServerError | APIConnectionError):
        return SubmitOutcome.UNKNOWN
    return SubmitOutcome.REJECTED


def retry_after_of(error: Exception) -> float | None:
    if isinstance(error, RateLimitError):
        return error.retry_after
    if isinstance(error, APIStatusError):
        from ._retry import parse_retry_after  # imports httpx: not at `import flowscale`

        return parse_retry_after(error.headers)
    return None


class WaitOutcome(enum.Enum):
    RUN_FAILED = "run_failed"  # the run ended badly (or timed out): the row fails
    OVERLOAD = "overload"  # following it was rate limited: back off and follow again
    TRANSIENT = "transient"  # the connection failed: follow again, a bounded number of times
    LOST = "lost"  # it cannot be followed (e.g. 404): the row fails


def classify_wait_error(error: Exception) -> WaitOutcome:
    if isinstance(error, RunFailedError | RunCancelledError | RunTimeoutError):
        return WaitOutcome.RUN_FAILED
    if classify_submit_error(error) is SubmitOutcome.OVERLOAD:
        return WaitOutcome.OVERLOAD
    if isinstance(error, ServerError | APIConnectionError):
        return WaitOutcome.TRANSIENT
    return WaitOutcome.LOST


def describe(error: BaseException) -> str:
    """One line for the manifest and the results file."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def row_folder(root: pathlib.Path, row: BatchRow) -> pathlib.Path:
    """The folder of a row's outputs: its zero-padded index, then its key if it is a safe
    single path component (a key is user data: never a path unchecked)."""
    name = f"{row.index:06d}"
    key = row.key
    if key and key not in (".", "..") and all(c.isalnum() or c in "-_." for c in key):
        name = f"{name}-{key[:80]}"
    return root / name
