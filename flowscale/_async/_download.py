"""Saving outputs to disk: streamed, verified, and renamed into place only when complete."""

from __future__ import annotations

import contextlib
import logging
import os
import pathlib

import httpx

from .._async_utils import ChunkWriter, sleep
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIStatusError, DownloadError
from .._operations import DOWNLOAD
from .._paths import temp_path
from .._retry import RetryBudget
from .._status import safe_url
from .._types import Output
from ._http import AsyncAPI

__all__ = ["download_to"]

logger = logging.getLogger("flowscale")

MAX_REDIRECTS = 5


class _Incomplete(DownloadError):
    """The body broke off or had the wrong size: worth another attempt, if any is left."""


def _write_atomic(target: pathlib.Path, data: bytes) -> None:
    tmp = temp_path(target)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


async def download_to(
    api: AsyncAPI,
    output: Output,
    target: pathlib.Path,
    *,
    overwrite: bool = True,
    deadline: Deadline = NO_DEADLINE,
) -> pathlib.Path:
    """Save one output at `target` (a file path). Returns `target`."""
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    if output.download_url is None:
        if output.file_content is None:
            raise DownloadError(f"output {output.filename!r} has nothing to download", url="")
        _write_atomic(target, output.file_content.encode())
        return target
    url = _download_url(output)
    # One budget for the whole download: connection failures and error statuses are retried
    # by the request path, a body that breaks off here, all from the same max_retries.
    budget = RetryBudget()
    while True:
        try:
            await _fetch(api, url, output, target, deadline, budget)
            return target
        except _Incomplete as exc:
            delay = api.config.retry.delay_for_error(
                budget.attempts, httpx.ReadError(""), idempotent=True
            )
            if delay is None or deadline.expired():
                raise
            logger.info("retrying download of %s in %.2f s: %s", output.filename, delay, exc)
            await sleep(deadline.cap(delay))


def _download_url(output: Output) -> httpx.URL:
    try:
        url = httpx.URL(output.download_url or "")
    except httpx.InvalidURL as exc:
        raise DownloadError(
            f"output {output.filename!r} has an invalid download_url: {exc}", url=""
        ) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise DownloadError(
            f"output {output.filename!r} has a download_url that is not an absolute http(s) URL",
            url=safe_url(url),
        )
    return url


async def _fetch(
    api: AsyncAPI,
    url: httpx.URL,
    output: Output,
    target: pathlib.Path,
    deadline: Deadline,
    budget: RetryBudget,
) -> None:
    # Credentials go only where the link itself points at the API, and never again once a
    # redirect has left it: a foreign host must not bounce us back to the API with our key.
    credentials = api.config.is_api_origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        credentials = credentials and api.config.is_api_origin(url)
        try:
            response = await api.send(
                "GET",
                url,
                op=DOWNLOAD,
                stream=True,
                deadline=deadline,
                credentials=credentials,
                budget=budget,
            )
        except APIStatusError as exc:
            why = "the link expired or is not valid" if exc.status_code == 403 else exc.message
            raise DownloadError(
                f"downloading {output.filename!r} from {safe_url(url)} failed: "
                f"{exc.status_code} ({why})",
                url=safe_url(url),
                status_code=exc.status_code,
            ) from exc
        if response.is_redirect and "location" in response.headers:
            # Followed by hand: httpx would resend our headers to wherever it points.
            await response.aclose()
            budget.refund()  # a redirect is an answer, not a failed attempt
            try:
                target_url = url.join(response.headers["location"])
            except httpx.InvalidURL as exc:
                raise DownloadError(f"bad redirect: {exc}", url=safe_url(url)) from exc
            if url.scheme == "https" and target_url.scheme != "https":
                raise DownloadError(
                    f"refusing a redirect from https to {target_url.scheme}", url=safe_url(url)
                )
            url = target_url
            continue
        try:
            await _save(response, url, output, target)
        finally:
            await response.aclose()
        return
    raise DownloadError(f"too many redirects downloading {output.filename!r}", url=safe_url(url))


async def _save(
    response: httpx.Response, url: httpx.URL, output: Output, target: pathlib.Path
) -> None:
    declared = response.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else output.size
    if (
        "content-encoding" in response.headers
        and response.headers["content-encoding"] != "identity"
    ):
        expected = output.size  # Content-Length counts compressed bytes
    tmp = temp_path(target)
    written = 0
    try:
        with tmp.open("wb") as fh:
            writer = ChunkWriter(fh)
            try:
                # The pieces the transport delivers (64 KiB), not re-chunked: cutting the body
                # into 1 MiB chunks cost a third of the throughput in copies and page faults.
                async for chunk in response.aiter_bytes():
                    await writer.write(chunk)
                    written += len(chunk)
                await writer.flush()
            except httpx.RequestError as exc:
                raise _Incomplete(
                    f"downloading {output.filename!r} from {safe_url(url)} broke off after "
                    f"{written} bytes ({type(exc).__name__})",
                    url=safe_url(url),
                ) from exc
        if expected is not None and written != expected:
            raise _Incomplete(
                f"downloading {output.filename!r} from {safe_url(url)}: got {written} bytes, "
                f"expected {expected}",
                url=safe_url(url),
            )
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
