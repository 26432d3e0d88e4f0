"""Sending one request: credentials, timeouts, retries, and turning failures into errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import httpx

from .._async_utils import current_loop, sleep
from .._config import ClientConfig
from .._convert import safe_url, status_error
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIConnectionError, APITimeoutError, RunMayExistError
from .._inputs import EncodedInputs
from .._retry import RetryPolicy, is_ambiguous

__all__ = ["AsyncAPI"]

logger = logging.getLogger("flowscale")

DEFAULT_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=64)


class AsyncAPI:
    """Owns the HTTP client and the one retry loop every call of the client goes through."""

    def __init__(self, config: ClientConfig, http_client: httpx.AsyncClient | None) -> None:
        self.config = config
        self._owns_http = http_client is None
        self.http: httpx.AsyncClient = http_client or self._new_http()
        self._loop: object | None = None

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it (one passed in stays its owner's)."""
        if self._owns_http:
            self._check_loop()  # a pool of a finished event loop cannot be closed from this one
            await self.http.aclose()

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of an API path (`/api/v1/...`), under the base URL's own path."""
        return httpx.URL(str(self.config.base_url) + path)

    async def send(
        self,
        method: str,
        url: httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: EncodedInputs | None = None,
        idempotent: bool = True,
        stream: bool = False,
        deadline: Deadline = NO_DEADLINE,
        timeout: httpx.Timeout | None = None,
        final_statuses: Collection[int] = (),
        workflow_id: str | None = None,
        credentials: bool | None = None,
        retry: RetryPolicy | None = None,
    ) -> httpx.Response:
        """Send with retries; return a response below 400, raise a `FlowscaleError` otherwise.

        With `stream=True` the caller must close the returned response. Credentials and
        custom headers go only to the configured API origin (`credentials=False`: never).
        `final_statuses` are error statuses that mean the same on every try (never retried).
        """
        self._check_loop()
        policy = retry or self.config.retry
        to_api = self.config.is_api_origin(url) if credentials is None else credentials
        replayable = body is None or body.replayable
        attempt = 0
        while True:
            attempt += 1
            request_headers = self.config.api_headers() if to_api else {}
            if headers:
                request_headers.update(headers)
            request_timeout = deadline.bound(timeout or self.config.timeout)
            started = time.perf_counter()
            opened: AbstractContextManager[dict[str, Any]] = (
                body.open() if body is not None else nullcontext({})
            )
            try:
                with opened as body_args:
                    request = self.http.build_request(
                        method,
                        url,
                        params=params,
                        headers=request_headers,
                        timeout=request_timeout,
                        **body_args,
                    )
                    # Redirects are never followed here: httpx would resend the API key.
                    response = await self.http.send(request, stream=True, follow_redirects=False)
                if response.status_code >= 400 or not stream:
                    response = await _read_body(response, deadline)
            except httpx.RequestError as exc:
                delay = policy.delay_for_error(attempt, exc, idempotent=idempotent)
                if delay is None or not replayable or not _fits(deadline, delay):
                    raise _connection_error(exc, method, url, idempotent, workflow_id) from exc
                _log_retry(method, url, attempt, delay, type(exc).__name__)
                await sleep(delay)
                continue
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> %d (%.0f ms)",
                    method,
                    safe_url(url) if not to_api else url,
                    response.status_code,
                    (time.perf_counter() - started) * 1000,
                )
            if response.status_code < 400:
                return response
            delay = None
            if response.status_code not in final_statuses and replayable:
                delay = policy.delay_for_status(
                    attempt, response.status_code, response.headers, idempotent=idempotent
                )
            if delay is None or not _fits(deadline, delay):
                raise status_error(response)
            _log_retry(method, url, attempt, delay, str(response.status_code))
            await sleep(delay)

    def _check_loop(self) -> None:
        # An httpx.AsyncClient's connections belong to the event loop that opened them: a
        # client of ours used from a new loop (a second asyncio.run) starts a fresh pool.
        loop = current_loop()
        if loop is not self._loop:
            if self._loop is not None and self._owns_http:
                self.http = self._new_http()
            self._loop = loop

    def _new_http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            timeout=self.config.timeout, limits=DEFAULT_LIMITS, follow_redirects=False
        )


async def _read_body(response: httpx.Response, deadline: Deadline) -> httpx.Response:
    """Read the whole body; with a deadline, stop a server that trickles it past the deadline
    (httpx's timeouts apply to each read, not to the whole body)."""
    try:
        if deadline.at is None:
            await response.aread()
            return response
        chunks = []
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            if deadline.expired():
                raise httpx.ReadTimeout("the deadline passed while reading the response")
    finally:
        await response.aclose()
    dropped = ("content-encoding", "content-length", "transfer-encoding")
    return httpx.Response(
        response.status_code,
        headers=[(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped],
        content=b"".join(chunks),
        request=response.request,
    )


def _fits(deadline: Deadline, delay: float) -> bool:
    left = deadline.remaining()
    return left is None or delay < left


def _log_retry(method: str, url: httpx.URL, attempt: int, delay: float, why: str) -> None:
    logger.info(
        "retrying %s %s in %.2f s after %s (retry %d)", method, safe_url(url), delay, why, attempt
    )


def _connection_error(
    exc: httpx.RequestError,
    method: str,
    url: httpx.URL,
    idempotent: bool,
    workflow_id: str | None,
) -> APIConnectionError:
    where = f"{method} {safe_url(url)}"
    if not idempotent and workflow_id is not None and is_ambiguous(exc):
        return RunMayExistError(
            f"{where} failed after the request was sent ({type(exc).__name__}: {exc}); the "
            f"run of workflow {workflow_id} may have been created. It was not retried, to "
            "avoid a duplicate: look for it with get_runs() before trying again",
            method=method,
            url=safe_url(url),
            workflow_id=workflow_id,
        )
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(
            f"{where} timed out ({type(exc).__name__})", method=method, url=safe_url(url)
        )
    return APIConnectionError(
        f"{where} failed: {type(exc).__name__}: {exc or 'connection error'}",
        method=method,
        url=safe_url(url),
    )
