"""The exception hierarchy: every failure the SDK raises is a `FlowscaleError`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ._types import Run

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "DownloadError",
    "EventStreamUnavailableError",
    "FieldError",
    "FlowscaleError",
    "NotFoundError",
    "OutputTimedOutError",
    "OutputTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RunCancelledError",
    "RunError",
    "RunFailedError",
    "RunMayExistError",
    "RunMayExistServerError",
    "RunTimeoutError",
    "ServerError",
    "ValidationError",
]


class FlowscaleError(Exception):
    """Base of every error this SDK raises (besides `TypeError` for wrong argument types).

    Attributes:
        message: The error's one-line description (also `str(error)`), without secrets.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(FlowscaleError, ValueError):
    """The client was constructed with a missing or unsafe configuration.

    Attributes:
        setting: The option at fault (`"api_key"`, `"base_url"`, ...), if one is.
    """

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting


class ClientClosedError(FlowscaleError, RuntimeError):
    """A call was made on a client after `close()` / `aclose()` (or after its `with` block)."""


class APIConnectionError(FlowscaleError):
    """The request did not get an HTTP response: connection refused, reset, or dropped.

    Attributes:
        method: The HTTP method of the request.
        url: The request's URL (without secrets).
    """

    def __init__(self, message: str, *, method: str, url: str) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError, TimeoutError):
    """The server did not answer within the configured timeout."""


class RunMayExistError(APIConnectionError):
    """Starting a run failed in a way that leaves open whether the server created it.

    The request was not retried, so no duplicate run was created; look the run up with
    `get_runs(group_id=...)` before trying again.

    Attributes:
        workflow_id: The workflow the run was for.
    """

    def __init__(self, message: str, *, method: str, url: str, workflow_id: str) -> None:
        super().__init__(message, method=method, url=url)
        self.workflow_id = workflow_id


class ResponseValidationError(FlowscaleError):
    """The server answered with a body this SDK cannot read as the API describes it.

    Attributes:
        url: The request's URL (without secrets).
        status_code: The reply's HTTP status.
        body: The reply's body, parsed as JSON when it is JSON, else its text.
    """

    def __init__(self, message: str, *, url: str, status_code: int, body: Any) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code
        self.body = body


class ResponseTooLargeError(ResponseValidationError):
    """A reply (decompressed) was larger than the client's `max_response_bytes`; reading
    stopped at the cap and what was read is dropped.

    Attributes:
        limit: The cap, in bytes.
    """

    def __init__(self, message: str, *, url: str, status_code: int, limit: int) -> None:
        super().__init__(message, url=url, status_code=status_code, body=None)
        self.limit = limit


class APIStatusError(FlowscaleError):
    """The server answered with an error status.

    Attributes:
        method: The HTTP method of the request.
        url: The request's URL (without secrets).
        status_code: The reply's HTTP status.
        body: The reply's body, parsed as JSON when it is JSON, else its text.
        headers: The reply's headers.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.status_code = status_code
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})


class AuthenticationError(APIStatusError):
    """401: the API key is missing (or 403 through `PermissionDeniedError`: it is wrong)."""


class PermissionDeniedError(AuthenticationError):
    """403: the API key is not accepted."""


class NotFoundError(APIStatusError):
    """404: no such run, workflow or output."""


class EventStreamUnavailableError(APIStatusError):
    """The server answered a run's events URL with something other than an event stream
    (an error status, or a reply of another content type).

    Waiting never raises it (the waiter polls the run instead); iterating
    `subscribe_run_events()` does, so its caller can fall back to `get_run()`. The blocking
    and the asyncio clients raise this same class.
    """


class OutputTimedOutError(APIStatusError):
    """408 from the output endpoint: the run timed out, the output will never exist."""


@attrs.frozen(slots=True)
class FieldError:
    """One entry of a 422 reply.

    Attributes:
        loc: Where: the path to the field, e.g. `("body", "prompt")`.
        msg: What is wrong, in the server's words.
        type: The kind of error, e.g. `"missing"`.
    """

    loc: tuple[str | int, ...]
    msg: str
    type: str

    @property
    def field(self) -> str:
        """The form field or parameter the error is about (the last part of `loc`)."""
        return str(self.loc[-1]) if self.loc else ""


class ValidationError(APIStatusError):
    """422: a parameter or workflow input was missing, unknown or of the wrong kind.

    Attributes:
        errors: One `FieldError` per problem the server listed.
    """

    def __init__(self, message: str, *, errors: Sequence[FieldError], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.errors: tuple[FieldError, ...] = tuple(errors)


class RateLimitError(APIStatusError):
    """429: too many requests.

    Attributes:
        retry_after: The server's `Retry-After`, in seconds, if it sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the server failed."""


class RunMayExistServerError(ServerError, RunMayExistError):
    """Starting a run got a 500, 502 or 504: the server (or a gateway before it) failed after
    the request reached it, so the run may have been created.

    Both a `ServerError` (status, body, headers) and a `RunMayExistError` (`workflow_id`); not
    retried, to avoid a duplicate run.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        status_code: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
        workflow_id: str,
    ) -> None:
        # Both bases' __init__ chain into each other through the MRO: set the fields here.
        FlowscaleError.__init__(self, message)
        self.method = method
        self.url = url
        self.status_code = status_code
        self.body = body
        self.headers: Mapping[str, str] = dict(headers or {})
        self.workflow_id = workflow_id


class DownloadError(FlowscaleError):
    """An output could not be saved: bad status, truncated body or size mismatch.

    Nothing is left at the destination: partial data is written to a temporary file that is
    removed.

    Attributes:
        url: The file's URL, without its query string (signed links carry secrets there).
        status_code: The file host's HTTP status, when it answered.
    """

    def __init__(self, message: str, *, url: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status_code = status_code


class OutputTooLargeError(DownloadError):
    """`read_output` stopped: the output is larger than its `max_size` (nothing is kept).

    Attributes:
        max_size: The limit that was passed.
    """

    def __init__(self, message: str, *, url: str, max_size: int) -> None:
        super().__init__(message, url=url)
        self.max_size = max_size


class RunError(FlowscaleError):
    """A run ended in a way other than success, or was not waited for to the end.

    Attributes:
        run_id: The run.
        run: The run as last read, when the SDK read it.
    """

    def __init__(self, message: str, *, run_id: str, run: Run | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.run = run


class RunFailedError(RunError):
    """The run failed.

    Attributes:
        error: The server's reason.
        node_id: The node that failed, where known.
        node_type: That node's class, where known.
    """

    def __init__(
        self,
        message: str,
        *,
        run_id: str,
        run: Run | None = None,
        error: str | None = None,
        node_id: str | None = None,
        node_type: str | None = None,
    ) -> None:
        super().__init__(message, run_id=run_id, run=run)
        self.error = error
        self.node_id = node_id
        self.node_type = node_type


class RunCancelledError(RunError):
    """The run was cancelled (by anyone) before it completed."""


class RunTimeoutError(RunError, TimeoutError):
    """Waiting for the run took longer than `timeout`. The run may still be going:
    `wait_for_run(error.run_id)` resumes waiting. `run_id` is None only when the time ran out
    before the server acknowledged the run (which may then exist: see `RunMayExistError`).
    `cancelled` says whether the SDK cancelled the run on timeout (`cancel_on_timeout`).

    Attributes:
        run_id: The run, or None if the time ran out before the server acknowledged it.
        last_status: The run's status when the wait gave up, if known.
        cancelled: Whether the SDK cancelled the run on timeout.
    """

    run_id: str | None  # type: ignore[assignment]  # None: timed out before the run existed

    def __init__(
        self,
        message: str,
        *,
        run_id: str | None,
        run: Run | None = None,
        last_status: str | None = None,
        cancelled: bool = False,
    ) -> None:
        super().__init__(message, run_id=run_id or "", run=run)
        self.run_id = run_id
        self.last_status = last_status
        self.cancelled = cancelled
