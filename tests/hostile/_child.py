"""One hostile case against every public call of one flavour (async client, sync client, CLI),
in a fresh interpreter so that its peak memory (VmHWM) is its own.

    python -m tests.hostile._child CASE FLAVOUR BASE_URL RESULT_FILE [--sequential]

Writes {"calls": [{call, bound, elapsed, outcome}...], "rss_growth": bytes} to RESULT_FILE.
`outcome` is "returned" or the exception's class path (the CLI: its exit code, and whether
stderr held a traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import pathlib
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import flowscale
from flowscale import AsyncFlowscale, Flowscale, Output

# Client settings of the suite: short, so that bounds are seconds, not minutes.
TIMEOUT = 1.5  # each request attempt (read timeout, and the whole response)
MAX_RETRIES = 1
BACKOFF = 0.5  # the first retry's backoff (RetryPolicy.initial_delay)
CALL_TIMEOUT = 3.0  # the `timeout=` of the calls that take one
PLAIN_BOUND = (MAX_RETRIES + 1) * TIMEOUT + BACKOFF
RUN_ID = "11111111-2222-3333-4444-555555555555"
WORKFLOW_ID = "550e8400-e29b-41d4-a716-446655440000"


def vm_hwm() -> int:
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _outcome(exc: BaseException | None) -> str:
    if exc is None:
        return "returned"
    return f"{type(exc).__module__}.{type(exc).__qualname__}"


def _output(base_url: str) -> Output:
    return Output("x.png", download_url=f"{base_url}/files/x.png")


def async_calls(
    client: AsyncFlowscale, base_url: str, folder: pathlib.Path
) -> list[tuple[str, float, Callable[[], Awaitable[Any]]]]:
    async def first_run() -> Any:
        async for run in client.iter_runs():
            return run
        return None

    async def events() -> list[Any]:
        async with client.subscribe_run_events(RUN_ID, timeout=CALL_TIMEOUT) as stream:
            return [event async for event in stream]

    return [
        ("check_health", PLAIN_BOUND, client.check_health),
        ("get_queue", PLAIN_BOUND, client.get_queue),
        ("get_workflows", PLAIN_BOUND, client.get_workflows),
        ("get_run", PLAIN_BOUND, lambda: client.get_run(RUN_ID)),
        ("get_runs", PLAIN_BOUND, client.get_runs),
        ("iter_runs", PLAIN_BOUND, first_run),
        ("cancel_run", PLAIN_BOUND, lambda: client.cancel_run(RUN_ID)),
        ("get_output", PLAIN_BOUND, lambda: client.get_output("x.png")),
        ("execute_workflow", PLAIN_BOUND, lambda: client.execute_workflow(WORKFLOW_ID, {"t": "x"})),
        ("api.check_health", PLAIN_BOUND, lambda: client.api.check_health()),
        (
            "wait_for_run(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.wait_for_run(RUN_ID, timeout=CALL_TIMEOUT),
        ),
        (
            "execute_workflow_async(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.execute_workflow_async(WORKFLOW_ID, {"t": "x"}, timeout=CALL_TIMEOUT),
        ),
        ("subscribe_run_events(timeout=3)", CALL_TIMEOUT, events),
        (
            "download_output(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.download_output(_output(base_url), folder / "a", timeout=CALL_TIMEOUT),
        ),
        (
            "download_outputs(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.download_outputs([_output(base_url)], folder, timeout=CALL_TIMEOUT),
        ),
    ]


async def run_async(base_url: str, sequential: bool) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with AsyncFlowscale(
            api_key="hostile-key", base_url=base_url, timeout=TIMEOUT, max_retries=MAX_RETRIES
        ) as client:

            async def one(name: str, bound: float, call: Callable[[], Awaitable[Any]]) -> None:
                started = time.monotonic()
                error: BaseException | None = None
                try:
                    # A hard stop far past every bound, so that a regression fails, not hangs.
                    await asyncio.wait_for(call(), bound + 20)
                except Exception as exc:
                    error = exc
                results.append(
                    {
                        "call": f"async {name}",
                        "bound": bound,
                        "elapsed": time.monotonic() - started,
                        "outcome": _outcome(error),
                        "typed": error is None or isinstance(error, flowscale.FlowscaleError),
                    }
                )

            calls = async_calls(client, base_url, pathlib.Path(tmp))
            if sequential:
                for call in calls:
                    await one(*call)
            else:
                await asyncio.gather(*(one(*call) for call in calls))
    return results


def sync_calls(
    client: Flowscale, base_url: str, folder: pathlib.Path
) -> list[tuple[str, float, Callable[[], Any]]]:
    def first_run() -> Any:
        return next(iter(client.iter_runs()), None)

    def events() -> list[Any]:
        with client.subscribe_run_events(RUN_ID, timeout=CALL_TIMEOUT) as stream:
            return list(stream)

    return [
        ("check_health", PLAIN_BOUND, client.check_health),
        ("get_queue", PLAIN_BOUND, client.get_queue),
        ("get_workflows", PLAIN_BOUND, client.get_workflows),
        ("get_run", PLAIN_BOUND, lambda: client.get_run(RUN_ID)),
        ("get_runs", PLAIN_BOUND, client.get_runs),
        ("iter_runs", PLAIN_BOUND, first_run),
        ("cancel_run", PLAIN_BOUND, lambda: client.cancel_run(RUN_ID)),
        ("get_output", PLAIN_BOUND, lambda: client.get_output("x.png")),
        ("execute_workflow", PLAIN_BOUND, lambda: client.execute_workflow(WORKFLOW_ID, {"t": "x"})),
        ("api.check_health", PLAIN_BOUND, lambda: client.api.check_health()),
        (
            "wait_for_run(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.wait_for_run(RUN_ID, timeout=CALL_TIMEOUT),
        ),
        (
            "execute_workflow_async(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.execute_workflow_async(WORKFLOW_ID, {"t": "x"}, timeout=CALL_TIMEOUT),
        ),
        ("subscribe_run_events(timeout=3)", CALL_TIMEOUT, events),
        (
            "download_output(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.download_output(_output(base_url), folder / "a", timeout=CALL_TIMEOUT),
        ),
        (
            "download_outputs(timeout=3)",
            CALL_TIMEOUT,
            lambda: client.download_outputs([_output(base_url)], folder, timeout=CALL_TIMEOUT),
        ),
    ]


def _timed_threads(
    jobs: list[tuple[str, float, Callable[[], dict[str, Any]]]], sequential: bool, at_once: int = 64
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    lock = threading.Lock()
    gate = threading.Semaphore(at_once)

    def worker(name: str, bound: float, job: Callable[[], dict[str, Any]]) -> None:
        with gate:
            started = time.monotonic()
            row = job()
            row.update(call=name, bound=bound, elapsed=time.monotonic() - started)
        with lock:
            results.append(row)

    threads = [threading.Thread(target=worker, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
        if sequential:
            thread.join(60)
    for thread, (name, bound, _job) in zip(threads, jobs, strict=True):
        thread.join(max(0.0, bound + 60))
        if thread.is_alive():  # a regression: report it unbounded rather than hang the suite
            results.append({"call": name, "bound": bound, "elapsed": float("inf"),
                            "outcome": "still running", "typed": False})  # fmt: skip
    return results


def run_sync(base_url: str, sequential: bool) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        client = Flowscale(
            api_key="hostile-key", base_url=base_url, timeout=TIMEOUT, max_retries=MAX_RETRIES
        )

        def job(call: Callable[[], Any]) -> Callable[[], dict[str, Any]]:
            def run() -> dict[str, Any]:
                try:
                    call()
                except Exception as exc:
                    return {"outcome": _outcome(exc),
                            "typed": isinstance(exc, flowscale.FlowscaleError)}  # fmt: skip
                return {"outcome": "returned", "typed": True}

            return run

        jobs = [
            (f"sync {name}", bound, job(call))
            for name, bound, call in sync_calls(client, base_url, pathlib.Path(tmp))
        ]
        try:
            return _timed_threads(jobs, sequential)
        finally:
            client.close()


# The CLI's commands, in-process (interpreter start-up is not the command's time), each with
# the suite's request settings; `runs wait --timeout 3s` is the command the issue timed.
CLI_COMMANDS: list[tuple[str, float, list[str]]] = [
    ("runs wait --timeout 3s", CALL_TIMEOUT, ["runs", "wait", RUN_ID, "--timeout", "3s"]),
    ("runs get", PLAIN_BOUND, ["runs", "get", RUN_ID]),
    ("runs list", PLAIN_BOUND, ["runs", "list"]),
    ("runs cancel", PLAIN_BOUND, ["runs", "cancel", RUN_ID]),
    ("health", PLAIN_BOUND, ["health"]),
    ("queue", PLAIN_BOUND, ["queue"]),
    ("workflows", PLAIN_BOUND, ["workflows"]),
    ("output", PLAIN_BOUND + CALL_TIMEOUT, ["output", "x.png", "--out", "{tmp}/o"]),
    (
        "run --timeout 3s",
        PLAIN_BOUND + CALL_TIMEOUT,
        ["run", WORKFLOW_ID, "-i", "t=x", "--timeout", "3s"],
    ),
]


def run_cli(base_url: str, sequential: bool) -> list[dict[str, Any]]:
    from flowscale.cli import main as cli_main

    settings = ["--base-url", base_url, "--api-key", "hostile-key", "--timeout",
                str(TIMEOUT), "--max-retries", str(MAX_RETRIES), "--quiet"]  # fmt: skip
    stderr = io.StringIO()
    with tempfile.TemporaryDirectory() as tmp:

        def job(args: list[str]) -> Callable[[], dict[str, Any]]:
            def run() -> dict[str, Any]:
                try:
                    code: object = cli_main([*settings, *(a.format(tmp=tmp) for a in args)])
                except SystemExit as exc:
                    code = exc.code
                except Exception as exc:
                    return {"outcome": _outcome(exc), "typed": False}
                return {"outcome": f"exit {code}", "typed": isinstance(code, int) and code != 1}

            return run

        jobs = [(f"cli {name}", bound, job(args)) for name, bound, args in CLI_COMMANDS]
        # One stderr for all (sys.stderr is process-wide): any traceback marks them untyped.
        # Three at a time: the commands share one interpreter (and its GIL) here, which
        # would otherwise add their rendering to each other's time.
        with contextlib.redirect_stderr(stderr):
            results = _timed_threads(jobs, sequential, at_once=3)
    if "Traceback" in stderr.getvalue():
        for row in results:
            row["typed"] = False
    return results


def warm_up() -> None:
    """Import everything a first call imports (the generated modules), against a closed port,
    so that no call's time includes importing on a loaded machine."""
    refused = "http://127.0.0.1:9"
    client = Flowscale(api_key="k", base_url=refused, max_retries=0, timeout=1)
    for _name, _bound, call in sync_calls(client, refused, pathlib.Path(tempfile.gettempdir())):
        with contextlib.suppress(Exception):
            call()
    client.close()
    import flowscale.cli._main  # noqa: F401


def main() -> None:
    case, flavour, base_url, result_file = sys.argv[1:5]
    sequential = "--sequential" in sys.argv[5:]
    warm_up()
    before = vm_hwm()
    if flavour == "async":
        calls = asyncio.run(run_async(base_url, sequential))
    elif flavour == "sync":
        calls = run_sync(base_url, sequential)
    else:
        calls = run_cli(base_url, sequential)
    growth = vm_hwm() - before
    pathlib.Path(result_file).write_text(
        json.dumps({"case": case, "flavour": flavour, "calls": calls, "rss_growth": growth})
    )
    sys.stdout.flush()
    os._exit(0)  # daemon threads of a regression must not keep the child alive


if __name__ == "__main__":
    main()
