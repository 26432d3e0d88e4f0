"""The one request path: every request the client makes goes through `AsyncAPI.send`.

It owns credentials (only ever to the API origin; redirects are never followed here, so no
other host can receive them), the User-Agent, the retry loop (one `RetryPolicy`, its backoff
and `Retry-After`, never sleeping past the deadline), the deadline, mapping failures into the
typed errors, logging (URLs of foreign hosts without their signed query) and the closed state.
The generated client sends through it too (`generated_client()`), so its operations get the
same behaviour. What a status means for an operation comes from its `Operation` declaration.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

import httpx

from .._async_utils import current_loop, new_transport, sleep
from .._bounds import (
    RESPONSE_DEADLINE,
    STREAM_SLICE,
    BodyTooLarge,
    BoundedDecoder,
    attempt_deadline,
    declared_within,
    decodes,
    retry_wait_allowed,
)
from .._config import USER_AGENT, ClientConfig
from .._deadline import NO_DEADLINE, Deadline
from .._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ResponseTooLargeError,
    RunMayExistError,
    RunMayExistServerError,
)
from .._operations import CURRENT_CALL, Call, Operation, operation
from .._requests import build_request
from .._retry import RetryBudget, RetryPolicy, is_ambiguous
from .._status import safe_url, status_error
from .._urls import ApiURLs

if TYPE_CHECKING:
    from flowscale_api.client import Client as GeneratedClient

    from .._inputs import EncodedInputs

__all__ = ["AsyncAPI"]

logger = logging.getLogger("flowscale")

DEFAULT_LIMITS = httpx.Limits(max_connections=512, max_keepalive_connections=64)
_REQUEST = operation("request")
# What the generated parser is handed when the caller reads the reply itself (never read
# further: an empty, finished reply).
_STAND_IN = httpx.Response(204)
ACCEPT_ENCODING = "gzip, deflate"
# Keyword arguments of httpx's request() that carry a body.
_BODY_ARGS = ("content", "data", "files", "json")


class AsyncAPI:
    """Owns the HTTP connection pool and the one loop every request goes through."""

    def __init__(self, config: ClientConfig, http_client: httpx.AsyncClient | None) -> None:
        self.config = config
        self._owns_http = http_client is None
        # Per client, not per call: the base URL (API paths are joined to it), and the
        # headers every request needs that the pool does not send itself (an SDK-owned pool
        # carries User-Agent and Accept-Encoding as defaults; one passed in gets them per call).
        self._urls = ApiURLs(str(config.base_url))
        self._default_headers: dict[str, str] = (
            {}
            if self._owns_http
            else {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
        )
        self.http: httpx.AsyncClient = http_client or self._new_http()
        self._loop: object | None = None
        self._generated: GeneratedClient | None = None
        self.closed: bool = False

    async def aclose(self) -> None:
        """Close the pool (unless it was passed in); every later request raises
        `ClientClosedError`."""
        self.closed = True
        if self._owns_http:
            self._check_loop()  # a pool of a finished event loop cannot be closed from this one
            await self.http.aclose()

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of an API path (`/api/v1/...`), under the base URL's own path."""
        return self._urls.join(path)

    def generated_client(self) -> GeneratedClient:
        """The generated client (`flowscale_api.Client`), sending through this request path."""
        if self._generated is None:
            from flowscale_api.client import Client

            self._generated = Client(base_url=str(self.config.base_url)).set_async_httpx_client(
                _ThroughTheRequestPath(self)
            )
        return self._generated

    async def send(
        self,
        method: str,
        url: httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: EncodedInputs | None = None,
        payload: Mapping[str, Any] | None = None,
        op: Operation = _REQUEST,
        stream: bool = False,
        deadline: Deadline = NO_DEADLINE,
        timeout: httpx.Timeout | None = None,
        workflow_id: str | None = None,
        credentials: bool | None = None,
        retry: RetryPolicy | None = None,
        budget: RetryBudget | None = None,
    ) -> httpx.Response:
        """Send with retries; return a response below 400, raise a `FlowscaleError` otherwise.

        With `stream=True` the caller must close the returned response. Credentials and
        custom headers go only to the configured API origin (`credentials=False`: never).
        `body` is the SDK's multipart encoding; `payload` other httpx body arguments (json,
        files, data, content). `budget` counts attempts across callers that repeat a request
        themselves (a download resumed after its body broke off).
        """
        if self.closed:
            raise ClientClosedError(
                f"this client is closed: {method} {safe_url(url)} was not sent (make a new "
                "client, or make the call inside its `with` block)"
            )
        self._check_loop()
        policy = retry or self.config.retry
        budget = budget or RetryBudget()
        to_api = self.config.is_api_origin(url) if credentials is None else credentials
        replayable = body is None or body.replayable
        idempotent = op.idempotent
        while True:
            attempt = budget.next_attempt()
            # Only the codings the bounded decoder inflates: httpx would also offer br and
            # zstd when their packages happen to be installed (the pool's defaults, or here).
            request_headers = dict(self._default_headers)
            if to_api:
                request_headers.update(self.config.api_headers())
            if headers:
                request_headers.update(headers)
            phases = timeout or self.config.timeout
            # The whole response of this attempt (headers and body) must arrive by `bound`:
            # the socket wrapper of _transport.py enforces it on every read.
            bound = attempt_deadline(deadline, phases)
            # Without a deadline of the call's own, the bound is the read timeout itself:
            # no phase needs capping (and no new Timeout per request).
            request_timeout = phases if deadline.at is None else bound.bound(phases)
            started = time.perf_counter()
            bounded = RESPONSE_DEADLINE.set(bound.at)
            opened: AbstractContextManager[Mapping[str, Any]] = (
                body.open() if body is not None else nullcontext(payload or {})
            )
            try:
                with opened as body_args:
                    request = build_request(
                        self.http,
                        own_pool=self._owns_http,
                        method=method,
                        url=url,
                        params=params,
                        headers=request_headers,
                        timeout=request_timeout,
                        body_args=body_args,
                    )
                    # Redirects are never followed here: httpx would resend the API key.
                    response = await self.http.send(request, stream=True, follow_redirects=False)
                if response.status_code >= 400 or not stream:
                    response = await _read_body(response, bound, self.config.max_response_bytes)
            except httpx.RequestError as exc:
                delay = policy.delay_for_error(attempt, exc, idempotent=idempotent)
                if (
                    delay is None
                    or not replayable
                    or not retry_wait_allowed(delay, deadline, phases, policy.max_delay)
                ):
                    raise _connection_error(exc, method, url, idempotent, workflow_id) from exc
                _log_retry(method, url, attempt, delay, type(exc).__name__)
                await sleep(delay)
                continue
            except RuntimeError as exc:
                if not self.http.is_closed:
                    raise
                raise ClientClosedError(
                    f"the HTTP client of this client is closed: {method} {safe_url(url)} was "
                    "not sent"
                ) from exc
            finally:
                RESPONSE_DEADLINE.reset(bounded)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> %d (%.0f ms)",
                    method,
                    safe_url(url) if not to_api else url,
                    response.status_code,
                    (time.perf_counter() - started) * 1000,
                )
            if 300 <= response.status_code < 400 and not stream:
                # Never followed (the key would go along); the API answers 2xx or an error.
                raise status_error(response, op.status_errors)
            if response.status_code < 400:
                if stream and isinstance(response.stream, httpx.AsyncByteStream):
                    _bound_stream(response, deadline)
                return response
            delay = None
            if response.status_code not in op.final_statuses and replayable:
                delay = policy.delay_for_status(
                    attempt, response.status_code, response.headers, idempotent=idempotent
                )
            if delay is None or not retry_wait_allowed(delay, deadline, phases, policy.max_delay):
                error = status_error(response, op.status_errors, proxy_mode=self.config.proxy_mode)
                if not idempotent and workflow_id is not None:
                    error = _may_exist(error, workflow_id)
                raise error
            _log_retry(method, url, attempt, delay, str(response.status_code))
            await sleep(delay)

    async def send_generated(
        self, method: str, url: httpx.URL | str, arguments: Mapping[str, Any]
    ) -> httpx.Response:
        """Send a request the generated client built, under the options of `CURRENT_CALL`."""
        call = CURRENT_CALL.get() or Call(_REQUEST)
        path = str(url)
        relative = path.startswith("/")
        response = await self.send(
            method.upper(),
            self.url(path) if relative else httpx.URL(path),
            params=arguments.get("params"),
            headers={**arguments.get("headers", {}), **call.headers}
            if call.headers
            else arguments.get("headers"),
            body=call.body,
            payload=None
            if call.body is not None
            else {k: arguments[k] for k in _BODY_ARGS if arguments.get(k) is not None},
            op=call.operation,
            stream=call.stream,
            deadline=call.deadline,
            timeout=call.timeout,
            workflow_id=call.workflow_id,
            # A path of the generated client is under the base URL: the API's origin.
            credentials=True if relative else None,
            retry=call.retry,
        )
        if call.keep_reply:
            return response
        call.response = response
        # The generated parser gets an empty 204 it ignores; the caller reads the reply.
        return _STAND_IN

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
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
            timeout=self.config.timeout,
            transport=new_transport(DEFAULT_LIMITS),
            follow_redirects=False,
        )


def _unused_transport(request: httpx.Request) -> httpx.Response:
    raise RuntimeError("requests of the generated client go through AsyncAPI.send")


class _ThroughTheRequestPath(httpx.AsyncClient):
    """The HTTP client handed to the generated client: its `request()` (the one method the
    generated operations call) goes through `AsyncAPI.send`."""

    def __init__(self, api: AsyncAPI) -> None:
        # A transport of its own that is never used: no second pool, no TLS context to load.
        super().__init__(transport=httpx.MockTransport(_unused_transport), trust_env=False)
        self._api = api

    async def request(self, method: str, url: httpx.URL | str, **arguments: Any) -> httpx.Response:
        return await self._api.send_generated(method, url, arguments)


async def _read_body(response: httpx.Response, bound: Deadline, limit: int) -> httpx.Response:
    """Read and decode the whole body into a plain response, at most `limit` bytes once
    decompressed (a gzip bomb stops at the cap), by `bound` (the sockets enforce it too)."""
    if declared_within(response, limit):
        # The common reply: not compressed and no longer than the cap says it is. h11 reads
        # exactly Content-Length bytes, and the sockets keep the deadline: nothing to bound
        # here, and no second response to build.
        await response.aread()
        return response
    decoder = BoundedDecoder(response.headers.get("content-encoding", ""), limit)
    chunks: list[bytes] = []
    try:
        if response.is_stream_consumed:  # a transport that answered from memory, decoded
            if len(response.content) > limit:
                raise BodyTooLarge(limit)
            chunks.append(response.content)
        else:
            async for raw in response.aiter_raw():
                chunks.extend(decoder.feed(raw))
                if bound.expired():
                    raise httpx.ReadTimeout("the deadline passed while reading the response")
            chunks.extend(decoder.finish())
    except BodyTooLarge:
        too_large = True
    except BaseException:
        chunks.clear()  # the error's traceback keeps this frame: not what was read with it
        raise
    else:
        too_large = False
    finally:
        await response.aclose()
    if too_large:
        # Raised here, outside the except block: the error then keeps no traceback of the
        # decoder's frames, which hold what was read (the memory is freed at once).
        chunks.clear()
        request = response.request
        raise ResponseTooLargeError(
            f"{request.method} {safe_url(request.url)} returned {response.status_code} with a "
            f"body larger than max_response_bytes ({limit} bytes, decompressed); reading "
            "stopped there",
            url=safe_url(request.url),
            status_code=response.status_code,
            limit=limit,
        )
    dropped = ("content-encoding", "content-length", "transfer-encoding")
    return httpx.Response(
        response.status_code,
        headers=[(k, v) for k, v in response.headers.multi_items() if k.lower() not in dropped],
        content=b"".join(chunks),
        request=response.request,
    )


def _bound_stream(response: httpx.Response, deadline: Deadline) -> None:
    """Bound a streamed reply the caller reads later: its socket reads keep the call's
    deadline, and a compressed body is inflated a slice at a time (httpx inflates each
    network read whole: 64 KiB of a gzip bomb is 64 MiB at once). Once decoded here, the
    body's Content-Encoding and Content-Length no longer describe it and are removed."""
    assert isinstance(response.stream, httpx.AsyncByteStream)
    if deadline.at is not None:
        response.stream = _DeadlineStream(response.stream, deadline.at)
    coding = response.headers.get("content-encoding", "")
    if coding and decodes(coding):
        response.stream = _InflatingStream(response.stream, coding, deadline)
        del response.headers["content-encoding"]
        if "content-length" in response.headers:
            del response.headers["content-length"]


class _InflatingStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, coding: str, deadline: Deadline) -> None:
        self._stream = stream
        self._deadline = deadline
        # No total limit here: a download may be large; its size is checked by its caller.
        self._decoder = BoundedDecoder(coding, 1 << 62)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for raw in self._stream:
            for start in range(0, len(raw), STREAM_SLICE):
                for piece in self._decoder.feed(raw[start : start + STREAM_SLICE]):
                    yield piece
                # Inflating is CPU, not socket reads: the call's deadline is checked here too.
                if self._deadline.expired():
                    raise httpx.ReadTimeout("the deadline passed while decoding the response")
        for piece in self._decoder.finish():
            yield piece

    async def aclose(self) -> None:
        await self._stream.aclose()


class _DeadlineStream(httpx.AsyncByteStream):
    """A streamed reply's body whose every socket read is bounded by the call's deadline
    (a trickling event stream or download ends when the call's time is up)."""

    def __init__(self, stream: httpx.AsyncByteStream, at: float) -> None:
        self._stream = stream
        self._at = at

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._stream.__aiter__()
        while True:
            token = RESPONSE_DEADLINE.set(self._at)
            try:
                chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            finally:
                RESPONSE_DEADLINE.reset(token)
            yield chunk

    async def aclose(self) -> None:
        await self._stream.aclose()


# Statuses of a start request after which the server (or a gateway before it) may have
# created the run: it failed while, or after, processing it. 503 says it did not.
_MAY_HAVE_STARTED = frozenset({500, 502, 504})


def _may_exist(error: APIStatusError, workflow_id: str) -> APIStatusError:
    if error.status_code not in _MAY_HAVE_STARTED:
        return error
    return RunMayExistServerError(
        f"{error.message}; the run of workflow {workflow_id} may have been created. It was "
        "not retried, to avoid a duplicate: look for it with get_runs() before trying again",
        method=error.method,
        url=error.url,
        status_code=error.status_code,
        body=error.body,
        headers=error.headers,
        workflow_id=workflow_id,
    )


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
