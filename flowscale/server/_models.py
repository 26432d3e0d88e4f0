"""Value classes shared by the server's modules: workflows, inputs, errors, run statuses.

Deliberately light (attrs and stdlib only): ``flowscale.server`` re-exports these without
importing the ASGI stack, so the pytest plugin stays cheap to load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import attrs

if TYPE_CHECKING:
    from ._context import RunContext

InputKind = Literal["string", "number", "boolean", "image", "video", "audio", "file"]
TEXT_KINDS: Final = frozenset({"string", "number", "boolean"})
FILE_KINDS: Final = frozenset({"image", "video", "audio", "file"})

QUEUED: Final = "queued"
RUNNING: Final = "running"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
CANCELLED: Final = "cancelled"
TERMINAL: Final = frozenset({COMPLETED, FAILED, CANCELLED})

# What a workflow function may return per output: text (a text output, served as
# file_content), bytes (a file output), or a Path (a file output streamed from that file, so a
# huge output never has to sit in memory).
OutputValue = bytes | str | Path
WorkflowFn = Callable[["RunContext"], Mapping[str, OutputValue]]


@attrs.frozen(slots=True)
class InputFile:
    """A file part received by execute. Stored on disk; ``data`` reads it on demand."""

    filename: str
    content_type: str
    path: Path
    size: int

    @property
    def data(self) -> bytes:
        """The file's bytes (read from disk on each access: keep big uploads out of memory)."""
        return self.path.read_bytes()


@attrs.frozen(slots=True)
class Workflow:
    """A workflow the server offers: declared inputs and outputs, and the function running it.

    ``inputs`` maps each form field to its kind (string, number, boolean, image, video, audio,
    file); ``outputs`` maps each output name to its kind (free text such as image or text, shown
    by get_workflows). ``fn`` runs in a worker thread and returns output file name -> content.
    """

    id: str
    name: str
    fn: WorkflowFn
    description: str | None = None
    inputs: Mapping[str, str] = attrs.field(factory=dict)
    outputs: Mapping[str, str] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for field, kind in self.inputs.items():
            if kind not in TEXT_KINDS | FILE_KINDS:
                raise ValueError(f"input {field!r}: unknown kind {kind!r}")
        if not self.id:
            raise ValueError("a workflow needs a non-empty id")


class WorkflowFailed(Exception):
    """Raise from a workflow function to fail the run with this message and node."""

    def __init__(
        self, message: str, *, node_id: str | None = None, node_type: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.node_type = node_type


class RunCancelled(Exception):
    """Raised at a cancellation point of a workflow function once its run was cancelled."""


@attrs.frozen(slots=True)
class RunError:
    """Why a run failed, as the API reports it."""

    message: str
    node_id: str | None = None
    node_type: str | None = None
    exception_type: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "message": self.message,
            "node_id": self.node_id,
            "node_type": self.node_type,
            "exception_type": self.exception_type,
        }
