"""The client: every operation of the Flowscale API, for asyncio.

The client checks arguments and composes operations (start + wait, wait + download); the
operations themselves are `_ops.AsyncOperations`, the request path `_http.AsyncAPI`.
"""

from __future__ import annotations

import io
import os
import pathlib
import re
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

import attrs
import httpx

from .._arguments import check_timeout, check_wait_arguments
from .._async_utils import BLOCKING, call, map_bounded
from .._bounds import DEFAULT_MAX_RESPONSE_BYTES
from .._config import DEFAULT_MAX_READ, ClientConfig, check_headers, to_timeout
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIConnectionError, RunMayExistError, RunTimeoutError
from ._http import AsyncAPI
from ._ops import AsyncOperations

# Waiting, streaming, downloads, inputs, batches and the value types load at their first use,
# not with the client: a program's first client costs little more than its httpx client.
if TYPE_CHECKING:
    from .._batch import BatchRow, Shard
    from .._events import RunEvent
    from .._tracker import RunTracker
    from .._types import (
        ContainerHealth,
        ContainerQueue,
        Output,
        Run,
        RunPage,
        RunResult,
        SubmittedRun,
        Workflow,
    )
    from .._updates import Update
    from ._batch import AsyncBatch
    from ._download import AsyncOutputStream, ProgressCallback
    from ._lowlevel import AsyncLowLevelAPI
    from ._stream import AsyncRunEventStream

__all__ = ["AsyncFlowscale"]

SortBy = Literal["created_at", "started_at", "completed_at"]
SortOrder = Literal["asc", "desc"]


# Ids are UUIDs and file names; this leaves room for any real one, and keeps every URL far
# below the length servers and httpx refuse.
MAX_ID_CHARS = 1024
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str, not {value!r:.80}")
    if len(value) > MAX_ID_CHARS:
        raise ValueError(f"{name} is {len(value)} characters long; at most {MAX_ID_CHARS}")
    if _CONTROL.search(value):
        raise ValueError(f"{name} {value[:80]!r} contains a control character")
    return value


def _check_output(value: Any) -> Output:
    from .._types import Output

    if not isinstance(value, Output):
        raise TypeError(f"output must be a flowscale.Output, not {type(value).__name__}")
    return value


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise TypeError(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


class AsyncFlowscale:
    """Client of one Flowscale deployment, for asyncio.

    Every request goes through one request path: the API key only ever goes to `base_url`'s
    origin, failures become `FlowscaleError` subclasses, and retries follow one policy.
    Use it as `async with AsyncFlowscale() as client:` or call `aclose()` when done.

    Args:
        api_key: The deployment's API key; defaults to `FLOWSCALE_API_KEY`.
        base_url: The deployment's URL; defaults to `FLOWSCALE_API_URL`.
        timeout: Seconds, or an `httpx.Timeout`, bounding each request (default 60 s,
            10 s to connect): each read, and each attempt's whole response (its read
            timeout, however the server trickles it).
        max_retries: Retries of each request after a transient failure (default 2): every
            request makes at most `max_retries + 1` attempts.
        proxy_mode: Send no API key, for a backend of yours that adds it.
        custom_headers: Headers sent with every API request (never to output download
            hosts).
        allow_dangerously_expose_api_key: Allow an API key in a browser (Pyodide).
        http_client: Your own `httpx.AsyncClient` (then yours to close).
        stream_read_timeout: Seconds an event stream may stay silent (keep-alives aside)
            before it is reopened.
        max_response_bytes: The largest reply body (decompressed) read into memory
            (default 16 MiB); a larger one raises `ResponseTooLargeError`.

    Raises:
        ConfigurationError: A missing or unsafe setting (no key, a bad base URL, ...).
        TypeError: An argument of the wrong type.
        ValueError: An illegal custom header name or value.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        proxy_mode: bool = False,
        custom_headers: Mapping[str, str] | None = None,
        allow_dangerously_expose_api_key: bool = False,
        http_client: httpx.AsyncClient | None = None,
        stream_read_timeout: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise TypeError(
                f"http_client must be an httpx.AsyncClient, not {type(http_client).__name__}"
            )
        config = ClientConfig.create(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            proxy_mode=proxy_mode,
            custom_headers=custom_headers,
            allow_dangerously_expose_api_key=allow_dangerously_expose_api_key,
            max_response_bytes=max_response_bytes,
        )
        self._api = AsyncAPI(config, http_client)
        self._ops = AsyncOperations(
            self._api, stream_read_timeout=_seconds("stream_read_timeout", stream_read_timeout)
        )
        self._lowlevel: AsyncLowLevelAPI | None = None

    # ---- configuration --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The deployment's URL, as requests use it (no trailing slash)."""
        return str(self._api.config.base_url)

    @property
    def api(self) -> AsyncLowLevelAPI:
        """Every operation of the API spec as the generated client defines it, through this
        client's request path (same key, retries, timeouts, errors, connections).

        `await client.api.get_run("run-id")` returns the generated reply model; an
        operation added to the spec is here after `scripts/regenerate`.
        """
        if self._lowlevel is None:
            from ._lowlevel import AsyncLowLevelAPI

            self._lowlevel = AsyncLowLevelAPI(self._api)
        return self._lowlevel

    @property
    def is_closed(self) -> bool:
        """Whether `aclose()` was called (every call then raises `ClientClosedError`)."""
        return self._api.closed

    def __repr__(self) -> str:
        config = self._api.config
        key = "'<set>'" if config.api_key else None
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key}, "
            f"proxy_mode={config.proxy_mode})"
        )

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
    ) -> AsyncFlowscale:
        """A client sharing this one's connections and headers, with other limits.

        Args:
            timeout: Seconds or an `httpx.Timeout` for each request (None: unchanged).
            max_retries: Retries of each request (None: unchanged).

        Returns:
            A new client; closing it is a no-op (the connections are this client's).

        Raises:
            TypeError: A limit of the wrong type or range.
        """
        config = self._api.config
        if timeout is not None:
            config = attrs.evolve(config, timeout=to_timeout(timeout))
        if max_retries is not None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
                raise TypeError(f"max_retries must be an int >= 0, not {max_retries!r}")
            config = attrs.evolve(config, retry=attrs.evolve(config.retry, max_retries=max_retries))
        clone = object.__new__(type(self))
        clone._api = AsyncAPI(config, self._api.http)  # not owned: closing the clone is a no-op
        clone._ops = AsyncOperations(clone._api, stream_read_timeout=self._ops.stream_read_timeout)
        clone._ops.events_unavailable = self._ops.events_unavailable
        clone._lowlevel = None
        return clone

    def update_custom_headers(self, headers: Mapping[str, str]) -> None:
        """Add or replace custom headers sent with every API request (e.g. a fresh JWT).
        Clients made by `with_options` share them.

        Args:
            headers: Header names to values.

        Raises:
            TypeError: Not a mapping of str to str.
            ValueError: An illegal header name, or a value with a control or non-ASCII
                character (checked now, not at the next request).
        """
        self._api.config.custom_headers.update(check_headers(headers))

    def get_custom_headers(self) -> dict[str, str]:
        """A copy of the custom headers sent with every API request."""
        return dict(self._api.config.custom_headers)

    def clear_custom_headers(self) -> None:
        """Stop sending custom headers (the API key, if any, is still sent)."""
        self._api.config.custom_headers.clear()

    async def aclose(self) -> None:
        """Close the connections (unless the HTTP client was passed in). Idempotent; any
        later call raises `ClientClosedError`."""
        await self._api.aclose()

    async def __aenter__(self) -> AsyncFlowscale:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # ---- plumbing -------------------------------------------------------------------------

    async def _wait(
        self,
        tracker: RunTracker,
        deadline: Deadline,
        limit: float | None,
        interval: float,
        callbacks: tuple[Callable[[Update], Any] | None, Callable[[RunEvent], Any] | None],
        cancel_on: tuple[bool, bool],
    ) -> RunResult:
        from ._wait import AsyncRunWaiter

        waiter = AsyncRunWaiter(
            self._ops,
            tracker,
            deadline=deadline,
            timeout=limit,
            poll_interval=interval,
            on_update=callbacks[0],
            on_event=callbacks[1],
            cancel_on_timeout=cancel_on[0],
            cancel_on_interrupt=cancel_on[1],
        )
        return await waiter.wait()

    async def _execute(
        self,
        workflow_id: str,
        inputs: Mapping[str, Any],
        group_id: str | None,
        deadline: Deadline,
        upload_progress: ProgressCallback | None = None,
    ) -> SubmittedRun:
        _check_id("workflow_id", workflow_id)
        if group_id is not None:
            _check_id("group_id", group_id)
        from .._inputs import encode_inputs
        from ._download import check_progress

        check_progress(upload_progress)
        body = encode_inputs(inputs)  # TypeError before any request
        if upload_progress is not None:
            body = body.with_progress(upload_progress)
        return await self._ops.execute_workflow(workflow_id, body, group_id, deadline)

    # ---- the cluster ----------------------------------------------------------------------

    async def check_health(self) -> list[ContainerHealth]:
        """Status of each ComfyUI container of the deployment.

        Returns:
            One `ContainerHealth` per container.

        Raises:
            APIStatusError: An error reply (`AuthenticationError` for a bad key, ...).
            APIConnectionError: No reply (after the retries).
            ResponseValidationError: A reply this SDK cannot read.
        """
        return await self._ops.check_health()

    async def get_queue(self) -> list[ContainerQueue]:
        """Running and pending ComfyUI queue entries of each container.

        Returns:
            One `ContainerQueue` per container.

        Raises:
            APIStatusError: An error reply.
            APIConnectionError: No reply (after the retries).
            ResponseValidationError: A reply this SDK cannot read.
        """
        return await self._ops.get_queue()

    async def get_workflows(self) -> list[Workflow]:
        """The deployed workflows, with their inputs and outputs decoded.

        Returns:
            One `Workflow` per deployed workflow.

        Raises:
            APIStatusError: An error reply.
            APIConnectionError: No reply (after the retries).
            ResponseValidationError: A reply this SDK cannot read.
        """
        return await self._ops.get_workflows()

    # ---- runs -----------------------------------------------------------------------------

    async def get_run(self, run_id: str) -> Run:
        """One run, with its status, inputs, outputs and error.

        Args:
            run_id: The run's id.

        Returns:
            The `Run` (`run.raw` is the server's JSON object, unknown fields included).

        Raises:
            TypeError: `run_id` is not a non-empty str.
            NotFoundError: No such run.
            APIStatusError: Another error reply.
            APIConnectionError: No reply (after the retries).
            ResponseValidationError: A reply this SDK cannot read.
        """
        return await self._ops.get_run(_check_id("run_id", run_id))

    async def get_runs(
        self,
        group_id: str | None = None,
        *,
        sort_by: SortBy = "created_at",
        sort_order: SortOrder = "desc",
        page: int = 1,
        page_size: int = 10,
    ) -> RunPage:
        """One page of runs, of one group or of the whole team.

        Args:
            group_id: Only the runs of this group (None: every run of the team).
            sort_by: `"created_at"`, `"started_at"` or `"completed_at"`.
            sort_order: `"asc"` or `"desc"`.
            page: The page, from 1.
            page_size: Runs per page, 1 to 100.

        Returns:
            The `RunPage` (iterable over its runs; `has_next` for more).

        Raises:
            TypeError: An argument of the wrong type.
            ValueError: A sort key or page number out of range.
            APIStatusError: An error reply.
            APIConnectionError: No reply (after the retries).
            ResponseValidationError: A reply this SDK cannot read.
        """
        if group_id is not None:
            _check_id("group_id", group_id)
        for name, value, top in (("page", page, None), ("page_size", page_size, 100)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {value!r}")
            if value < 1 or (top is not None and value > top):
                limits = f"between 1 and {top}" if top else "at least 1"
                raise ValueError(f"{name} must be {limits}, not {value}")
        return await self._ops.get_runs(
            group_id=group_id,
            sort_by=sort_by,
            sort_order=sort_order,
            page=page,
            page_size=page_size,
        )

    async def iter_runs(
        self,
        group_id: str | None = None,
        *,
        sort_by: SortBy = "created_at",
        sort_order: SortOrder = "desc",
        page_size: int = 100,
    ) -> AsyncIterator[Run]:
        """Every run, page after page (arguments as for `get_runs`).

        Returns:
            An async iterator of `Run`s; each page is fetched when the previous one is used up.

        Raises:
            FlowscaleError: The errors of `get_runs`, when a page is fetched.
        """
        page = 1
        while True:
            result = await self.get_runs(
                group_id, sort_by=sort_by, sort_order=sort_order, page=page, page_size=page_size
            )
            for item in result.runs:  # noqa: RUF100, UP028 (no `yield from` in async generators)
                yield item
            if not result.has_next or not result.runs:
                return
            page += 1

    async def cancel_run(self, run_id: str) -> str:
        """Cancel a run in any state (cancelling an ended run changes nothing).

        Args:
            run_id: The run's id.

        Returns:
            The server's message.

        Raises:
            TypeError: `run_id` is not a non-empty str.
            NotFoundError: No such run.
            APIStatusError: Another error reply.
            APIConnectionError: No reply (after the retries).
        """
        return await self._ops.cancel_run(_check_id("run_id", run_id))

    async def get_output(self, filename: str) -> Output | None:
        """One output by name.

        Args:
            filename: An output name from the run's `output_names` (extension optional).

        Returns:
            The `Output`, or None while it is not ready.

        Raises:
            TypeError: `filename` is not a non-empty str.
            OutputTimedOutError: The server gave up producing it (408).
            NotFoundError: No such output.
            APIStatusError: Another error reply.
            APIConnectionError: No reply (after the retries).
        """
        return await self._ops.get_output(_check_id("filename", filename))

    async def execute_workflow(
        self,
        workflow_id: str,
        inputs: Mapping[str, Any],
        group_id: str | None = None,
        *,
        upload_progress: ProgressCallback | None = None,
    ) -> SubmittedRun:
        """Start a run and return at once with its `run_id`.

        Input values: str, int, float, bool, dict/list (as JSON), pathlib.Path (streamed
        from disk), bytes, binary file objects and `flowscale.File`. A str is never read as a
        path.

        Args:
            workflow_id: The deployed workflow's id.
            inputs: Input field names (e.g. `text_51536`) to values.
            group_id: A group to file the run under.
            upload_progress: Called as the file inputs are sent with `(bytes_sent,
                total)` (`total` None when a stream's length is unknown; from 0 again if
                the request is retried).

        Returns:
            The `SubmittedRun` (run_id, workflow_id).

        Raises:
            TypeError: An argument or input value of the wrong type (before any request).
            RunMayExistError: The request failed after it was sent: it was not retried, to
                avoid a duplicate run (look for the run with `get_runs()`).
            ValidationError: The server rejected the inputs (422).
            APIStatusError: Another error reply.
            APIConnectionError: No reply, and provably no run created.
        """
        return await self._execute(workflow_id, inputs, group_id, NO_DEADLINE, upload_progress)

    async def wait_for_run(
        self,
        run_id: str,
        *,
        poll_interval: float = 2.0,
        timeout: float | None = 600.0,
        on_intermediate_response: Callable[[Update], Any] | None = None,
        on_event: Callable[[RunEvent], Any] | None = None,
        cancel_on_timeout: bool = False,
        cancel_on_interrupt: bool = False,
        workflow_id: str | None = None,
    ) -> RunResult:
        """Wait for a run started earlier or elsewhere, and return its outputs.

        Follows the run's event stream, falling back to polling every `poll_interval`
        seconds.

        Args:
            run_id: The run's id.
            poll_interval: Seconds between polls, when polling.
            timeout: Seconds for the whole wait (None: no limit).
            on_intermediate_response: Called with each `Update` (status, outputs, retries).
            on_event: Called with each raw `RunEvent`.
            cancel_on_timeout: Cancel the run when the wait times out.
            cancel_on_interrupt: Cancel the run on Ctrl-C / task cancellation.
            workflow_id: The run's workflow, for the result (optional).

        Returns:
            The `RunResult` with every output.

        Raises:
            RunFailedError: The run failed (as soon as it does).
            RunCancelledError: The run was cancelled.
            RunTimeoutError: `timeout` passed first.
            TypeError / ValueError: A bad argument (before any request).
            APIStatusError: An error reply that waiting cannot get past (e.g. a bad key).
        """
        from .._tracker import RunTracker

        _check_id("run_id", run_id)
        if workflow_id is not None:
            _check_id("workflow_id", workflow_id)
        interval, limit = check_wait_arguments(
            poll_interval,
            timeout,
            on_intermediate_response=on_intermediate_response,
            on_event=on_event,
            cancel_on_timeout=cancel_on_timeout,
            cancel_on_interrupt=cancel_on_interrupt,
            blocking=BLOCKING,
        )
        return await self._wait(
            RunTracker(run_id, workflow_id),
            Deadline.after(limit),
            limit,
            interval,
            (on_intermediate_response, on_event),
            (cancel_on_timeout, cancel_on_interrupt),
        )

    async def execute_workflow_async(
        self,
        workflow_id: str,
        inputs: Mapping[str, Any],
        group_id: str | None = None,
        poll_interval: float = 2.0,
        timeout: float | None = 600.0,
        *,
        on_intermediate_response: Callable[[Update], Any] | None = None,
        on_event: Callable[[RunEvent], Any] | None = None,
        cancel_on_timeout: bool = False,
        cancel_on_interrupt: bool = False,
        upload_progress: ProgressCallback | None = None,
    ) -> RunResult:
        """Start a run and wait for every output (the JS SDK's `executeWorkflowAsync`).

        Updates of the kinds `workflow_submitted`, `run_status`, `output_status`,
        `poll_retry` and `completed` go to `on_intermediate_response`; raw run events to
        `on_event`.

        Args:
            workflow_id: As for `execute_workflow`.
            inputs: As for `execute_workflow`.
            group_id: As for `execute_workflow`.
            poll_interval: As for `wait_for_run`.
            timeout: Seconds for the whole call, the start request included (None: no
                limit).
            on_intermediate_response: As for `wait_for_run`.
            on_event: As for `wait_for_run`.
            cancel_on_timeout: As for `wait_for_run`.
            cancel_on_interrupt: As for `wait_for_run`.
            upload_progress: As for `execute_workflow`.

        Returns:
            The `RunResult` with every output.

        Raises:
            FlowscaleError: The errors of `execute_workflow` and `wait_for_run`.
            RunTimeoutError: Also when the start request gets no answer within `timeout`.
        """
        interval, limit = check_wait_arguments(
            poll_interval,
            timeout,
            on_intermediate_response=on_intermediate_response,
            on_event=on_event,
            cancel_on_timeout=cancel_on_timeout,
            cancel_on_interrupt=cancel_on_interrupt,
            blocking=BLOCKING,
        )
        deadline = Deadline.after(limit)
        try:
            submitted = await self._execute(
                workflow_id, inputs, group_id, deadline, upload_progress
            )
        except (RunMayExistError, APIConnectionError) as exc:
            if not deadline.expired():
                raise
            raise RunTimeoutError(
                f"starting workflow {workflow_id} timed out: no answer within {limit} s; the "
                "run may exist: look for it with get_runs()",
                run_id=None,
            ) from exc
        from .._tracker import RunTracker
        from .._updates import WorkflowSubmitted

        await call(
            on_intermediate_response, WorkflowSubmitted(submitted.run_id, submitted.workflow_id)
        )
        # The rest is wait_for_run, under the deadline that the start request began.
        return await self._wait(
            RunTracker(submitted.run_id, submitted.workflow_id),
            deadline,
            limit,
            interval,
            (on_intermediate_response, on_event),
            (cancel_on_timeout, cancel_on_interrupt),
        )

    def subscribe_run_events(
        self,
        run_id: str,
        *,
        from_seq: int | None = None,
        max_reconnects: int | None = None,
        timeout: float | None = None,
    ) -> AsyncRunEventStream:
        """The run's typed events as an async iterator (use it with `async with`).

        Replays from `from_seq` (default: the first event), resumes after dropped
        connections, skips keep-alives and duplicates, and ends after the final event.
        `await stream.dispatch(on_event=..., on_error=..., on_close=...)` is the callback
        style of the JS SDK.

        Args:
            run_id: The run's id.
            from_seq: The first sequence number wanted.
            max_reconnects: Failed reconnects in a row (without a new event) before giving
                up; default the client's `max_retries`.
            timeout: Seconds for the whole subscription, every reconnect included (None: no
                limit; each silence is still bounded by `stream_read_timeout`). Iterating
                raises `APITimeoutError` once it passes.

        Returns:
            The `AsyncRunEventStream` (nothing is sent until it is iterated).

        Raises:
            TypeError: A bad argument. Iterating raises `APIConnectionError` once the
                stream keeps failing, `EventStreamUnavailableError` if the server has no
                event stream.
        """
        from ._stream import AsyncRunEventStream

        return AsyncRunEventStream(
            self._ops,
            _check_id("run_id", run_id),
            from_seq=from_seq,
            read_timeout=self._ops.stream_read_timeout,
            max_reconnects=max_reconnects,
            deadline=Deadline.after(check_timeout(timeout)),
        )

    # ---- outputs --------------------------------------------------------------------------

    async def download_output(
        self,
        output: Output,
        path_or_dir: str | os.PathLike[str],
        *,
        overwrite: bool = True,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> pathlib.Path:
        """Save one output to a file (or into a folder, under its own name).

        Verified against the API's record: the size comes from `output.size` when the API
        gave it (else the host's Content-Length); a short or oversized body, an HTML error
        page or a lying Content-Length is a `DownloadError`, and no more than that size is
        ever read. The bytes go to a hidden partial file renamed into place only when
        complete, so on failure an old file at the path stays untouched (a partial file
        left by a killed process is removed by the next download to the same path). A body
        that breaks off is resumed where it stopped (a Range request); an expired link
        (403) of an output the API returned is refreshed once through `get_output`. Text
        outputs are written as their content. The API gives no checksum to verify.

        Args:
            output: The `Output` (from a `RunResult` or `get_output`).
            path_or_dir: A file path, or an existing folder.
            overwrite: Replace an existing file.
            progress: Called as bytes arrive with `(bytes_done, total)`; `total` is None
                when the size is unknown.
            timeout: Seconds for the whole download, retries included (None: no limit
                beyond the client's per-request timeout).

        Returns:
            The path written.

        Raises:
            TypeError: `output` is not an `Output`, or `progress` is not callable.
            FileExistsError: The file exists and `overwrite` is False.
            DownloadError: The link failed or expired, or the body did not match (after the
                retries); nothing is left at the path.
            APIConnectionError: The file host could not be reached (after the retries).
        """
        from .._paths import target_path
        from ._download import check_progress, download_to

        _check_output(output)
        check_progress(progress)
        deadline = Deadline.after(check_timeout(timeout))
        return await download_to(
            self._api,
            output,
            target_path(output, path_or_dir),
            overwrite=overwrite,
            deadline=deadline,
            progress=progress,
            refresh=self._ops,
        )

    async def write_output(
        self,
        output: Output,
        file: BinaryIO,
        *,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> int:
        """Write one output into a binary file object of yours (a file open in "wb", a
        `BytesIO`, a socket's file...), verified as `download_output` verifies.

        Bytes are written as they arrive: when a `DownloadError` is raised, `file` may hold
        part of the output (use `download_output` for all-or-nothing files).

        Args:
            output: The `Output`.
            file: Anything with a binary `write(bytes)`; it is not closed.
            progress: Called as bytes arrive with `(bytes_done, total)`.
            timeout: Seconds for the whole download, retries included.

        Returns:
            The number of bytes written.

        Raises:
            TypeError: `output` is not an `Output`, `file` is not a binary file object, or
                `progress` is not callable.
            DownloadError: As for `download_output`.
            APIConnectionError: The file host could not be reached (after the retries).
        """
        from ._download import check_progress, write_output

        _check_output(output)
        check_progress(progress)
        if isinstance(file, io.TextIOBase) or not callable(getattr(file, "write", None)):
            raise TypeError(f"file must be a binary file object, not {type(file).__name__}")
        return await write_output(
            self._api,
            output,
            file,
            deadline=Deadline.after(check_timeout(timeout)),
            progress=progress,
            refresh=self._ops,
        )

    async def read_output(
        self,
        output: Output,
        *,
        max_size: int = DEFAULT_MAX_READ,
        offset: int = 0,
        length: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> bytes:
        """An output's bytes, in memory (verified as `download_output` verifies).

        Args:
            output: The `Output`.
            max_size: The most bytes to hold (256 MiB by default); a larger output raises
                `OutputTooLargeError`, before the download when `output.size` tells.
            offset: The first byte to read (a Range request when the host supports it).
            length: How many bytes from `offset` (None: to the end).
            progress: Called as bytes arrive with `(bytes_done, total)`.
            timeout: Seconds for the whole read, retries included.

        Returns:
            The bytes.

        Raises:
            TypeError / ValueError: A bad argument (before any request).
            OutputTooLargeError: More than `max_size` bytes.
            DownloadError: As for `download_output`.
            APIConnectionError: The file host could not be reached (after the retries).
        """
        from ._download import check_progress, check_range, read_output

        _check_output(output)
        check_range(offset, length)
        check_progress(progress)
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 0:
            raise ValueError(f"max_size must be an int >= 0, not {max_size!r}")
        return await read_output(
            self._api,
            output,
            max_size=max_size,
            offset=offset,
            length=length,
            deadline=Deadline.after(check_timeout(timeout)),
            progress=progress,
            refresh=self._ops,
        )

    def stream_output(
        self,
        output: Output,
        *,
        offset: int = 0,
        length: int | None = None,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> AsyncOutputStream:
        """An output as chunks of bytes, as they arrive; use it as a context manager.

            async with client.stream_output(output) as chunks:
                async for chunk in chunks:
                    sink.write(chunk)

        Verified as `download_output` verifies (a mismatch raises while iterating); memory
        stays at one transport chunk (64 KiB) whatever the size.

        Args:
            output: The `Output`.
            offset: The first byte (a Range request when the host supports it).
            length: How many bytes from `offset` (None: to the end).
            progress: Called as bytes arrive with `(bytes_done, total)`.
            timeout: Seconds for the whole download, retries included.

        Returns:
            An `AsyncOutputStream` (nothing is requested until the first chunk is asked for).

        Raises:
            TypeError / ValueError: A bad argument.
        """
        from ._download import (
            AsyncOutputStream,
            check_progress,
            check_range,
            iter_output,
            window_size,
        )

        _check_output(output)
        check_range(offset, length)
        check_progress(progress)
        chunks = iter_output(
            self._api,
            output,
            offset=offset,
            length=length,
            deadline=Deadline.after(check_timeout(timeout)),
            progress=progress,
            refresh=self._ops,
        )
        return AsyncOutputStream(chunks, output, window_size(output, offset, length))

    async def download_outputs(
        self,
        result: RunResult | Sequence[Output],
        directory: str | os.PathLike[str],
        *,
        overwrite: bool = True,
        concurrency: int = 4,
        progress: ProgressCallback | None = None,
        timeout: float | None = None,
    ) -> list[pathlib.Path]:
        """Save every output of a run into `directory` (created if needed).

        Each file is verified and renamed into place as by `download_output`. The blocking
        client runs `concurrency` downloads in threads, the asyncio client in tasks.

        Args:
            result: A `RunResult` or a sequence of `Output`s.
            directory: The folder; names that clash or are unsafe are made unique and safe.
            overwrite: Replace existing files.
            concurrency: Downloads at a time.
            progress: Called with `(bytes_done, total)` over all the outputs together
                (`total` None unless the API gave every file's size).
            timeout: Seconds for all the downloads together (None: no limit).

        Returns:
            The paths, in the order of the outputs.

        Raises:
            TypeError / ValueError: A bad argument (before any download).
            DownloadError, APIConnectionError, FileExistsError: As for `download_output`.
        """
        from .._paths import unique_targets
        from ._download import ProgressTotal, check_progress, download_to

        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be an int >= 1, not {concurrency!r}")
        check_progress(progress)
        outputs = list(result)
        for item in outputs:
            _check_output(item)
        deadline = Deadline.after(check_timeout(timeout))
        folder = pathlib.Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        pairs = list(zip(outputs, unique_targets(outputs, folder), strict=True))
        overall = ProgressTotal(outputs, progress)

        async def save(index_pair: tuple[int, tuple[Output, pathlib.Path]]) -> pathlib.Path:
            index, (output, target) = index_pair
            return await download_to(
                self._api,
                output,
                target,
                overwrite=overwrite,
                progress=overall.part(index),
                refresh=self._ops,
                deadline=deadline,
            )

        return await map_bounded(save, list(enumerate(pairs)), concurrency)

    # ---- batches --------------------------------------------------------------------------

    def run_batch(
        self,
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
    ) -> AsyncBatch:
        """Run a workflow once per row of `rows` (input mappings, read lazily), at most
        `concurrency` at a time, slowing down on 429/503 instead of failing rows.

        Iterate the batch for each row's `RowResult` as it finishes; `batch.summary` follows.
        `inputs` are common to every row. `manifest` (a file path) records each row's state
        so that running the same batch again resumes it exactly once: finished rows are
        skipped, started runs are waited for, a lost start request is looked up by the row's
        group id. `out_dir` saves each row's outputs into a folder of its own.
        `retry_failed=K` re-runs a failed row up to K times; `timeout` bounds each row's
        attempt whole (its start, the lookups of a lost reply, the wait); a row past it
        before its run is confirmed ends unfinished and a resume looks for that run first.
        See the README's "Batch runs".
        """
        from ._batch import AsyncBatch

        return AsyncBatch(
            self,
            workflow_id,
            rows,
            inputs=inputs,
            concurrency=concurrency,
            manifest=manifest,
            out_dir=out_dir,
            retry_failed=retry_failed,
            timeout=timeout,
            poll_interval=poll_interval,
            cancel_in_flight=cancel_in_flight,
            shard=shard,
        )
