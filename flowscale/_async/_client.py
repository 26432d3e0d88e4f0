"""The client: every operation of the Flowscale API."""

from __future__ import annotations

import os
import pathlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import attrs
import httpx

from .. import _convert as convert
from .._async_utils import call, map_bounded
from .._batch import BatchRow, Shard
from .._config import ClientConfig, check_headers, to_timeout
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIConnectionError, RunMayExistError, RunTimeoutError
from .._events import RunEvent
from .._inputs import encode_inputs
from .._operations import api_models, request_args, unset
from .._paths import target_path, unique_targets
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
from .._updates import Update, WorkflowSubmitted
from ._download import download_to
from ._http import AsyncAPI
from ._stream import AsyncRunEventStream
from ._wait import AsyncRunWaiter

if TYPE_CHECKING:
    from ._batch import AsyncBatch

__all__ = ["AsyncFlowscale"]

SortBy = Literal["created_at", "started_at", "completed_at"]
SortOrder = Literal["asc", "desc"]


def _check_id(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty str, not {value!r}")
    return value


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise TypeError(f"{name} must be a positive number of seconds, not {value!r}")
    return float(value)


def _limit(value: Any) -> float | None:
    return None if value is None else _seconds("timeout", value)


def _wait_args(poll_interval: Any, timeout: Any) -> tuple[float, float | None]:
    interval = _seconds("poll_interval", poll_interval)
    if interval > 3600:
        # The vendor's Python SDK takes milliseconds (timeout_ms, poll_interval_ms).
        raise ValueError(
            f"poll_interval is in seconds: {interval:g} s between polls is surely milliseconds"
        )
    return interval, _limit(timeout)


class AsyncFlowscale:
    """Client of one Flowscale deployment, for asyncio.

    `api_key` and `base_url` default to `FLOWSCALE_API_KEY` / `FLOWSCALE_API_URL`. `timeout`
    (seconds or an `httpx.Timeout`) bounds each request; `max_retries` bounds retries of
    each request. `proxy_mode=True` sends no API key, for a backend of yours that adds it;
    `custom_headers` go with every API request (never to output download hosts).
    `http_client` lets you bring your own `httpx.AsyncClient` (it is then yours to close).
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
        )
        self._api = AsyncAPI(config, http_client)
        self._stream_read_timeout = _seconds("stream_read_timeout", stream_read_timeout)
        self._events_unavailable = False  # set once the server proves it has no event stream

    # ---- configuration --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return str(self._api.config.base_url)

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
        """A client sharing this one's connections, with other limits for some calls."""
        config = self._api.config
        if timeout is not None:
            config = attrs.evolve(config, timeout=to_timeout(timeout))
        if max_retries is not None:
            if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
                raise TypeError(f"max_retries must be an int >= 0, not {max_retries!r}")
            config = attrs.evolve(config, retry=attrs.evolve(config.retry, max_retries=max_retries))
        clone = object.__new__(type(self))
        clone._api = AsyncAPI(config, self._api.http)  # not owned: closing the clone is a no-op
        clone._stream_read_timeout = self._stream_read_timeout
        clone._events_unavailable = self._events_unavailable
        return clone

    def update_custom_headers(self, headers: Mapping[str, str]) -> None:
        """Add or replace custom headers sent with every API request (e.g. a fresh JWT).
        Clients made by `with_options` share them."""
        self._api.config.custom_headers.update(check_headers(headers))

    def get_custom_headers(self) -> dict[str, str]:
        return dict(self._api.config.custom_headers)

    def clear_custom_headers(self) -> None:
        self._api.config.custom_headers.clear()

    async def aclose(self) -> None:
        """Close the connections (unless the HTTP client was passed in)."""
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

    async def _call(
        self,
        kwargs: dict[str, Any],
        *,
        deadline: Deadline = NO_DEADLINE,
        final_statuses: Sequence[int] = (),
    ) -> httpx.Response:
        return await self._api.send(
            kwargs["method"].upper(),
            self._api.url(kwargs["url"]),
            params=kwargs.get("params"),
            headers=kwargs.get("headers"),
            deadline=deadline,
            final_statuses=final_statuses,
        )

    async def _get_run(self, run_id: str, deadline: Deadline) -> Run:
        response = await self._call(request_args("get_run", run_id), deadline=deadline)
        return convert.parse(response, convert.run)

    async def _get_output(self, filename: str, deadline: Deadline) -> Output | None:
        response = await self._call(
            request_args("get_output", filename=filename), deadline=deadline, final_statuses=(408,)
        )
        if response.status_code == 204:
            return None
        return convert.parse(response, lambda body: convert.output(body, filename))

    async def _cancel_run(self, run_id: str, deadline: Deadline) -> str:
        response = await self._call(request_args("cancel_run", run_id), deadline=deadline)
        return convert.parse(response, convert.cancelled)

    async def _wait(
        self,
        tracker: RunTracker,
        deadline: Deadline,
        limit: float | None,
        interval: float,
        callbacks: tuple[Callable[[Update], Any] | None, Callable[[RunEvent], Any] | None],
        cancel_on: tuple[bool, bool],
    ) -> RunResult:
        waiter = AsyncRunWaiter(
            self,
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
    ) -> SubmittedRun:
        _check_id("workflow_id", workflow_id)
        if group_id is not None:
            _check_id("group_id", group_id)
        body = encode_inputs(inputs)  # TypeError before any request
        kwargs = request_args(
            "execute_workflow",
            workflow_id=workflow_id,
            group_id=unset() if group_id is None else group_id,
        )
        response = await self._api.send(
            "POST",
            self._api.url(kwargs["url"]),
            params=kwargs["params"],
            body=body,
            idempotent=False,
            deadline=deadline,
            workflow_id=workflow_id,
        )
        return convert.parse(response, lambda b: convert.submitted(b, workflow_id))

    # ---- the cluster ----------------------------------------------------------------------

    async def check_health(self) -> list[ContainerHealth]:
        """Status of each ComfyUI container of the deployment."""
        return convert.parse(await self._call(request_args("check_health")), convert.health)

    async def get_queue(self) -> list[ContainerQueue]:
        """Running and pending ComfyUI queue entries of each container."""
        return convert.parse(await self._call(request_args("get_queue")), convert.queue)

    async def get_workflows(self) -> list[Workflow]:
        """The deployed workflows, with their inputs and outputs decoded."""
        return convert.parse(await self._call(request_args("get_workflows")), convert.workflows)

    # ---- runs -----------------------------------------------------------------------------

    async def get_run(self, run_id: str) -> Run:
        return await self._get_run(_check_id("run_id", run_id), NO_DEADLINE)

    async def get_runs(
        self,
        group_id: str | None = None,
        *,
        sort_by: SortBy = "created_at",
        sort_order: SortOrder = "desc",
        page: int = 1,
        page_size: int = 10,
    ) -> RunPage:
        """One page of runs, of one group or of the whole team."""
        if group_id is not None:
            _check_id("group_id", group_id)
        models = api_models()
        try:
            by, order = models.GetRunsSortBy(sort_by), models.GetRunsSortOrder(sort_order)
        except ValueError:
            raise ValueError(
                f"sort_by must be one of {[m.value for m in models.GetRunsSortBy]} and "
                f"sort_order one of {[m.value for m in models.GetRunsSortOrder]}, "
                f"not {sort_by!r}/{sort_order!r}"
            ) from None
        for name, value, top in (("page", page, None), ("page_size", page_size, 100)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {value!r}")
            if value < 1 or (top is not None and value > top):
                limits = f"between 1 and {top}" if top else "at least 1"
                raise ValueError(f"{name} must be {limits}, not {value}")
        kwargs = request_args(
            "get_runs",
            group_id=unset() if group_id is None else group_id,
            sort_by=by,
            sort_order=order,
            page=page,
            page_size=page_size,
        )
        return convert.parse(await self._call(kwargs), lambda b: convert.run_page(b, page))

    async def iter_runs(
        self,
        group_id: str | None = None,
        *,
        sort_by: SortBy = "created_at",
        sort_order: SortOrder = "desc",
        page_size: int = 100,
    ) -> AsyncIterator[Run]:
        """Every run, page after page."""
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
        """Cancel a run in any state; returns the server's message."""
        return await self._cancel_run(_check_id("run_id", run_id), NO_DEADLINE)

    async def get_output(self, filename: str) -> Output | None:
        """One output by name; None while it is not ready."""
        return await self._get_output(_check_id("filename", filename), NO_DEADLINE)

    async def execute_workflow(
        self, workflow_id: str, inputs: Mapping[str, Any], group_id: str | None = None
    ) -> SubmittedRun:
        """Start a run and return at once with its `run_id`.

        Input values: str, int, float, bool, dict/list (as JSON), pathlib.Path (streamed
        from disk), bytes, binary file objects and `flowscale.File`. A str is never read as a
        path. The request is retried only when it cannot have created a run; otherwise a
        failure raises `RunMayExistError`.
        """
        return await self._execute(workflow_id, inputs, group_id, NO_DEADLINE)

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
        seconds. Raises `RunFailedError` / `RunCancelledError` as soon as the run ends that
        way, and `RunTimeoutError` after `timeout` seconds (None: no limit).
        """
        _check_id("run_id", run_id)
        interval, limit = _wait_args(poll_interval, timeout)
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
    ) -> RunResult:
        """Start a run and wait for every output (the JS SDK's `executeWorkflowAsync`).

        `timeout` bounds the whole call, the start request included. Updates of the kinds
        `workflow_submitted`, `run_status`, `output_status`, `poll_retry` and `completed` go
        to `on_intermediate_response`; raw run events to `on_event`.
        """
        interval, limit = _wait_args(poll_interval, timeout)
        deadline = Deadline.after(limit)
        try:
            submitted = await self._execute(workflow_id, inputs, group_id, deadline)
        except (RunMayExistError, APIConnectionError) as exc:
            if not deadline.expired():
                raise
            raise RunTimeoutError(
                f"no answer to starting workflow {workflow_id} within {limit} s; the run may "
                "exist: look for it with get_runs()",
                run_id=None,
            ) from exc
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
        max_reconnects: int = 5,
    ) -> AsyncRunEventStream:
        """The run's typed events as an async iterator (use it with `async with`).

        Replays from `from_seq` (default: the first event), resumes after dropped
        connections, skips keep-alives and duplicates, and ends after the final event.
        `await stream.dispatch(on_event=..., on_error=..., on_close=...)` is the callback
        style of the JS SDK.
        """
        return AsyncRunEventStream(
            self._api,
            run_id,
            from_seq=from_seq,
            read_timeout=self._stream_read_timeout,
            max_reconnects=max_reconnects,
        )

    # ---- outputs --------------------------------------------------------------------------

    async def download_output(
        self,
        output: Output,
        path_or_dir: str | os.PathLike[str],
        *,
        overwrite: bool = True,
    ) -> pathlib.Path:
        """Save one output to a file (or into a folder, under its own name).

        Streamed to a temporary file, renamed into place only when complete and of the
        expected size. Text outputs are written as their content. Returns the path.
        """
        if not isinstance(output, Output):
            raise TypeError(f"output must be a flowscale.Output, not {type(output).__name__}")
        return await download_to(
            self._api, output, target_path(output, path_or_dir), overwrite=overwrite
        )

    async def download_outputs(
        self,
        result: RunResult | Sequence[Output],
        directory: str | os.PathLike[str],
        *,
        overwrite: bool = True,
        concurrency: int = 4,
    ) -> list[pathlib.Path]:
        """Save every output of a run into `directory` (created if needed); returns the
        paths in the order of the outputs."""
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency must be an int >= 1, not {concurrency!r}")
        outputs = list(result)
        for item in outputs:
            if not isinstance(item, Output):
                raise TypeError(f"expected flowscale.Output items, not {type(item).__name__}")
        folder = pathlib.Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        pairs = list(zip(outputs, unique_targets(outputs, folder), strict=True))

        async def save(pair: tuple[Output, pathlib.Path]) -> pathlib.Path:
            return await download_to(self._api, pair[0], pair[1], overwrite=overwrite)

        return await map_bounded(save, pairs, concurrency)

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
        wait. See the README's "Batch runs".
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
