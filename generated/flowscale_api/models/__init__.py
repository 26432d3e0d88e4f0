"""Contains all the data models used in inputs/outputs"""

from .cancel_response import CancelResponse
from .comfy_queue import ComfyQueue
from .container_health import ContainerHealth
from .container_queue import ContainerQueue
from .error_envelope import ErrorEnvelope
from .execute_response import ExecuteResponse
from .get_runs_sort_by import GetRunsSortBy
from .get_runs_sort_order import GetRunsSortOrder
from .health_response import HealthResponse
from .http_validation_error import HTTPValidationError
from .meta import Meta
from .output_data import OutputData
from .output_response import OutputResponse
from .queue_response import QueueResponse
from .run import Run
from .run_created import RunCreated
from .run_created_node_errors import RunCreatedNodeErrors
from .run_error import RunError
from .run_event import RunEvent
from .run_event_common import RunEventCommon
from .run_event_end import RunEventEnd
from .run_event_end_type import RunEventEndType
from .run_event_log import RunEventLog
from .run_event_log_type import RunEventLogType
from .run_event_output import RunEventOutput
from .run_event_output_type import RunEventOutputType
from .run_event_progress import RunEventProgress
from .run_event_progress_type import RunEventProgressType
from .run_event_status import RunEventStatus
from .run_event_status_type import RunEventStatusType
from .run_input import RunInput
from .run_list import RunList
from .run_list_meta import RunListMeta
from .run_list_response import RunListResponse
from .run_output import RunOutput
from .run_response import RunResponse
from .validation_error_item import ValidationErrorItem
from .workflow import Workflow
from .workflow_inputs_form import WorkflowInputsForm
from .workflow_inputs_multipart import WorkflowInputsMultipart
from .workflows_response import WorkflowsResponse

__all__ = (
    "CancelResponse",
    "ComfyQueue",
    "ContainerHealth",
    "ContainerQueue",
    "ErrorEnvelope",
    "ExecuteResponse",
    "GetRunsSortBy",
    "GetRunsSortOrder",
    "HTTPValidationError",
    "HealthResponse",
    "Meta",
    "OutputData",
    "OutputResponse",
    "QueueResponse",
    "Run",
    "RunCreated",
    "RunCreatedNodeErrors",
    "RunError",
    "RunEvent",
    "RunEventCommon",
    "RunEventEnd",
    "RunEventEndType",
    "RunEventLog",
    "RunEventLogType",
    "RunEventOutput",
    "RunEventOutputType",
    "RunEventProgress",
    "RunEventProgressType",
    "RunEventStatus",
    "RunEventStatusType",
    "RunInput",
    "RunList",
    "RunListMeta",
    "RunListResponse",
    "RunOutput",
    "RunResponse",
    "ValidationErrorItem",
    "Workflow",
    "WorkflowInputsForm",
    "WorkflowInputsMultipart",
    "WorkflowsResponse",
)
