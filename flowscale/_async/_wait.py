"""Waiting for a run to end: follow its events, fall back to polling, respect one deadline."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, Literal

from .._async_utils import call, interrupts, sleep
from .._deadline import Deadline
from .._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    EventStreamUnavailableError,
    FlowscaleError,
    RateLimitError,
    RunTimeoutError,
    ServerError,
)
from .._events import RunEvent
from .._tracker import RunTracker
from .._types import SUCCESS_STATUSES, RunResult
from .._updates import EventsMissed, PollRetry, Update
from ._ops import AsyncOperations
from ._stream import AsyncRunEventStream

__all__ = ["AsyncRunWaiter"]

logger = logging.getLogger("flowscale")

# Errors after which following a run is worth trying again rather than giving up.
TRANSIENT = (APIConnectionError, ServerError, RateLimitError)
CANCEL_BUDGET = 5.0  # seconds a best-effort cancel may take after a timeout or interrupt


class AsyncRunWaiter:
    """One wait for one run. Events first; polling when the server has no stream or the stream
    keeps failing. While polling, the stream is retried from the last event delivered (with
    the client's backoff), so `on_event` misses nothing unless the events cannot be had at
    all, which an `EventsMissed` update says. Every request is bounded by `deadline`."""

    def __init__(
        self,
        ops: AsyncOperations,
        tracker: RunTracker,
        *,
        deadline: Deadline,
        timeout: float | None,
        poll_interval: float,
        on_update: Callable[[Update], Any] | None = None,
        on_event: Callable[[RunEvent], Any] | None = None,
        use_events: bool = True,
        cancel_on_timeout: bool = False,
        cancel_on_interrupt: bool = False,
    ) -> None:
        self._ops = ops
        self._tracker = tracker
        self._deadline = deadline
        self._timeout = timeout
        self._poll_interval = poll_interval
        self._on_update = on_update
        self._on_event = on_event
        self._use_events = use_events
        self._cancel_on_timeout = cancel_on_timeout
        self._cancel_on_interrupt = cancel_on_interrupt
        # The event stream while polling: when to try it again, after how many failures.
        self._resume_at: float | None = None
        self._stream_failures = 0
        self._stream_error: FlowscaleError | None = None
        self._told_missed = False

    async def wait(self) -> RunResult:
        tracker = self._tracker
        try:
            if self._events_wanted:
                await self._follow_events(resuming=False)
                if tracker.done and tracker.status in SUCCESS_STATUSES:
                    await self._confirm_outputs()
            if not tracker.done:
                await self._poll()
                await self._catch_up_events()
        except interrupts():  # evaluated only when something is raised
            if self._cancel_on_interrupt:
                await self._cancel_quietly()
            raise
        except FlowscaleError as exc:
            if not self._deadline.expired():
                raise
            raise await self._timed_out() from exc
        except _DeadlinePassed:
            raise await self._timed_out() from None
        if tracker.status not in SUCCESS_STATUSES and tracker.run is None:
            await self._fetch_run_quietly()
        result = tracker.result()  # raises for a failed or cancelled run
        await self._emit([tracker.completed(result)])
        return result

    @property
    def _events_wanted(self) -> bool:
        return self._use_events and not self._ops.events_unavailable

    async def _emit(self, updates: list[Update]) -> None:
        for update in updates:
            await call(self._on_update, update)

    async def _follow_events(self, *, resuming: bool) -> None:
        """Follow the run's events until it is done or the stream fails.

        The first time, the stream reconnects by itself (the client's `max_retries`); when
        resuming from the poll loop, one connection per try: the poll loop paces the tries.
        """
        tracker = self._tracker
        stream = AsyncRunEventStream(
            self._ops,
            tracker.run_id,
            from_seq=tracker.last_seq + 1,
            read_timeout=self._ops.stream_read_timeout,
            max_reconnects=0 if resuming else None,
            deadline=self._deadline,
        )
        # Once polling has begun, a caller without `on_event` only gains speed from the
        # stream; a caller with one needs every event, the replay included.
        every_event = self._on_event is not None
        try:
            async with stream:
                async for event in stream:
                    await call(self._on_event, event)
                    await self._emit(tracker.on_event(event))
                    self._stream_failures = 0
                    if tracker.done and not (every_event and not tracker.events_complete):
                        return
                    if self._deadline.expired():
                        raise _DeadlinePassed
            self._stream_failures = 0
        except AuthenticationError:
            raise
        except FlowscaleError as exc:
            if self._deadline.expired():
                raise
            self._stream_error = exc
            if _no_stream_here(exc):
                # This server has no event stream: poll, now and in later waits.
                self._ops.events_unavailable = True
                logger.info("no event stream at %s: polling", self._ops.api.config.base_url)
                await self._events_missed("unavailable")
                return
            self._stream_failures += 1
            delay = self._ops.api.config.retry.backoff(self._stream_failures)
            self._resume_at = time.monotonic() + delay
            if not resuming:
                # The stream keeps failing: polling still works, and the stream is retried.
                logger.info("following run %s by polling: %s", tracker.run_id, exc)
                await self._emit([PollRetry(tracker.run_id, 1, 0.0, exc)])
            else:
                logger.info(
                    "event stream of run %s still failing (%s); next try in %.2f s",
                    tracker.run_id,
                    type(exc).__name__,
                    delay,
                )

    async def _events_missed(self, reason: Literal["unavailable", "failed"]) -> None:
        if self._on_event is None or self._told_missed or self._tracker.events_complete:
            return
        self._told_missed = True
        logger.warning(
            "run %s: events after seq %d could not be had (%s)",
            self._tracker.run_id,
            self._tracker.last_seq,
            reason,
        )
        await self._emit(
            [EventsMissed(self._tracker.run_id, self._tracker.last_seq, reason, self._stream_error)]
        )

    async def _catch_up_events(self) -> None:
        """After polling saw the run end: replay the events `on_event` has not had yet."""
        tracker = self._tracker
        if self._on_event is None or tracker.events_complete or not self._use_events:
            return
        if self._ops.events_unavailable:
            await self._events_missed("unavailable")
            return
        # The run is over, so the replay is finite; it gets the stream's own reconnects but
        # no time past the wait's deadline, and its failure costs only the missing events.
        policy = self._ops.api.config.retry
        for attempt in range(policy.max_retries + 1):
            if self._deadline.expired():
                break
            if attempt:
                await sleep(self._deadline.cap(policy.backoff(attempt)))
            try:
                await self._follow_events(resuming=True)
            except (FlowscaleError, _DeadlinePassed) as exc:
                if isinstance(exc, FlowscaleError):
                    self._stream_error = exc
                break
            if tracker.events_complete or self._ops.events_unavailable:
                break
        await self._events_missed("failed")

    async def _confirm_outputs(self) -> None:
        # The run said it is complete: check its output list against the output events, so a
        # lost event cannot cost an output (the vendor SDK's partial-result bug).
        try:
            run = await self._ops.get_run(self._tracker.run_id, self._deadline)
        except FlowscaleError as exc:
            if self._deadline.expired():
                raise
            logger.info("could not confirm the outputs of run %s: %s", self._tracker.run_id, exc)
            return
        await self._emit(self._tracker.on_run(run))

    async def _poll(self) -> None:
        tracker = self._tracker
        failures = 0
        while True:
            if self._deadline.expired():
                raise _DeadlinePassed
            resume_at = self._resume_at
            if resume_at is not None and self._events_wanted and time.monotonic() >= resume_at:
                self._resume_at = None
                await self._follow_events(resuming=True)
                if tracker.done:
                    return
            try:
                run = await self._ops.get_run(tracker.run_id, self._deadline)
                await self._emit(tracker.on_run(run))
                if tracker.status in SUCCESS_STATUSES:
                    for name in tracker.pending_outputs:
                        output = await self._ops.get_output(name, self._deadline)
                        await self._emit(tracker.on_output(name, output))
            except TRANSIENT as exc:
                if self._deadline.expired():
                    raise
                # Each poll already made max_retries + 1 attempts; the wait keeps polling
                # until its deadline, backing off by the client's one RetryPolicy.
                failures += 1
                policy = self._ops.api.config.retry
                delay = max(self._poll_interval, policy.backoff(failures))
                if isinstance(exc, RateLimitError) and exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, policy.max_retry_after))
                await self._emit([PollRetry(tracker.run_id, failures, delay, exc)])
                await sleep(self._deadline.cap(delay))
                continue
            failures = 0
            if tracker.done:
                return
            delay = self._poll_interval * (0.9 + 0.2 * random.random())
            if self._resume_at is not None and self._events_wanted:
                delay = min(delay, max(0.0, self._resume_at - time.monotonic()))
            await sleep(self._deadline.cap(delay))

    async def _timed_out(self) -> RunTimeoutError:
        cancelled = False
        if self._cancel_on_timeout:
            cancelled = await self._cancel_quietly()
        tracker = self._tracker
        return RunTimeoutError(
            f"waiting for run {tracker.run_id} timed out: it did not finish within "
            f"{self._timeout} s "
            f"(last status: {tracker.status or 'unknown'})"
            + ("; it was cancelled" if cancelled else "; it may still be running"),
            run_id=tracker.run_id,
            run=tracker.run,
            last_status=tracker.status,
            cancelled=cancelled,
        )

    async def _cancel_quietly(self) -> bool:
        try:
            await self._ops.cancel_run(self._tracker.run_id, Deadline.after(CANCEL_BUDGET))
        except FlowscaleError as exc:
            logger.warning("could not cancel run %s: %s", self._tracker.run_id, exc)
            return False
        return True

    async def _fetch_run_quietly(self) -> None:
        # For a failed or cancelled run, the run's details make a better error; best effort.
        try:
            run = await self._ops.get_run(self._tracker.run_id, Deadline.after(CANCEL_BUDGET))
        except FlowscaleError:
            return
        self._tracker.on_run(run)


def _no_stream_here(error: FlowscaleError) -> bool:
    if isinstance(error, EventStreamUnavailableError):
        return True
    return isinstance(error, APIStatusError) and error.status_code in (405, 501)


class _DeadlinePassed(Exception):
    pass
