"""Following a run's event stream across dropped connections."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import EventSource

from .._async_utils import call, sleep
from .._convert import safe_url
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIConnectionError, APIStatusError, FlowscaleError
from .._events import RunEvent, StreamCursor
from ._http import AsyncAPI

__all__ = ["AsyncRunEventStream", "EventStreamUnavailableError"]

logger = logging.getLogger("flowscale")

EVENTS_PATH = "/api/v1/runs/{run_id}/events"
STREAM_ERRORS = (httpx.TransportError,)


class EventStreamUnavailableError(APIStatusError):
    """The server answered the events URL with something other than an event stream."""


class AsyncRunEventStream:
    """The typed events of one run, in order, each once, ending after the final event.

    Iterate it (`async for event in stream`), ideally as a context manager so the connection
    is closed however the loop ends. A dropped or silent connection is reopened from the last
    event seen (`Last-Event-ID`); after `max_reconnects` failures in a row without a new event
    the last error is raised as an `APIConnectionError`.
    """

    def __init__(
        self,
        api: AsyncAPI,
        run_id: str,
        *,
        from_seq: int | None = None,
        read_timeout: float = 60.0,
        max_reconnects: int = 5,
        deadline: Deadline = NO_DEADLINE,
    ) -> None:
        if not isinstance(run_id, str) or not run_id:
            raise TypeError(f"run_id must be a non-empty str, not {run_id!r}")
        if from_seq is not None and (
            isinstance(from_seq, bool) or not isinstance(from_seq, int) or from_seq < 0
        ):
            raise TypeError(f"from_seq must be an int >= 0, not {from_seq!r}")
        self.run_id = run_id
        self.cursor = StreamCursor(run_id, from_seq)
        self._api = api
        self._read_timeout = read_timeout
        self._max_reconnects = max_reconnects
        self._deadline = deadline
        self._response: httpx.Response | None = None
        self._events: AsyncIterator[RunEvent] | None = None
        self._closed = False

    @property
    def last_seq(self) -> int:
        """Sequence number of the last event passed on (0 before the first)."""
        return self.cursor.last_seq

    def __aiter__(self) -> AsyncRunEventStream:
        return self

    async def __anext__(self) -> RunEvent:
        if self._events is None:
            self._events = self._follow()
        return await self._events.__anext__()

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
        """Stop following: closes the connection. Idempotent."""
        self._closed = True
        if self._response is not None:
            await self._response.aclose()
            self._response = None

    async def dispatch(
        self,
        *,
        on_event: Callable[[RunEvent], Any] | None = None,
        on_open: Callable[[AsyncRunEventStream], Any] | None = None,
        on_error: Callable[[FlowscaleError], Any] | None = None,
        on_close: Callable[[AsyncRunEventStream], Any] | None = None,
    ) -> None:
        """Callback style, as the JS SDK's `subscribeRunEvents`: call `on_event` for each
        event until the stream ends. A stream error goes to `on_error` (raised if there is
        none); `on_close` is called last in every case."""
        try:
            await call(on_open, self)
            async for event in self:
                await call(on_event, event)
        except FlowscaleError as exc:
            if on_error is None:
                raise
            await call(on_error, exc)
        finally:
            await self.aclose()
            await call(on_close, self)

    async def _connect(self) -> httpx.Response:
        timeout = httpx.Timeout(self._api.config.timeout.connect, read=self._read_timeout)
        response = await self._api.send(
            "GET",
            self._api.url(EVENTS_PATH.format(run_id=quote(self.run_id, safe=""))),
            params=self.cursor.params(),
            headers={
                "Accept": "text/event-stream",
                "Cache-Control": "no-store",
                **self.cursor.headers(),
            },
            stream=True,
            deadline=self._deadline,
            timeout=timeout,
        )
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200 or "text/event-stream" not in content_type:
            await response.aread()
            await response.aclose()
            raise EventStreamUnavailableError(
                f"GET {safe_url(response.request.url)} answered {response.status_code} "
                f"{content_type or 'without a content type'}, not an event stream",
                method="GET",
                url=safe_url(response.request.url),
                status_code=response.status_code,
                body=response.text[:500],
            )
        return response

    async def _follow(self) -> AsyncIterator[RunEvent]:
        failures = 0
        while not self._closed:
            got_event = False
            try:
                self._response = await self._connect()
                async for sse in EventSource(self._response).aiter_sse():
                    event = self.cursor.accept(sse.event, sse.data, sse.id)
                    if event is None:
                        continue
                    got_event = True
                    failures = 0
                    yield event
                    if self.cursor.ended:
                        return
            except STREAM_ERRORS as exc:
                if not got_event:
                    failures += 1
                if self._closed:
                    return
                if failures > self._max_reconnects or self._deadline.expired():
                    raise APIConnectionError(
                        f"the event stream of run {self.run_id} kept failing "
                        f"({type(exc).__name__}: {exc or 'connection lost'})",
                        method="GET",
                        url=EVENTS_PATH.format(run_id=self.run_id),
                    ) from exc
                # Reopen at once after a drop that followed progress; back off when failing.
                backoff = self._api.config.retry.backoff(failures) if failures else 0.0
                delay = self._deadline.cap(backoff)
                logger.info(
                    "event stream of run %s dropped after seq %d (%s); reconnecting in %.2f s",
                    self.run_id,
                    self.cursor.last_seq,
                    type(exc).__name__,
                    delay,
                )
                await sleep(delay)
                continue
            finally:
                if self._response is not None:
                    await self._response.aclose()
                    self._response = None
            if not got_event:
                return  # a clean close with nothing new: the run has no more events
            # A clean close before the final event: reopen from where we are.
