"""Helpers of the command-line tests: the CLI as a subprocess (exactly what a user runs),
and the test workflows that fail, crawl or echo."""

from __future__ import annotations

import io
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import flowscale
from flowscale.server import RunContext, WorkflowFailed

FAILING = "cli-test-fails"
SLOW = "cli-test-slow"
ECHO = "cli-test-echo"
STEADY = "cli-test-steady"
TEXT_TO_IMAGE = "550e8400-e29b-41d4-a716-446655440000"
PROMPT_ENHANCER = "770a1522-a3cd-4e0b-8c1f-668877662222"
SLOW_LIMIT = 60.0  # a slow run ends by itself after this, so nothing outlives a broken test
CLI = [sys.executable, "-m", "flowscale.cli"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def failing_workflow(ctx: RunContext) -> Mapping[str, bytes | str]:
    ctx.progress(1, 2, node_id="7", node_type="VAEDecode")
    raise WorkflowFailed("exploded on purpose", node_id="7", node_type="VAEDecode")


def slow_workflow(ctx: RunContext) -> Mapping[str, bytes | str]:
    # Progress every 50 ms until cancelled: keeps the event stream busy (the SDK must still
    # honour a timeout) and gives Ctrl-C tests a run that is surely running.
    steps = int(SLOW_LIMIT / 0.05)
    for step in range(1, steps + 1):
        ctx.progress(step % 10 + 1, 10, node_id="3", node_type="KSampler")
        ctx.sleep(0.05)
    return {"result.txt": "finished"}


def steady_workflow(ctx: RunContext) -> Mapping[str, bytes | str]:
    # Ten sampler steps of 60 ms: long enough for the live display to draw a few frames.
    for step in range(1, 11):
        ctx.sleep(0.06)
        ctx.progress(step, 10, node_id="3", node_type="KSampler")
    return {"picture.png": tiny_png(), "notes.txt": "ten steps"}


def tiny_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def echo_workflow(ctx: RunContext) -> Mapping[str, bytes | str]:
    upload = ctx.inputs["doc"]
    text = ctx.inputs["text"]
    assert not isinstance(upload, str)
    assert isinstance(text, str)
    ctx.progress(1, 1, node_id="1", node_type="Echo")
    return {"echo.bin": upload.data, "text.txt": f"{upload.filename}|{text}"}


class Cli:
    """Runs `python -m flowscale.cli` in a scratch directory with the server's settings."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.cwd = cwd
        self.env = env

    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        stdin: bytes | None = None,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        raw = subprocess.run(
            [*CLI, *args],
            cwd=self.cwd,
            env=self._env(env),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
        )
        return subprocess.CompletedProcess(
            raw.args, raw.returncode, raw.stdout.decode(), raw.stderr.decode()
        )

    def popen(self, *args: str, env: Mapping[str, str | None] | None = None) -> Watched:
        proc = subprocess.Popen(
            [*CLI, *args],
            cwd=self.cwd,
            env=self._env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        return Watched(proc)

    def _env(self, extra: Mapping[str, str | None] | None) -> dict[str, str]:
        env = dict(self.env)
        for key, value in (extra or {}).items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env


class InProcessCli(Cli):
    """The same command line called in this process (no interpreter start: ~0.5 s saved per
    call), for variations of behaviour that the subprocess tests cover end to end."""

    def __call__(
        self,
        *args: str,
        env: Mapping[str, str | None] | None = None,
        stdin: bytes | None = None,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        from flowscale.cli import main

        assert stdin is None, "use the subprocess runner for stdin"
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        saved_streams = sys.stdout, sys.stderr
        out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        os.environ.clear()
        os.environ.update(self._env(env))
        os.chdir(self.cwd)
        sys.stdout, sys.stderr = out, err
        try:
            code = main(list(args))
        finally:
            sys.stdout, sys.stderr = saved_streams
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        out.flush()
        err.flush()
        return subprocess.CompletedProcess(
            list(args),
            code,
            out.buffer.getvalue().decode(),  # type: ignore[attr-defined]
            err.buffer.getvalue().decode(),  # type: ignore[attr-defined]
        )


class Watched:
    """A running CLI whose stderr lines can be awaited (read by a thread: no blocking reads
    in the test, and every wait is bounded)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        assert proc.stderr is not None
        threading.Thread(target=self._pump, args=(proc.stderr,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str, timeout: float = 20) -> str:
        while True:
            line = self.lines.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"stderr ended before {text!r}: {''.join(self.seen)}")
            self.seen.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 20) -> tuple[int, str, str]:
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        code = self.proc.wait(timeout=timeout)
        while (line := self.lines.get(timeout=timeout)) is not None:
            self.seen.append(line)
        return code, out, "".join(self.seen)


def wait_status(
    client: flowscale.Flowscale, run_id: str, wanted: set[str], attempts: int = 200
) -> str:
    """Poll the run until its status is one of `wanted` (bounded; no timing assertions)."""
    status = ""
    for _ in range(attempts):
        status = client.get_run(run_id).status
        if status in wanted:
            return status
        threading.Event().wait(0.05)
    raise AssertionError(f"run {run_id} stayed {status!r}, wanted {sorted(wanted)}")


def run_id_from(line: str) -> str:
    """The run id in a plain progress line such as "[  0.0s] run <id> started"."""
    words = line.split()
    return words[words.index("run") + 1]
