"""Following a run's event stream across dropped connections."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any

import attrs
import httpx

from .._arguments import check_callback
from .._async_utils import (
    BLOCKING,
    Background,
    call,
    in_background,
    interrupt_reader,
    sleep,
)
from .._deadline import NO_DEADLINE, Deadline
from .._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    EventStreamUnavailableError,
    FlowscaleError,
    RateLimitError,
    ServerError,
)
from .._events import (
    KEEPALIVE,
    EventStreamTooLargeError,
    RunEvent,
    SSEDecoder,
    SSELimitError,
    StreamCursor,
)
from .._status import safe_url
from .._transport import Interrupter, interruptible
from ._ops import AsyncOperations

__all__ = ["AsyncRunEventStream"]

logger = logging.getLogger("flowscale")


# Answers meaning "no event stream here" rather than "try again".
NO_STREAM_STATUSES = (405, 501)
# Bytes read after the final event to return the connection to the pool (see `_drain`).
DRAIN_LIMIT = 64 * 1024


class AsyncRunEventStream:
    """The typed events of one run, in order, each once, ending after the final event.

    Iterate it (`async for event in stream`), ideally as a context manager so the connection
    is closed however the loop ends. A dropped or silent connection is reopened from the last
    event seen (`Last-Event-ID`); after `max_reconnects` failures in a row without a new event
    (default: the client's `max_retries`, so a dead host sees `max_retries + 1` attempts) the
    last error is raised as an `APIConnectionError`.
    """

    def __init__(
        self,
        ops: AsyncOperations,
        run_id: str,
        *,
        from_seq: int | None = None,
        read_timeout: float = 60.0,
        max_reconnects: int | None = None,
        deadline: Deadline = NO_DEADLINE,
    ) -> None:
        if not isinstance(run_id, str) or not run_id:
            raise TypeError(f"run_id must be a non-empty str, not {run_id!r}")
        if from_seq is not None and (
            isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 0
        ):
            raise TypeError(f"from_seq must be an int >= 0, not {from_seq!r}")
        self.run_id = run_id
        if max_reconnects is not None and (
            isinstance(max_reconnects, bool)
            or not isinstance(max_reconnects, int)
            or max_reconnects < 0
        ):
            raise TypeError(f"max_reconnects must be an int >= 0, not {max_reconnects!r}")
        self.cursor: StreamCursor = StreamCursor(run_id, from_seq)
        self._passed_on = self.cursor.last_seq  # the cursor runs ahead by one chunk's events
        self._policy = ops.api.config.retry
        # Each (re)connect is one request: the reconnect loop below is the retry loop.
        self._connect_retry = attrs.evolve(self._policy, max_retries=0)
        self._ops = ops
        self._read_timeout = read_timeout
        self._max_reconnects = (
            self._policy.max_retries if max_reconnects is None else max_reconnects
        )
        self._deadline = deadline
        self._response: httpx.Response | None = None
        self._chunks: AsyncIterator[bytes] | None = None
        self._url = f"the event stream of run {run_id}"
        self._events: AsyncIterator[RunEvent] | None = None
        self._closed = False
        self._reading = False  # inside a read of `_response` (maybe in another thread)
        self._on_open: Callable[[AsyncRunEventStream], Any] | None = None
        self._opened = False
        # Ends a request of this stream in flight (connecting, awaiting the headers) on close.
        self._interrupter = Interrupter()

    @property
    def last_seq(self) -> int:
        """Sequence number of the last event passed on (0 before the first)."""
        return self._passed_on

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        # The generator itself: `async for` then resumes one frame per event, not two.
        if self._events is None:
            self._events = self._follow()
        return self._events

    async def __anext__(self) -> RunEvent:
        return await self.__aiter__().__anext__()

    async def __aenter__(self) -> AsyncRunEventStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop following: closes the connection. Idempotent.

        Safe from any thread with the blocking client: a `dispatch()` or iteration blocked
        reading in another thread is woken at once (its socket is shut down) and ends.
        """
        self._closed = True
        self._interrupter.interrupt()
        if self._reading and interrupt_reader(self._response):
            return  # the reader wakes up, sees `_closed` and releases the response itself
        await self._release()

    async def _release(self) -> None:
        if self._response is not None:
            if self.cursor.ended:
                await self._drain()
            await self._response.aclose()
            self._response = None
            self._chunks = None

    async def _drain(self) -> None:
        # What follows the final event is just the end of the body: the spec says the server
        # closes the stream after it. Reading it hands the connection back to the pool warm,
        # so the next request (the waiter's confirming GET) does not open a new one. A server
        # that keeps the stream open costs at most one read timeout (bounded by the deadline)
        # and DRAIN_LIMIT bytes.
        chunks = self._chunks
        if chunks is None:
            return
        left = DRAIN_LIMIT
        try:
            async for chunk in chunks:
                left -= len(chunk)
                if left < 0:
                    return
        except httpx.HTTPError:
            return

    async def dispatch(
        self,
        *,
        on_event: Callable[[RunEvent], Any] | None = None,
        on_open: Callable[[AsyncRunEventStream], Any] | None = None,
        on_error: Callable[[FlowscaleError], Any] | None = None,
        on_close: Callable[[AsyncRunEventStream], Any] | None = None,
    ) -> None:
        """Callback style, as the JS SDK's `subscribeRunEvents`: call `on_event` for each
        event until the stream ends.

        `on_open` is called once, when the first connection answered as an event stream
        (never for a stream refused from the start); a stream error goes to `on_error`
        (raised if there is none); `on_close` is called last in every case. `close()` (from
        any thread, with the blocking client) ends it early.

        Args:
            on_event: Called with each `RunEvent`, in order.
            on_open: Called with the stream once its response is open and valid.
            on_error: Called with the `FlowscaleError` that ended the stream.
            on_close: Called with the stream when it is over, however it ended.

        Raises:
            FlowscaleError: What ended the stream, when there is no `on_error`.
            TypeError: A callback that is not callable (before any request).
        """
        _check_callbacks(on_event=on_event, on_open=on_open, on_error=on_error, on_close=on_close)
        self._on_open = on_open
        try:
            async for event in self:
                await call(on_event, event)
        except FlowscaleError as exc:
            if on_error is None:
                raise
            await call(on_error, exc)
        finally:
            await self.aclose()
            await call(on_close, self)

    def dispatch_in_background(
        self,
        *,
        on_event: Callable[[RunEvent], Any] | None = None,
        on_open: Callable[[AsyncRunEventStream], Any] | None = None,
        on_error: Callable[[FlowscaleError], Any] | None = None,
        on_close: Callable[[AsyncRunEventStream], Any] | None = None,
    ) -> Background:
        """`dispatch` running concurrently, with a handle that is done when the stream is.

        The blocking client runs it in a daemon thread and returns a
        `concurrent.futures.Future` (`.result()` waits, and raises what `dispatch` would);
        the asyncio client returns an `asyncio.Task` (await it; keep a reference). Call
        `close()` to end it early: the handle is then done within moments.

        Args:
            on_event: As for `dispatch`.
            on_open: As for `dispatch`.
            on_error: As for `dispatch`.
            on_close: As for `dispatch`.

        Returns:
            The handle: a `concurrent.futures.Future` (blocking client) or `asyncio.Task`.

        Raises:
            TypeError: A callback that is not callable (at once, before any request).
        """
        _check_callbacks(on_event=on_event, on_open=on_open, on_error=on_error, on_close=on_close)
        return in_background(
            lambda: self.dispatch(
                on_event=on_event, on_open=on_open, on_error=on_error, on_close=on_close
            )
        )

    async def _connect(self) -> httpx.Response:
        timeout = httpx.Timeout(self._ops.api.config.timeout.connect, read=self._read_timeout)
        last_seq = self.cursor.last_seq
        try:
            with interruptible(self._interrupter):
                response = await self._ops.open_event_stream(
                    self.run_id,
                    from_seq=last_seq + 1,
                    # Last-Event-ID is what an SSE server expects on reconnect (wins over from_seq).
                    last_event_id=str(last_seq) if last_seq else None,
                    deadline=self._deadline,
                    timeout=timeout,
                    retry=self._connect_retry,
                )
        except APIStatusError as exc:
            if exc.status_code not in NO_STREAM_STATUSES:
                raise
            raise EventStreamUnavailableError(
                exc.message,
                method=exc.method,
                url=exc.url,
                status_code=exc.status_code,
                body=exc.body,
                headers=exc.headers,
            ) from exc
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200 or "text/event-stream" not in content_type:
            await response.aclose()  # unread: whatever it is, it is not worth waiting for
            raise EventStreamUnavailableError(
                f"GET {safe_url(response.request.url)} answered {response.status_code} "
                f"{content_type or 'without a content type'}, not an event stream",
                method="GET",
                url=safe_url(response.request.url),
                status_code=response.status_code,
                body=None,
            )
        return response

    async def _run_has_ended(self) -> bool:
        """Whether the run is over: asked when a stream closes before its final event."""
        with interruptible(self._interrupter):
            run = await self._ops.get_run(self.run_id, self._deadline)
        return run.is_finished

    async def _read(self, response: httpx.Response) -> AsyncIterator[list[RunEvent]]:
        """The new events of one connection, a list per chunk read (one generator step per
        chunk rather than per event: the hot path). Raises `_Silent` when only keep-alives
        came for longer than the read timeout, `APITimeoutError` once the deadline passes."""
        decoder = SSEDecoder()
        accept = self.cursor.accept
        last_news = time.monotonic()
        self._url = safe_url(response.request.url)
        self._chunks = chunks = response.aiter_bytes()
        # `_reading` marks the time blocked on the socket, when `aclose` from another thread
        # must wake this one rather than close the response under it.
        self._reading = True
        async for chunk in chunks:
            self._reading = False
            if self._closed:
                return
            if self._deadline.expired():
                raise APITimeoutError(
                    f"the wait for run {self.run_id} reached its deadline",
                    method="GET",
                    url=safe_url(response.request.url),
                )
            try:
                items = decoder.feed(chunk)
            except SSELimitError as exc:
                raise EventStreamTooLargeError(
                    f"GET {self._url}: {exc}; stopped reading",
                    url=self._url,
                    status_code=response.status_code,
                    limit=exc.limit,
                ) from None
            events = []
            for item in items:
                if item is not KEEPALIVE:
                    event = accept(*item)  # type: ignore[misc]
                    if event is not None:
                        events.append(event)
            if events:
                last_news = time.monotonic()
                yield events
            elif time.monotonic() - last_news > self._read_timeout:
                raise _Silent(f"no event for {self._read_timeout} s, only keep-alives")
            self._reading = True

    async def _follow(self) -> AsyncIterator[RunEvent]:
        failures = 0
        while not self._closed:
            got_event = False
            error: Exception | None = None
            try:
                self._response = await self._connect()
                if self._closed:  # closed from another thread while connecting
                    return
                if not self._opened:
                    self._opened = True
                    await call(self._on_open, self)
                async for events in self._read(self._response):
                    got_event = True
                    failures = 0
                    for event in events:
                        self._passed_on = event.seq
                        yield event
                        if self._closed:
                            return
                    if self.cursor.ended:
                        return
            except APITimeoutError:
                if self._deadline.expired():
                    raise
                error = _Silent("the stream did not answer in time")
            except (httpx.RequestError, _Silent, APIConnectionError, ServerError) as exc:
                error = exc
            except RateLimitError as exc:
                error = exc
            finally:
                self._reading = False
                await self._release()
            if self._closed:
                return
            if error is None:
                # A clean close before the final event: over if the run is, else reopen.
                if await self._run_has_ended():
                    return
                error = _Silent("the stream closed before the run ended")
            if not got_event:
                failures += 1
            if self._deadline.expired():
                # The subscription's own timeout, whatever the last read died of: the one
                # error its docstring names, so a caller can tell it from a dead server.
                raise APITimeoutError(
                    f"the event stream of run {self.run_id} reached its deadline "
                    f"({type(error).__name__}: {error or 'connection lost'})",
                    method="GET",
                    url=getattr(error, "url", None) or self._url,
                ) from error
            if failures > self._max_reconnects:
                raise APIConnectionError(
                    f"the event stream of run {self.run_id} kept failing "
                    f"({type(error).__name__}: {error or 'connection lost'})",
                    method="GET",
                    url=getattr(error, "url", None) or self._url,
                ) from error
            # Reopen at once after a drop that followed progress; back off when failing.
            delay = self._policy.backoff(failures) if failures else 0.0
            if isinstance(error, RateLimitError) and error.retry_after is not None:
                delay = max(delay, min(error.retry_after, self._policy.max_retry_after))
            logger.info(
                "event stream of run %s dropped after seq %d (%s); reconnecting in %.2f s",
                self.run_id,
                self.cursor.last_seq,
                type(error).__name__,
                delay,
            )
            await sleep(self._deadline.cap(delay))


def _check_callbacks(**callbacks: Any) -> None:
    for name, callback in callbacks.items():
        check_callback(name, callback, blocking=BLOCKING)


class _Silent(Exception):
    """The stream is open but carries nothing new: treated like a dropped connection."""
