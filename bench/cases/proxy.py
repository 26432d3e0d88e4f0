"""9. The backend proxy (`flowscale.proxy`): what it adds, side by side with the direct path.

- get_run through the proxy vs direct, on one warm connection each, interleaved: the added
  latency per call (median and p95 of the per-call difference of the two distributions).
- Completion latency of `execute_workflow_async` (events) through the proxy vs direct.
- 500 concurrent event streams through the proxy: its peak RSS (VmHWM of the proxy process),
  every stream read to its `end` event.
- A 512 MiB upload through the proxy: growth of the proxy's peak RSS over its RSS before.

The proxy runs in its own process (`bench._proxy_main`) with authentication and ownership
checks on and limits off; memory is read from /proc of that process.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import select
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import jwt

from flowscale import AsyncFlowscale

from .. import _workflows
from .._context import Case, Context
from .._files import make_file
from .._limits import MIB
from .._model import Row, at_most, median, spread
from .._runs import async_client, since, sleep_inputs, stamp_of
from .._serverproc import ROOT, ServerProcess, child_env

MAX_ADDED_MS = 1.5
MAX_COMPLETION_ADDED_MS = 2.0
MAX_STREAMS_RSS_MIB = 150
MAX_UPLOAD_GROWTH_MIB = 32
UPLOAD_BYTES = 512 * MIB


class ProxyProcess:
    def __init__(self, server: ServerProcess) -> None:
        self.secret = secrets.token_urlsafe(32)
        self._server = server
        self._proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.pid = 0

    def __enter__(self) -> ProxyProcess:
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-P",
                "-m",
                "bench._proxy_main",
                "--upstream",
                self._server.base_url,
                "--api-key",
                self._server.api_key,
                # One argument: a token_urlsafe secret may begin with "-", which argparse
                # would take for an option.
                f"--secret={self.secret}",
            ],
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        if not select.select([self._proc.stdout], [], [], 30)[0]:
            raise RuntimeError("the benchmark proxy did not start within 30 s")
        ready = json.loads(self._proc.stdout.readline())
        self.url, self.pid = ready["url"], ready["pid"]
        return self

    def __exit__(self, *exc_info: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    def headers(self, user: str = "bench-user") -> dict[str, str]:
        claims = {"sub": user, "aud": "bench", "exp": int(time.time()) + 3600}
        return {"Authorization": f"Bearer {jwt.encode(claims, self.secret, algorithm='HS256')}"}

    def status_kib(self, field: str) -> int:
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"no {field} for process {self.pid}")

    def cpu_seconds(self) -> float:
        return _cpu_seconds(self.pid)

    def reset_peak(self) -> bool:
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as fh:
                fh.write("5")
        except OSError:
            return False
        return True


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, in clock ticks)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _forwarder(server: ServerProcess) -> Iterator[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-P",
            "-m",
            "bench._forwarder_main",
            "--upstream",
            server.base_url,
            "--api-key",
            server.api_key,
        ],
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        if not select.select([proc.stdout], [], [], 30)[0]:
            raise RuntimeError("the bare forwarder did not start within 30 s")
        yield json.loads(proc.stdout.readline())["url"]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def _get_run_latency(
    url: str, headers: dict[str, str], run_id: str, calls: int
) -> list[float]:
    samples = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as http:
        for i in range(calls + 20):
            started = time.perf_counter()
            reply = await http.get(f"/api/v1/runs/{run_id}")
            elapsed = time.perf_counter() - started
            reply.raise_for_status()
            if i >= 20:  # warm-up: connections, caches
                samples.append(elapsed)
    return samples


def _latency_rows(server: ServerProcess, proxy: ProxyProcess, ctx: Context) -> list[Row]:
    calls = max(50, ctx.settings.overhead_calls)
    trials = max(1, ctx.settings.overhead_trials)
    with httpx.Client(base_url=proxy.url, headers=proxy.headers(), timeout=30) as http:
        reply = http.post(
            "/api/v1/runs",
            params={"workflow_id": _workflows.SLEEP},
            files={"seconds": (None, "0"), "steps": (None, "1")},
        )
        reply.raise_for_status()
        run_id = reply.json()["data"]["run_id"]
        for _ in range(200):
            if http.get(f"/api/v1/runs/{run_id}").json()["data"]["status"] == "completed":
                break
            time.sleep(0.01)
    direct: list[float] = []
    via: list[float] = []
    floor: list[float] = []
    proxy_cpu = 0.0
    with _forwarder(server) as forwarder_url:
        for trial in range(trials):
            order = ("direct", "proxy", "floor") if trial % 2 == 0 else ("floor", "proxy", "direct")
            for side in order:
                if side == "direct":
                    headers = {"X-API-KEY": server.api_key}
                    direct += asyncio.run(_get_run_latency(server.base_url, headers, run_id, calls))
                elif side == "floor":
                    floor += asyncio.run(_get_run_latency(forwarder_url, {}, run_id, calls))
                else:
                    cpu_before = proxy.cpu_seconds()
                    via += asyncio.run(_get_run_latency(proxy.url, proxy.headers(), run_id, calls))
                    proxy_cpu += proxy.cpu_seconds() - cpu_before
    cpu_us = proxy_cpu / ((calls + 20) * trials) * 1e6
    load = os.getloadavg()[0]
    floor_added = (median(floor) - median(direct)) * 1000
    added_median = (median(via) - median(direct)) * 1000
    added_p95 = (_p95(via) - _p95(direct)) * 1000
    ctx.log(
        f"get_run: direct {median(direct) * 1e3:.2f} ms, proxy {median(via) * 1e3:.2f} ms "
        f"(p95 {_p95(direct) * 1e3:.2f} / {_p95(via) * 1e3:.2f} ms), bare forwarder "
        f"{median(floor) * 1e3:.2f} ms"
    )
    note = (
        f"{trials} trials x {calls} sequential calls per side, one warm connection, async "
        f"httpx; the proxy process spent {cpu_us:.0f} µs of CPU per call; load average "
        f"{load:.1f} on {os.cpu_count()} CPUs"
    )
    ctx.log(f"proxy CPU per get_run: {cpu_us:.0f} µs (load {load:.1f})")
    return [
        Row(
            figure="get_run through the proxy: added latency per call (median)",
            value=added_median,
            shown=f"+{added_median:.2f} ms",
            baseline=f"direct {median(direct) * 1e3:.2f} ms, via proxy {median(via) * 1e3:.2f} "
            f"ms; a bare forwarder on the same stack (no checks) adds {floor_added:+.2f} ms",
            target=at_most(MAX_ADDED_MS, f"≤ {MAX_ADDED_MS} ms"),
            unit="ms",
            note=note,
            data={
                "direct": spread(direct),
                "proxy": spread(via),
                "bare_forwarder": spread(floor),
                "proxy_cpu_us": cpu_us,
            },
        ),
        Row(
            figure="get_run through the proxy: added latency per call (p95)",
            value=added_p95,
            shown=f"+{added_p95:.2f} ms",
            baseline=f"direct p95 {_p95(direct) * 1e3:.2f} ms, via proxy p95 "
            f"{_p95(via) * 1e3:.2f} ms",
            target=at_most(MAX_ADDED_MS, f"≤ {MAX_ADDED_MS} ms"),
            unit="ms",
            note=note,
        ),
    ]


async def _completions(client: AsyncFlowscale, durations: list[float]) -> list[float]:
    samples = []
    for seconds in durations:
        result = await client.execute_workflow_async(
            _workflows.SLEEP, sleep_inputs(seconds), timeout=60
        )
        samples.append(since(stamp_of(result)))
    return samples


def _completion_row(server: ServerProcess, proxy: ProxyProcess, ctx: Context) -> Row:
    trials = max(2, 2 * ctx.settings.latency_trials)  # a median of few runs is noisy
    durations = [0.2 + 0.1 * (i % 3) for i in range(trials)]

    async def measure() -> tuple[list[float], list[float]]:
        direct: list[float] = []
        via: list[float] = []
        async with (
            async_client(server) as plain,
            AsyncFlowscale(
                base_url=proxy.url, proxy_mode=True, custom_headers=proxy.headers()
            ) as proxied,
        ):
            await _completions(plain, [0.0])  # warm-up
            await _completions(proxied, [0.0])
            for seconds in durations:
                direct += await _completions(plain, [seconds])
                via += await _completions(proxied, [seconds])
        return direct, via

    direct, via = asyncio.run(measure())
    added = (median(via) - median(direct)) * 1000
    ctx.log(f"completion: direct {median(direct) * 1e3:.2f} ms, proxy {median(via) * 1e3:.2f} ms")
    return Row(
        figure="completion latency through the proxy (events): added over direct",
        value=added,
        shown=f"+{added:.2f} ms",
        baseline=f"direct {median(direct) * 1e3:.2f} ms, via proxy {median(via) * 1e3:.2f} ms",
        target=at_most(MAX_COMPLETION_ADDED_MS, f"≤ +{MAX_COMPLETION_ADDED_MS} ms"),
        unit="ms",
        note=f"median of {trials} runs per side, interleaved, execute_workflow_async",
        data={"direct": spread(direct), "proxy": spread(via)},
    )


async def _read_stream(http: httpx.AsyncClient, run_id: str) -> str:
    """ "ok" once the stream reached its end event, else what went wrong."""
    try:
        async with http.stream("GET", f"/api/v1/runs/{run_id}/events") as reply:
            if reply.status_code != 200:
                return f"HTTP {reply.status_code}"
            seen = b""
            async for chunk in reply.aiter_raw():
                seen = (seen + chunk)[-4096:]
            return "ok" if b"event: end" in seen else "no end event"
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"


def _streams_row(proxy: ProxyProcess, ctx: Context) -> Row:
    streams = 500 if ctx.settings.mode != "smoke" else 20
    runs = max(1, streams // 10)

    async def main() -> tuple[int, float]:
        # Each stream on a connection of its own: reusing one a finished stream left idle
        # races uvicorn's 5 s keep-alive close once opening 500 takes that long (a client
        # problem, which the SDK's retries absorb; this raw client has none).
        limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=0)
        async with httpx.AsyncClient(
            base_url=proxy.url, headers=proxy.headers(), timeout=120, limits=limits
        ) as http:
            run_ids = []
            for _ in range(runs):
                reply = await http.post(
                    "/api/v1/runs",
                    params={"workflow_id": _workflows.SLEEP},
                    files={"seconds": (None, "1.5"), "steps": (None, "15")},
                )
                reply.raise_for_status()
                run_ids.append(reply.json()["data"]["run_id"])
            started = time.perf_counter()
            done = await asyncio.gather(
                *(_read_stream(http, run_ids[i % runs]) for i in range(streams))
            )
            outcomes = Counter(done)
            if outcomes["ok"] != streams:
                ctx.log(f"event streams: {dict(outcomes)}")
            return outcomes["ok"], time.perf_counter() - started

    before = proxy.status_kib("VmRSS") / 1024
    completed, seconds = asyncio.run(main())
    peak = proxy.status_kib("VmHWM") / 1024
    ctx.log(f"{completed}/{streams} streams complete in {seconds:.1f} s, proxy peak {peak:.0f} MiB")
    if completed != streams:
        raise AssertionError(f"only {completed} of {streams} event streams reached their end")
    return Row(
        figure=f"{streams} concurrent event streams through the proxy: proxy peak RSS",
        value=peak,
        shown=f"{peak:.0f} MiB",
        baseline=f"proxy RSS before: {before:.0f} MiB",
        target=at_most(MAX_STREAMS_RSS_MIB, f"≤ {MAX_STREAMS_RSS_MIB} MiB"),
        unit="MiB",
        note=f"{runs} runs, {streams // runs} streams each, all read to their end event in "
        f"{seconds:.1f} s (VmHWM of the proxy process)",
    )


def _multipart(path: Path, boundary: str) -> tuple[int, Iterator[bytes]]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = path.stat().st_size

    def chunks() -> Iterator[bytes]:
        yield head
        with path.open("rb") as fh:
            while block := fh.read(1 << 18):
                yield block
        yield tail

    return len(head) + size + len(tail), chunks()


def _upload_row(server: ServerProcess, proxy: ProxyProcess, ctx: Context) -> Row:
    size = UPLOAD_BYTES if ctx.settings.mode != "smoke" else 4 * MIB
    path = make_file(ctx.workdir / "proxy-upload.bin", size)
    try:
        length, body = _multipart(path, "bench-b0undary")
        before = proxy.status_kib("VmRSS") / 1024
        reset = proxy.reset_peak()
        started = time.perf_counter()
        with httpx.Client(base_url=proxy.url, headers=proxy.headers(), timeout=300) as http:
            reply = http.post(
                "/api/v1/runs",
                params={"workflow_id": _workflows.UPLOAD},
                content=body,
                headers={
                    "Content-Type": "multipart/form-data; boundary=bench-b0undary",
                    "Content-Length": str(length),
                },
            )
            reply.raise_for_status()
            seconds = time.perf_counter() - started
            run_id = reply.json()["data"]["run_id"]
            for _ in range(600):
                run = http.get(f"/api/v1/runs/{run_id}").json()["data"]
                if run["status"] in ("completed", "failed"):
                    break
                time.sleep(0.05)
        peak = proxy.status_kib("VmHWM") / 1024
    finally:
        path.unlink()
    with httpx.Client(base_url=server.base_url, headers={"X-API-KEY": server.api_key}) as http:
        output = http.get("/api/v1/runs/output", params={"filename": run["outputs"][0]["filename"]})
    received = int(output.json()["data"]["file_content"]) if output.status_code == 200 else -1
    if received != size:
        raise AssertionError(f"the server got {received} bytes of {size}")
    growth = peak - before
    ctx.log(f"upload {size // MIB} MiB via proxy: +{growth:.1f} MiB in {seconds:.1f} s")
    return Row(
        figure=f"upload {size // MIB} MiB through the proxy: proxy peak RSS growth",
        value=growth,
        shown=f"{growth:.1f} MiB",
        baseline=f"upload size {size // MIB} MiB; proxy RSS before {before:.0f} MiB",
        target=at_most(MAX_UPLOAD_GROWTH_MIB, f"≤ {MAX_UPLOAD_GROWTH_MIB} MiB"),
        unit="MiB",
        note=f"one streamed multipart POST, {size / MIB / seconds:.0f} MiB/s"
        + ("" if reset else " (peak not reset: an overstatement)"),
    )


def run(ctx: Context) -> list[Row]:
    with ctx.server(workers=64) as server, ProxyProcess(server) as proxy:
        rows = _latency_rows(server, proxy, ctx)
        rows.append(_completion_row(server, proxy, ctx))
        rows.append(_streams_row(proxy, ctx))
        rows.append(_upload_row(server, proxy, ctx))
    return rows


CASE = Case(name="proxy", title="9. The backend proxy (flowscale.proxy)", run=run)
