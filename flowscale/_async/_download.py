"""Outputs in every form, on one download implementation.

`iter_output` is the one download loop: it follows redirects by hand (credentials never leave
the API origin), asks for byte ranges, verifies the body against the API's `output.size` and
the host's Content-Length (never reading past either), resumes a body that broke off from
where it stopped (with a Range request, or by skipping what it already had), refreshes an
expired signed link once through `get_output`, and counts every attempt in one `RetryBudget`.
Reading into memory, writing into a caller's file, saving to a path and streaming chunks are
thin consumers of it.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import pathlib
import re
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, BinaryIO

import httpx

from .._async_utils import ChunkWriter, sleep
from .._config import DEFAULT_MAX_READ
from .._deadline import NO_DEADLINE, Deadline
from .._errors import APIStatusError, DownloadError, OutputTooLargeError
from .._operations import DOWNLOAD
from .._paths import temp_path
from .._retry import RetryBudget
from .._status import safe_url
from .._types import Output
from ._http import AsyncAPI
from ._ops import AsyncOperations

__all__ = [
    "DEFAULT_MAX_READ",
    "AsyncOutputStream",
    "ProgressCallback",
    "ProgressTotal",
    "download_to",
    "iter_output",
    "read_output",
    "window_size",
    "write_output",
]

logger = logging.getLogger("flowscale")

MAX_REDIRECTS = 5
# A partial file older than this, where no lock can tell whether its writer is alive (no
# fcntl), is taken for the leftover of a killed process.
_STALE_AFTER = 24 * 3600.0
# An unlocked partial file younger than this may be one a live download has just created and
# not locked yet: left alone.
_GRACE = 1.0

ProgressCallback = Callable[[int, int | None], object]
"""`progress(bytes_done, total)`: called as bytes arrive; `total` is None when unknown."""

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class _Incomplete(DownloadError):
    """The body broke off, came up short or did not match the API's record: worth another
    attempt, if any is left (a host that keeps lying runs out of them)."""


class _Expired(Exception):
    """The file host refused the link (403): a fresh link from `get_output` may work."""

    def __init__(self, error: DownloadError) -> None:
        super().__init__(str(error))
        self.error = error


def check_progress(progress: Any) -> ProgressCallback | None:
    """`progress` itself, or a TypeError before any request when it cannot be called."""
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be a callable (bytes_done, total), not {progress!r}")
    return progress  # type: ignore[no-any-return]


def check_range(offset: Any, length: Any) -> None:
    """TypeError/ValueError for a byte range that is not two non-negative ints."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValueError(f"offset must be an int >= 0, not {offset!r}")
    if length is not None and (
        isinstance(length, bool) or not isinstance(length, int) or length < 0
    ):
        raise ValueError(f"length must be None or an int >= 0, not {length!r}")


def window_size(output: Output, offset: int, length: int | None) -> int | None:
    """How many bytes the caller will get, when the API told the size (or a length was asked)."""
    if output.size is None:
        return length
    available = max(0, output.size - offset)
    return available if length is None else min(length, available)


async def iter_output(
    api: AsyncAPI,
    output: Output,
    *,
    offset: int = 0,
    length: int | None = None,
    deadline: Deadline = NO_DEADLINE,
    progress: ProgressCallback | None = None,
    refresh: AsyncOperations | None = None,
) -> AsyncIterator[bytes]:
    """The bytes `offset` to `offset + length` (or the end) of an output, as they arrive.

    Raises `DownloadError` when the host's answer does not match the API's record (size,
    Content-Length, Content-Range, an HTML page for a non-HTML file); never yields more than
    `output.size` or Content-Length allow. `refresh` (the operations) lets a 403 fetch a fresh
    link once.
    """
    total = window_size(output, offset, length)
    done = 0
    if output.download_url is None:
        if output.file_content is None:
            raise DownloadError(f"output {output.filename!r} has nothing to download", url="")
        data = output.file_content.encode()
        piece = data[offset : None if length is None else offset + length]
        if piece:
            if progress is not None:
                progress(len(piece), len(piece))
            yield piece
        return
    url = _download_url(output)
    if total == 0:
        return
    # One budget for the whole download: connection failures and error statuses retried by
    # the request path, a body that breaks off here, all count against the same max_retries.
    budget = RetryBudget()
    refreshed = refresh is None or not output.raw  # hand-made Outputs are not looked up again
    while True:
        want = None if total is None else total - done
        try:
            ranged = offset + done > 0 or length is not None
            chunks = _attempt(api, url, output, offset + done, want, ranged, deadline, budget)
            async for chunk in chunks:
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
                yield chunk
            return
        except _Expired as expired:
            if refreshed or refresh is None:
                raise expired.error from None
            refreshed = True
            logger.info("the link of %s expired: asking get_output for a new one", output.filename)
            fresh = await refresh.get_output(output.filename, deadline)
            if fresh is None or fresh.download_url is None:
                raise expired.error from None
            if output.size is not None and fresh.size is not None and fresh.size != output.size:
                raise DownloadError(
                    f"output {output.filename!r} changed size on the API while downloading "
                    f"({output.size} -> {fresh.size} bytes)",
                    url=safe_url(url),
                ) from None
            url = _download_url(fresh)
        except _Incomplete as exc:
            delay = api.config.retry.delay_for_error(
                budget.attempts, httpx.ReadError(""), idempotent=True
            )
            if delay is None or deadline.expired():
                raise
            logger.info("resuming download of %s in %.2f s: %s", output.filename, delay, exc)
            await sleep(deadline.cap(delay))


def _shown_url(output: Output) -> str:
    try:
        return safe_url(httpx.URL(output.download_url or ""))
    except httpx.InvalidURL:
        return ""


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


async def _open(
    api: AsyncAPI,
    url: httpx.URL,
    output: Output,
    headers: dict[str, str],
    deadline: Deadline,
    budget: RetryBudget,
) -> tuple[httpx.Response, httpx.URL]:
    """The file host's response (not read yet; the caller closes it) and its final URL."""
    # Credentials go only where the link itself points at the API, and never again once a
    # redirect has left it: a foreign host must not bounce us back to the API with our key.
    credentials = api.config.is_api_origin(url)
    for _ in range(MAX_REDIRECTS + 1):
        credentials = credentials and api.config.is_api_origin(url)
        try:
            response = await api.send(
                "GET",
                url,
                headers=headers,
                op=DOWNLOAD,
                stream=True,
                deadline=deadline,
                credentials=credentials,
                budget=budget,
            )
        except APIStatusError as exc:
            why = "the link expired or is not valid" if exc.status_code == 403 else exc.message
            error = DownloadError(
                f"downloading {output.filename!r} from {safe_url(url)} failed: "
                f"{exc.status_code} ({why})",
                url=safe_url(url),
                status_code=exc.status_code,
            )
            error.__cause__ = exc
            if exc.status_code == 403:
                raise _Expired(error) from exc
            raise error from exc
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
        return response, url
    raise DownloadError(f"too many redirects downloading {output.filename!r}", url=safe_url(url))


async def _attempt(
    api: AsyncAPI,
    url: httpx.URL,
    output: Output,
    start: int,
    want: int | None,
    ranged: bool,
    deadline: Deadline,
    budget: RetryBudget,
) -> AsyncIterator[bytes]:
    """One request for bytes `start` .. `start + want` (None: to the end), checked as it goes."""
    headers: dict[str, str] = {}
    if ranged:
        end = "" if want is None else str(start + want - 1)
        headers["Range"] = f"bytes={start}-{end}"
    response, url = await _open(api, url, output, headers, deadline, budget)
    where = f"downloading {output.filename!r} from {safe_url(url)}"
    try:
        skip, body_size, to_end = _check_response(response, output, start, where, safe_url(url))
        if want is not None and to_end and body_size is not None and skip + want > body_size:
            want = max(0, body_size - skip)  # a window past the end of the file: clipped
        # The bytes this body may carry in all, from the API's size and the host's headers:
        # reading stops there, whatever the host sends after.
        received = 0
        given = 0
        # A window narrower than the body (a 200 to a Range request): stop once it is full.
        # Otherwise read to the end, so a body longer than announced is caught.
        early = want is not None and (body_size is None or skip + want < body_size)
        try:
            # The pieces the transport delivers (64 KiB), not re-chunked: cutting the body into
            # 1 MiB chunks cost a third of the throughput in copies and page faults.
            async for chunk in response.aiter_bytes():
                if body_size is not None and received + len(chunk) > body_size:
                    raise _Incomplete(
                        f"{where}: the host sent more than the {body_size} bytes announced",
                        url=safe_url(url),
                    )
                received += len(chunk)
                if deadline.expired():
                    raise DownloadError(
                        f"{where}: the deadline passed after {received} bytes", url=safe_url(url)
                    )
                if skip:
                    cut = min(skip, len(chunk))
                    chunk, skip = chunk[cut:], skip - cut
                if early and want is not None and given + len(chunk) >= want:
                    chunk = chunk[: want - given]
                    given += len(chunk)
                    if chunk:
                        yield chunk
                    return  # the window is complete: the rest of a 200 body is not read
                if chunk:
                    given += len(chunk)
                    yield chunk
        except httpx.RequestError as exc:
            raise _Incomplete(
                f"{where} broke off after {received} bytes ({type(exc).__name__})",
                url=safe_url(url),
            ) from exc
        if body_size is not None and received < body_size:
            raise _Incomplete(
                f"{where}: got {received} bytes, expected {body_size}", url=safe_url(url)
            )
        if want is not None and given < want:
            raise _Incomplete(
                f"{where}: got {start + given} bytes, expected {start + want}", url=safe_url(url)
            )
    finally:
        await response.aclose()


def _check_response(
    response: httpx.Response, output: Output, start: int, where: str, url: str
) -> tuple[int, int | None, bool]:
    """How many leading bytes to skip, how many the body may hold, and whether it runs to the
    end of the file; or DownloadError."""
    if response.status_code not in (200, 206):
        raise DownloadError(  # not retried: the request path already retried what is worth it
            f"{where}: unexpected status {response.status_code}",
            url=url,
            status_code=response.status_code,
        )
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "text/html" and not _is_html(output):
        raise _Incomplete(
            f"{where}: the host sent an HTML page instead of the file (status "
            f"{response.status_code})",
            url=url,
            status_code=response.status_code,
        )
    encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
    declared = response.headers.get("content-length")
    length = int(declared) if declared and declared.isdigit() and not encoded else None
    size = output.size
    if response.status_code == 206:
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
        if match is None:
            raise _Incomplete(f"{where}: a 206 without a valid Content-Range", url=url)
        first, last, whole = match.groups()
        if int(first) != start or int(last) < int(first):
            raise _Incomplete(
                f"{where}: asked for bytes from {start}, the host sent {first}-{last}", url=url
            )
        if size is not None and whole != "*" and int(whole) != size:
            raise _Incomplete(
                f"{where}: the host says the file has {whole} bytes, the API says {size}", url=url
            )
        span = int(last) - int(first) + 1
        if length is not None and length != span:
            raise _Incomplete(
                f"{where}: Content-Length {length} does not match Content-Range {first}-{last}",
                url=url,
            )
        if size is not None and int(last) >= size:
            raise _Incomplete(f"{where}: the range ends past the file's {size} bytes", url=url)
        return 0, span, whole != "*" and int(last) == int(whole) - 1
    if size is not None and length is not None and length != size:
        raise _Incomplete(
            f"{where}: the host announces {length} bytes, the API says the file has {size}",
            url=url,
        )
    return start, size if size is not None else length, True


def _is_html(output: Output) -> bool:
    kind = output.content_type or mimetypes.guess_type(output.filename)[0] or ""
    return kind.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


class ProgressTotal:
    """One `(bytes_done, total)` progress over several downloads (`download_outputs`): each
    download reports through `part(i)`; safe from the blocking client's threads."""

    def __init__(self, outputs: list[Output], progress: ProgressCallback | None) -> None:
        import threading

        self._progress = progress
        sizes = [
            o.size if o.download_url else len((o.file_content or "").encode()) for o in outputs
        ]
        self.total = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
        self._done = [0] * len(outputs)
        self._lock = threading.Lock()

    def part(self, index: int) -> ProgressCallback | None:
        """The callback for download `index` (None without an overall callback)."""
        progress = self._progress
        if progress is None:
            return None

        def report(done: int, total: int | None) -> None:
            with self._lock:
                self._done[index] = done
                overall = sum(self._done)
                progress(overall, self.total)

        return report


# ---- consumers ----------------------------------------------------------------------------


async def read_output(
    api: AsyncAPI,
    output: Output,
    *,
    max_size: int = DEFAULT_MAX_READ,
    offset: int = 0,
    length: int | None = None,
    deadline: Deadline = NO_DEADLINE,
    progress: ProgressCallback | None = None,
    refresh: AsyncOperations | None = None,
) -> bytes:
    """The output's bytes, at most `max_size` of them (`OutputTooLargeError` past it)."""
    expected = window_size(output, offset, length)
    if expected is not None and expected > max_size:
        raise OutputTooLargeError(
            f"output {output.filename!r} has {expected} bytes, more than max_size={max_size}",
            url=_shown_url(output),
            max_size=max_size,
        )
    chunks: list[bytes] = []
    size = 0
    stream = iter_output(
        api,
        output,
        offset=offset,
        length=length,
        deadline=deadline,
        progress=progress,
        refresh=refresh,
    )
    try:
        async for chunk in stream:
            size += len(chunk)
            if size > max_size:
                chunks.clear()
                raise OutputTooLargeError(
                    f"output {output.filename!r} is larger than max_size={max_size} bytes",
                    url=_shown_url(output),
                    max_size=max_size,
                )
            chunks.append(chunk)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    return b"".join(chunks)


async def write_output(
    api: AsyncAPI,
    output: Output,
    fh: BinaryIO,
    *,
    deadline: Deadline = NO_DEADLINE,
    progress: ProgressCallback | None = None,
    refresh: AsyncOperations | None = None,
) -> int:
    """Write the output into a caller's binary file object; returns the bytes written."""
    written = 0
    writer = ChunkWriter(fh)
    try:
        async for chunk in iter_output(
            api, output, deadline=deadline, progress=progress, refresh=refresh
        ):
            await writer.write(chunk)
            written += len(chunk)
    except BaseException:
        await writer.abandon()
        raise
    await writer.close()
    return written


async def download_to(
    api: AsyncAPI,
    output: Output,
    target: pathlib.Path,
    *,
    overwrite: bool = True,
    deadline: Deadline = NO_DEADLINE,
    progress: ProgressCallback | None = None,
    refresh: AsyncOperations | None = None,
) -> pathlib.Path:
    """Save one output at `target` (a file path): written to a hidden locked partial file,
    renamed into place only once verified. Returns `target`."""
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists; pass overwrite=True to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(target)
    tmp = temp_path(target)
    try:
        with tmp.open("xb") as fh:
            _lock(fh)  # held while we write: the next download knows this one is alive
            await write_output(
                api, output, fh, deadline=deadline, progress=progress, refresh=refresh
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _lock(fh: BinaryIO) -> None:
    try:
        import fcntl
    except ImportError:  # Windows: the age of a partial file has to do
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_stale_partials(target: pathlib.Path) -> list[pathlib.Path]:
    """Remove the hidden partial files of `target` left by downloads that died (SIGKILL, a
    power cut): those no live process holds locked. Returns the paths removed."""
    prefix = f".{target.name}."
    removed: list[pathlib.Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        middle = name[len(prefix) : -len(".part")]
        if not (name.startswith(prefix) and name.endswith(".part") and len(middle) == 8):
            continue
        if not all(c in "0123456789abcdef" for c in middle):
            continue
        path = pathlib.Path(entry.path)
        if _abandoned(path):
            path.unlink(missing_ok=True)
            removed.append(path)
            logger.info("removed %s, left by a download that did not finish", path)
    return removed


def _abandoned(path: pathlib.Path) -> bool:
    try:
        import fcntl
    except ImportError:
        try:
            return time.time() - path.stat().st_mtime > _STALE_AFTER
        except OSError:
            return False
    try:
        if time.time() - path.stat().st_mtime < _GRACE:
            return False
        with path.open("rb") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a live download holds it
            return True
    except OSError:
        return False


class AsyncOutputStream:
    """An output as chunks of bytes, for asyncio: `async with client.stream_output(o) as
    chunks: async for chunk in chunks: ...`.

    One verified download (see `AsyncFlowscale.download_output`): a body that breaks off is
    resumed where it stopped, a size mismatch raises `DownloadError` while iterating. Leaving
    the `async with` block (or `aclose()`) closes the connection.

    Attributes:
        output: The output being read.
        total: The bytes it will yield, when the API told the size (else None).
    """

    def __init__(self, chunks: AsyncIterator[bytes], output: Output, total: int | None) -> None:
        self._chunks = chunks
        self.output = output
        self.total = total

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self

    async def __anext__(self) -> bytes:
        return await self._chunks.__anext__()

    async def __aenter__(self) -> AsyncOutputStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and close the connection (the stream then ends)."""
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(output={self.output.filename!r}, total={self.total})"
