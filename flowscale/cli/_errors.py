"""Exit codes, and the one line (plus a hint) each failure prints instead of a traceback."""

from __future__ import annotations

import enum

import attrs

import flowscale

__all__ = ["CliError", "ExitCode", "Problem", "describe", "error_json"]


class ExitCode(enum.IntEnum):
    """Distinct codes, so scripts can tell what went wrong without parsing messages."""

    OK = 0
    INTERNAL = 1  # a bug of ours: reported with a hint to rerun with --debug
    USAGE = 2  # bad arguments, missing configuration, missing extra
    API = 3  # the API answered with an error, or could not be reached
    RUN_FAILED = 4
    RUN_CANCELLED = 5
    TIMEOUT = 6
    INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


@attrs.frozen(slots=True)
class Problem:
    """What to tell the user: a message, maybe a hint, and the exit code."""

    message: str
    code: ExitCode
    hint: str | None = None
    run_id: str | None = None  # the run concerned, when there is one


class CliError(Exception):
    """Raised by commands for a failure they already know how to describe."""

    def __init__(
        self, message: str, code: ExitCode, hint: str | None = None, *, run_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.problem = Problem(message, code, hint, run_id)


# `type` of the --json error object for failures the CLI itself describes (CliError, Ctrl-C):
# named like the SDK's exceptions, which give theirs for everything else.
_CLI_TYPES = {
    ExitCode.INTERNAL: "InternalError",
    ExitCode.USAGE: "UsageError",
    ExitCode.API: "APIError",
    ExitCode.RUN_FAILED: "RunFailedError",
    ExitCode.RUN_CANCELLED: "RunCancelledError",
    ExitCode.TIMEOUT: "RunTimeoutError",
    ExitCode.INTERRUPTED: "Interrupted",
}


def error_json(problem: Problem, exc: BaseException | None = None) -> dict[str, object]:
    """The one JSON object `--json` prints on stdout for a failure."""
    if (
        exc is None
        or isinstance(exc, CliError | KeyboardInterrupt)
        or problem.code == ExitCode.INTERNAL
    ):
        kind = _CLI_TYPES[problem.code]
    else:
        kind = type(exc).__name__
    error: dict[str, object] = {"type": kind, "message": problem.message}
    if problem.run_id:
        error["run_id"] = problem.run_id
    if problem.hint:
        error["hint"] = problem.hint
    error["exit_code"] = int(problem.code)
    return {"error": error}


_KEY_HINT = "set FLOWSCALE_API_KEY or pass --api-key"
_URL_HINT = "set FLOWSCALE_API_URL or pass --base-url"


def describe(exc: BaseException) -> Problem | None:
    """The problem for an exception the CLI expects; None for a bug (shown as internal)."""
    if isinstance(exc, CliError):
        return exc.problem
    if isinstance(exc, KeyboardInterrupt):
        return Problem("interrupted", ExitCode.INTERRUPTED)
    if isinstance(exc, flowscale.ConfigurationError):
        return _configuration(exc)
    if isinstance(exc, flowscale.RunError):
        return _run_error(exc)
    if isinstance(exc, flowscale.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, flowscale.APIConnectionError):
        return _connection_error(exc)
    if isinstance(exc, flowscale.FlowscaleError):
        return Problem(exc.message, ExitCode.API)
    if isinstance(exc, FileNotFoundError | IsADirectoryError | PermissionError):
        return Problem(str(exc), ExitCode.USAGE)
    if isinstance(exc, TypeError | ValueError):
        # The facade checks argument types and values before any request.
        return Problem(str(exc), ExitCode.USAGE)
    return None


def _configuration(exc: flowscale.ConfigurationError) -> Problem:
    text = exc.message
    if exc.setting == "api_key":
        return Problem("no API key", ExitCode.USAGE, _KEY_HINT + " (or --proxy-mode)")
    if exc.setting == "base_url" and text.startswith("no base URL"):
        return Problem(
            "no API URL",
            ExitCode.USAGE,
            _URL_HINT + " (e.g. https://your-deployment.pod.flowscale.ai)",
        )
    return Problem(text, ExitCode.USAGE)


def _run_error(exc: flowscale.RunError) -> Problem:
    if isinstance(exc, flowscale.RunTimeoutError):
        hint = None
        if exc.run_id and not exc.cancelled:
            hint = f"resume with: flowscale runs wait {exc.run_id}"
        return Problem(exc.message, ExitCode.TIMEOUT, hint, exc.run_id)
    if isinstance(exc, flowscale.RunCancelledError):
        return Problem(exc.message, ExitCode.RUN_CANCELLED, run_id=exc.run_id)
    hint = f"details: flowscale runs get {exc.run_id}" if exc.run_id else None
    return Problem(exc.message, ExitCode.RUN_FAILED, hint, exc.run_id)


def _status_error(exc: flowscale.APIStatusError) -> Problem:
    if isinstance(exc, flowscale.PermissionDeniedError):
        return Problem(
            f"the API key was refused ({exc.status_code})",
            ExitCode.API,
            "check FLOWSCALE_API_KEY / --api-key: is it the key of this --base-url?",
        )
    if isinstance(exc, flowscale.AuthenticationError):
        return Problem(f"not authenticated ({exc.status_code})", ExitCode.API, _KEY_HINT)
    if isinstance(exc, flowscale.ValidationError) and exc.errors:
        fields = "; ".join(f"{e.field or 'request'}: {e.msg}" for e in exc.errors)
        return Problem(
            f"the server rejected the request: {fields}",
            ExitCode.API,
            "`flowscale workflows` lists each workflow's inputs; pass files as -i NAME=@path",
        )
    if isinstance(exc, flowscale.NotFoundError):
        return Problem(exc.message, ExitCode.API, "check the id or name")
    if isinstance(exc, flowscale.RateLimitError):
        wait = f" (retry after {exc.retry_after:g} s)" if exc.retry_after else ""
        return Problem(exc.message + wait, ExitCode.API, "try again later")
    return Problem(exc.message, ExitCode.API)


def _connection_error(exc: flowscale.APIConnectionError) -> Problem:
    if isinstance(exc, flowscale.RunMayExistError):
        return Problem(exc.message, ExitCode.API, "look for it with: flowscale runs list")
    return Problem(
        exc.message,
        ExitCode.API,
        f"is the server up? check --base-url / FLOWSCALE_API_URL ({exc.url})",
    )
