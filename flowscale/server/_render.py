"""How runs, outputs and events look on the wire (signed URLs are made fresh each time)."""

from __future__ import annotations

from typing import Any, Final

from ._clock import iso
from ._signing import Signer
from ._store import EventRow, OutputRow, RunRow, Store

TEAM_ID: Final = "local"


def run_json(run: RunRow, outputs: list[OutputRow], store: Store, signer: Signer) -> dict[str, Any]:
    inputs = []
    for item in run.inputs:
        token = item.get("_token")
        url = signer.url(token, str(item.get("value"))) if token else None
        inputs.append(
            {
                "path": item["path"],
                "value": item.get("value"),
                "s3_key": item.get("s3_key"),
                "url": url,
            }
        )
    ready = [o for o in outputs if o.ready and o.filename]
    return {
        "_id": run.id,
        "team_id": TEAM_ID,
        "workflow_id": run.workflow_id,
        "group_id": run.group_id,
        "status": run.status,
        "inputs": inputs,
        "output_names": [o.name for o in ready],
        "outputs": [
            {
                "filename": o.filename,
                "s3_key": f"generations/{o.filename}",
                "url": signer.url(o.token, o.filename) if o.token and o.filename else None,
            }
            for o in ready
        ],
        "created_at": iso(run.created_at),
        "started_at": iso(run.started_at),
        "completed_at": iso(run.completed_at),
        "error": run.error,
    }


def output_json(output: OutputRow, store: Store, signer: Signer) -> dict[str, Any]:
    """The output endpoint's ``data`` for a ready output."""
    assert output.token is not None
    assert output.filename is not None
    file = store.get_file(output.token)
    is_text = output.text is not None
    return {
        "download_url": None if is_text else signer.url(output.token, output.filename),
        "file_content": output.text,
        "generation_status": "success",
        "filename": output.filename,
        "content_type": file.content_type if file else None,
        "size": file.size if file else None,
    }


def event_json(event: EventRow, signer: Signer) -> dict[str, Any]:
    """An event's data line: common fields, then the type's fields (internal ones dropped)."""
    data: dict[str, Any] = {
        "seq": event.seq,
        "run_id": event.run_id,
        "type": event.type,
        "timestamp": event.timestamp,
    }
    for key, value in event.fields.items():
        if not key.startswith("_"):
            data[key] = value
    token = event.fields.get("_token")
    if token and event.fields.get("filename"):
        data["download_url"] = signer.url(token, event.fields["filename"])
    return data
