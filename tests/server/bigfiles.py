"""Big files through the server without holding them in memory (not part of the test run).

    .venv/bin/python tests/server/bigfiles.py [--mib 512]

Uploads a ``--mib`` MiB file as a multipart part (streamed by httpx from disk), has a user
workflow return a ``--mib`` MiB output as a ``pathlib.Path``, downloads it in chunks, checks
both SHA-256 digests, and prints the peak RSS of this process (server and client together).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

from flowscale.server import InputFile, LocalServer, RunContext, Workflow

CHUNK = 1024 * 1024


def write_file(path: Path, mib: int) -> str:
    digest = hashlib.sha256()
    block = bytes(range(256)) * (CHUNK // 256)
    with path.open("wb") as handle:
        for i in range(mib):
            data = block[i % 256 :] + block[: i % 256]
            handle.write(data)
            digest.update(data)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=512)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "upload.bin"
        expected = write_file(source, args.mib)
        seen: dict[str, str] = {}

        def fn(ctx: RunContext) -> dict[str, Path]:
            upload = ctx.inputs["blob"]
            assert isinstance(upload, InputFile)
            with upload.path.open("rb") as handle:
                seen["upload"] = hashlib.file_digest(handle, "sha256").hexdigest()
            return {"blob.bin": upload.path}  # hand the same bytes back as the output

        with LocalServer(step_delay=0.001) as server:
            server.register_workflow(
                Workflow(
                    id="big", name="Big", inputs={"blob": "file"}, outputs={"blob": "file"}, fn=fn
                )
            )
            headers = {"X-API-KEY": server.api_key}
            started = time.perf_counter()
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=300) as client:
                with source.open("rb") as handle:
                    response = client.post(
                        "/api/v1/runs",
                        params={"workflow_id": "big"},
                        files={"blob": ("upload.bin", handle, "application/octet-stream")},
                    )
                response.raise_for_status()
                run_id = response.json()["data"]["run_id"]
                uploaded = time.perf_counter()
                with client.stream("GET", f"/api/v1/runs/{run_id}/events") as events:
                    for _ in events.iter_lines():
                        pass
                run = client.get(f"/api/v1/runs/{run_id}").json()["data"]
                url = run["outputs"][0]["url"]
            digest = hashlib.sha256()
            size = 0
            with httpx.stream("GET", url, timeout=300) as download:
                for part in download.iter_bytes(CHUNK):
                    digest.update(part)
                    size += len(part)
            downloaded = time.perf_counter()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "mib": args.mib,
        "upload_ok": seen.get("upload") == expected,
        "download_ok": digest.hexdigest() == expected and size == args.mib * CHUNK,
        "upload_seconds": round(uploaded - started, 1),
        "download_seconds": round(downloaded - uploaded, 1),
        "peak_rss_mib": round(peak_mib),
    }
    print(json.dumps(report))
    return 0 if report["upload_ok"] and report["download_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
