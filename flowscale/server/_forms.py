"""The execute request's form body: read it (uploads spooled to disk), check it against the
workflow's inputs, and stage its files for the run."""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ._models import FILE_KINDS, Workflow
from ._naming import safe_filename
from ._runner import StagedFile, stage_upload
from ._validation import Problems, check_text_input

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
MAX_TEXT_PART = 1024 * 1024

RunInputs = dict[str, str | StagedFile]


async def read_run_inputs(
    request: Request, workflow: Workflow, files_dir: Path, problems: Problems
) -> RunInputs | None:
    """The run's inputs from the request body, or None with ``problems`` filled in."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media not in FORM_TYPES:
        problems.add(
            ["body"],
            f"Unsupported content type {media!r}: send multipart/form-data or "
            "application/x-www-form-urlencoded",
            "value_error",
            media,
        )
        return None
    fields: dict[str, str | UploadFile] = {}
    try:
        if media:
            # Uploads are spooled to temporary files by the parser (never all in memory).
            async with request.form(max_files=1000, max_fields=1000) as form:
                for key, value in form.multi_items():
                    fields[key] = value
                return await _validate(workflow, fields, files_dir, problems)
        return await _validate(workflow, fields, files_dir, problems)
    except HTTPException as exc:  # the form parser's 400: a malformed body
        problems.add(["body"], f"Invalid form body: {exc.detail}", "value_error")
        return None


async def _validate(
    workflow: Workflow,
    fields: dict[str, str | UploadFile],
    files_dir: Path,
    problems: Problems,
) -> RunInputs | None:
    for key, given in fields.items():
        if key not in workflow.inputs:
            shown = given if isinstance(given, str) else given.filename
            problems.add(["body", key], "Extra inputs are not permitted", "extra_forbidden", shown)
    texts: dict[str, str] = {}
    uploads: dict[str, UploadFile] = {}
    for name, kind in workflow.inputs.items():
        value: str | UploadFile | None = fields.get(name)
        if value is None:
            problems.missing(["body", name])
        elif kind in FILE_KINDS:
            if isinstance(value, str):
                problems.add(
                    ["body", name],
                    "Expected UploadFile, received: <class 'str'>",
                    "value_error",
                    value,
                )
            else:
                uploads[name] = value
        else:
            text = value if isinstance(value, str) else await _upload_text(value)
            if text is None:
                problems.add(["body", name], "Input should be a valid string", "string_type")
                continue
            check_text_input(kind, name, text, problems)
            texts[name] = text
    if problems:
        return None
    values: RunInputs = {}
    for name in workflow.inputs:
        if name in texts:
            values[name] = texts[name]
        else:
            upload = uploads[name]
            values[name] = await run_in_threadpool(
                stage_upload,
                files_dir,
                upload.file,
                safe_filename(upload.filename, fallback=name),
                upload.content_type or "application/octet-stream",
            )
    return values


async def _upload_text(upload: UploadFile) -> str | None:
    # Lenient: a file part where text is expected is read as its UTF-8 text.
    data = await upload.read(MAX_TEXT_PART + 1)
    if len(data) > MAX_TEXT_PART:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
