"""Flowscale Python SDK: run deployed ComfyUI workflows, follow runs, fetch outputs.

from flowscale import Flowscale

with Flowscale() as client:          # FLOWSCALE_API_KEY, FLOWSCALE_API_URL
    result = client.execute_workflow_async(workflow_id, {"prompt": "a red fox"})
    client.download_outputs(result, "outputs/")
"""

from ._async._client import AsyncFlowscale
from ._async._stream import AsyncRunEventStream
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    DownloadError,
    FieldError,
    FlowscaleError,
    NotFoundError,
    OutputTimedOutError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    RunCancelledError,
    RunError,
    RunFailedError,
    RunMayExistError,
    RunTimeoutError,
    ServerError,
    ValidationError,
)
from ._events import (
    EndEvent,
    LogEvent,
    OutputEvent,
    ProgressEvent,
    RunEvent,
    StatusEvent,
    UnknownEvent,
)
from ._inputs import File
from ._sync._client import Flowscale
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
    OutputStatus,
    PollRetry,
    RunStatusUpdate,
    Update,
    WorkflowSubmitted,
)
from ._version import __version__

FlowscaleAPI = Flowscale
"""The name the vendor's SDKs use for the client."""

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncFlowscale",
    "AsyncRunEventStream",
    "AuthenticationError",
    "Completed",
    "ConfigurationError",
    "ContainerHealth",
    "ContainerQueue",
    "DownloadError",
    "EndEvent",
    "FieldError",
    "File",
    "Flowscale",
    "FlowscaleAPI",
    "FlowscaleError",
    "LogEvent",
    "NotFoundError",
    "Output",
    "OutputEvent",
    "OutputStatus",
    "OutputTimedOutError",
    "PermissionDeniedError",
    "PollRetry",
    "ProgressEvent",
    "QueueEntry",
    "RateLimitError",
    "ResponseValidationError",
    "Run",
    "RunCancelledError",
    "RunError",
    "RunEvent",
    "RunEventStream",
    "RunFailedError",
    "RunFailure",
    "RunInput",
    "RunMayExistError",
    "RunOutputFile",
    "RunPage",
    "RunResult",
    "RunStatus",
    "RunStatusUpdate",
    "RunTimeoutError",
    "ServerError",
    "StatusEvent",
    "SubmittedRun",
    "UnknownEvent",
    "Update",
    "ValidationError",
    "Workflow",
    "WorkflowSubmitted",
    "__version__",
]
