"""Flowscale Python SDK: run deployed ComfyUI workflows, follow runs, fetch outputs.

from flowscale import Flowscale

with Flowscale() as client:          # FLOWSCALE_API_KEY, FLOWSCALE_API_URL
    result = client.execute_workflow_async(workflow_id, {"prompt": "a red fox"})
    client.download_outputs(result, "outputs/")
"""

from typing import TYPE_CHECKING, Any

from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    DownloadError,
    EventStreamUnavailableError,
    FieldError,
    FlowscaleError,
    NotFoundError,
    OutputTimedOutError,
    OutputTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ResponseValidationError,
    RunCancelledError,
    RunError,
    RunFailedError,
    RunMayExistError,
    RunMayExistServerError,
    RunTimeoutError,
    ServerError,
    ValidationError,
)
from ._logs import setup_from_environment as _setup_logging_from_environment
from ._version import __version__

if TYPE_CHECKING:
    from ._async._batch import AsyncBatch
    from ._async._client import AsyncFlowscale
    from ._async._download import AsyncOutputStream
    from ._async._stream import AsyncRunEventStream
    from ._batch import BatchRow, BatchSummary, RowResult, RowStatus, Shard
    from ._events import (
        EndEvent,
        EventStreamTooLargeError,
        LogEvent,
        OutputEvent,
        ProgressEvent,
        RunEvent,
        StatusEvent,
        UnknownEvent,
    )
    from ._inputs import File
    from ._legacy import FlowscaleAPI
    from ._sync._batch import Batch
    from ._sync._client import Flowscale, SortBy, SortOrder
    from ._sync._download import OutputStream
    from ._sync._stream import RunEventStream
    from ._types import (
        ContainerHealth,
        ContainerQueue,
        Output,
        QueueEntry,
        Run,
        RunFailure,
        RunInput,
        RunOutputFile,
        RunPage,
        RunResult,
        RunStatus,
        SubmittedRun,
        Workflow,
    )
    from ._updates import (
        Completed,
        EventsMissed,
        OutputStatus,
        PollRetry,
        RunStatusUpdate,
        Update,
        WorkflowSubmitted,
    )

# The clients load on first use: `from flowscale import Flowscale` never loads the asyncio
# twin, and the reverse (each side is a fifth of the SDK's import time).
_LAZY = {
    "Flowscale": ("._sync._client", "Flowscale"),
    "FlowscaleAPI": ("._legacy", "FlowscaleAPI"),  # runs code written for the 1.x SDK
    "RunEventStream": ("._sync._stream", "RunEventStream"),
    "AsyncFlowscale": ("._async._client", "AsyncFlowscale"),
    "AsyncRunEventStream": ("._async._stream", "AsyncRunEventStream"),
    "OutputStream": ("._sync._download", "OutputStream"),
    "AsyncOutputStream": ("._async._download", "AsyncOutputStream"),
    "SortBy": ("._sync._client", "SortBy"),
    "SortOrder": ("._sync._client", "SortOrder"),
    "Batch": ("._sync._batch", "Batch"),
    "AsyncBatch": ("._async._batch", "AsyncBatch"),
    **{
        name: ("._batch", name)
        for name in ("BatchRow", "BatchSummary", "RowResult", "RowStatus", "Shard")
    },
    # The value, event and update types and `File` too: `import flowscale` and a first client
    # load no attrs class they do not use (each costs about as much as a small module).
    **{
        name: (module, name)
        for module, names in (
            (
                "._events",
                (
                    "EndEvent",
                    "EventStreamTooLargeError",
                    "LogEvent",
                    "OutputEvent",
                    "ProgressEvent",
                    "RunEvent",
                    "StatusEvent",
                    "UnknownEvent",
                ),
            ),
            ("._inputs", ("File",)),
            (
                "._types",
                (
                    "ContainerHealth",
                    "ContainerQueue",
                    "Output",
                    "QueueEntry",
                    "Run",
                    "RunFailure",
                    "RunInput",
                    "RunOutputFile",
                    "RunPage",
                    "RunResult",
                    "RunStatus",
                    "SubmittedRun",
                    "Workflow",
                ),
            ),
            (
                "._updates",
                (
                    "Completed",
                    "EventsMissed",
                    "OutputStatus",
                    "PollRetry",
                    "RunStatusUpdate",
                    "Update",
                    "WorkflowSubmitted",
                ),
            ),
        )
        for name in names
    },
}


def _publish(value: Any) -> None:
    # Tracebacks, reprs and the docs name `flowscale.RunFailedError`, the import path users
    # write, not the private module that defines it (as httpx does).
    if isinstance(value, type) and value.__module__.startswith("flowscale."):
        value.__module__ = "flowscale"


# Hidden from type checkers: a module `__getattr__` they can see makes every misspelt name
# (`from flowscale import Flowscal`) type-check as Any. The lazy names are declared above.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name not in _LAZY:
            raise AttributeError(f"module 'flowscale' has no attribute {name!r}")
        from importlib import import_module

        module, attribute = _LAZY[name]
        value = getattr(import_module(module, __name__), attribute)
        _publish(value)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncBatch",
    "AsyncFlowscale",
    "AsyncOutputStream",
    "AsyncRunEventStream",
    "AuthenticationError",
    "Batch",
    "BatchRow",
    "BatchSummary",
    "ClientClosedError",
    "Completed",
    "ConfigurationError",
    "ContainerHealth",
    "ContainerQueue",
    "DownloadError",
    "EndEvent",
    "EventStreamTooLargeError",
    "EventStreamUnavailableError",
    "EventsMissed",
    "FieldError",
    "File",
    "Flowscale",
    "FlowscaleAPI",
    "FlowscaleError",
    "LogEvent",
    "NotFoundError",
    "Output",
    "OutputEvent",
    "OutputStream",
    "OutputStatus",
    "OutputTimedOutError",
    "OutputTooLargeError",
    "PermissionDeniedError",
    "PollRetry",
    "ProgressEvent",
    "QueueEntry",
    "RateLimitError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "Run",
    "RowResult",
    "RowStatus",
    "RunCancelledError",
    "RunError",
    "RunEvent",
    "RunEventStream",
    "RunFailedError",
    "RunFailure",
    "RunInput",
    "RunMayExistError",
    "RunMayExistServerError",
    "RunOutputFile",
    "RunPage",
    "RunResult",
    "RunStatus",
    "RunStatusUpdate",
    "RunTimeoutError",
    "ServerError",
    "Shard",
    "SortBy",
    "SortOrder",
    "StatusEvent",
    "SubmittedRun",
    "UnknownEvent",
    "Update",
    "ValidationError",
    "Workflow",
    "WorkflowSubmitted",
    "__version__",
]

for _name in __all__:
    if _name not in _LAZY and not _name.startswith("__"):
        _publish(globals()[_name])
del _name

_setup_logging_from_environment()
