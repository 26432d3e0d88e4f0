"""`flowscale batch WORKFLOW --rows rows.csv`: one run per row, resumable, exactly once."""

from __future__ import annotations

import csv
import json
import pathlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import click
from rich.text import Text

from flowscale._batch import (
    BatchRow,
    BatchSummary,
    RowResult,
    RowStatus,
    Shard,
    Tally,
    parse_shard,
)
from flowscale._concurrency import AdaptiveLimit
from flowscale._manifest import Manifest, ManifestError, RowState

from ._console import err_console, interactive_stderr, note
from ._context import json_option, session_of
from ._durations import format_duration
from ._errors import CliError, ExitCode
from ._inputs import parse_inputs
from ._output import print_table
from ._resolve import complete_workflows, resolve_workflow

__all__ = ["batch"]


def _shard(_ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    if value is None:
        return None
    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None


@click.command(
    epilog="""\b
Examples:
  flowscale batch "Text to Image" --rows prompts.csv --out results/
  flowscale batch "Image to Image" --each-file photos/ --as image_input -i prompt=sketch
  flowscale batch WF --rows rows.jsonl --out results/ --resume --retry-failed 2
  JOB_COMPLETION_INDEX=1 flowscale batch WF --rows rows.csv --out r/ --shard 3

\b
Rows: CSV columns (or JSONL keys) are input names; a value @path uploads that file
(relative to the rows file), @@text is the literal text @text; empty cells are not sent.
Results: <out>/results.csv and results.jsonl (row, run id, status, outputs, error).
Exit codes: 0 all rows done, 2 usage, 4 some rows failed (the count is printed)."""
)
@click.argument("workflow", shell_complete=complete_workflows)
@click.option("--rows", "rows_file", type=click.Path(path_type=pathlib.Path), metavar="FILE",
              help="Rows file: .csv or .jsonl, one run per row.")  # fmt: skip
@click.option("--each-file", type=click.Path(path_type=pathlib.Path), metavar="DIR",
              help="One run per file in DIR (with --as).")  # fmt: skip
@click.option("--as", "as_input", metavar="INPUT", help="The input --each-file fills.")
@click.option("--input", "-i", "inputs", multiple=True, metavar="NAME=VALUE",
              help="An input common to every row (repeatable).")  # fmt: skip
@click.option("--concurrency", "-c", type=click.IntRange(1, 4096), default=8, show_default=True,
              help="Rows in flight at most (lowered on its own while rate limited).")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=pathlib.Path), metavar="DIR",
              help="Save each row's outputs into DIR/<row>/.")  # fmt: skip
@click.option("--manifest", type=click.Path(path_type=pathlib.Path), metavar="PATH",
              help="Manifest file [default: DIR/manifest.sqlite].")  # fmt: skip
@click.option("--resume", is_flag=True, help="Continue the batch of an existing manifest.")
@click.option("--retry-failed", type=click.IntRange(0, 100), default=0, metavar="K",
              help="Run a failed row again, up to K times.")  # fmt: skip
@click.option("--timeout", "row_timeout", type=float, default=600.0, show_default=True,
              metavar="SECONDS", help="Longest wait for one row's run.")  # fmt: skip
@click.option("--shard", callback=_shard, metavar="K/N",
              help="Shard K (0-based) of N; N alone: K from JOB_COMPLETION_INDEX.")  # fmt: skip
@click.option("--cancel-on-interrupt", is_flag=True, help="Ctrl-C also cancels runs in flight.")
@json_option
@click.pass_context
def batch(
    ctx: click.Context,
    workflow: str,
    rows_file: pathlib.Path | None,
    each_file: pathlib.Path | None,
    as_input: str | None,
    inputs: tuple[str, ...],
    concurrency: int,
    out_dir: pathlib.Path | None,
    manifest: pathlib.Path | None,
    resume: bool,
    retry_failed: int,
    row_timeout: float,
    shard: Shard | None,
    cancel_on_interrupt: bool,
) -> None:
    """Run WORKFLOW once per row of --rows (or per file of --each-file).

    Records every row's state in a manifest as it changes, so that --resume after a crash,
    Ctrl-C or kill -9 runs each row exactly once: finished rows are skipped, started runs
    are waited for. Rate limits slow the batch down; they never fail a row.
    """
    session = session_of(ctx)
    if (rows_file is None) == (each_file is None):
        raise CliError("give one of --rows FILE or --each-file DIR", ExitCode.USAGE)
    if each_file is not None and not as_input:
        raise CliError("--each-file needs --as INPUT (the input each file fills)", ExitCode.USAGE)
    common = parse_inputs(inputs)
    suffix = "" if shard is None else f"-{shard.index}-of-{shard.count}"
    folder = out_dir if out_dir is not None else pathlib.Path.cwd()
    manifest = manifest or (
        folder / f"manifest{suffix}.sqlite"
        if out_dir
        else folder / f"flowscale-batch{suffix}.sqlite"
    )
    if manifest.exists() and not resume:
        raise CliError(
            f"{manifest} exists: a batch was started with it",
            ExitCode.USAGE,
            "continue it with --resume, or remove the file to start over",
        )
    with session.client() as client:
        target = resolve_workflow(client, workflow)
        workflow_id = target if isinstance(target, str) else target.id
        known = None if isinstance(target, str) or not target.inputs else set(target.inputs)
        if known is not None:
            unknown = sorted(set(common) - known)
            if unknown:
                raise CliError(f"-i {', '.join(unknown)}: no such input", ExitCode.USAGE)

        def rows() -> Iterator[BatchRow]:
            if rows_file is not None:
                return _rows_of_file(rows_file, known)
            assert each_file is not None
            assert as_input is not None
            from ._rows import each_file_rows

            return each_file_rows(each_file, as_input, known)

        _check_up_front(rows(), shard)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        manifest.parent.mkdir(parents=True, exist_ok=True)
        try:
            running = client.run_batch(
                workflow_id,
                rows(),
                inputs=common,
                concurrency=concurrency,
                manifest=manifest,
                out_dir=out_dir,
                retry_failed=retry_failed,
                timeout=row_timeout,
                cancel_in_flight=cancel_on_interrupt,
                shard=shard,
            )
        except ManifestError as exc:
            raise CliError(str(exc), ExitCode.USAGE) from None
        display = _Display(running.counts, running.limit, enabled=session.show_progress)
        interrupted = False
        try:
            with running, display:
                for result in running:
                    if session.json:
                        print(json.dumps(result.to_dict()), flush=True)
        except KeyboardInterrupt:
            interrupted = True
    # From the manifest, a page at a time: memory stays bounded however many rows there are.
    csv_path, jsonl_path = _write_results(out_dir or manifest.parent, suffix, manifest, workflow_id)
    summary = running.summary
    assert summary is not None
    if session.json:
        print(json.dumps({"summary": {**_summary_dict(summary), "results": str(jsonl_path)}}))
    elif not session.quiet:
        _final_table(summary, manifest, workflow_id)
        note(f"results: {csv_path} and {jsonl_path}; manifest: {manifest}", style="dim")
    if interrupted:
        raise CliError(
            "interrupted: no new row was started",
            ExitCode.INTERRUPTED,
            "run the same command with --resume to finish the batch",
        )
    failed = summary.failed + summary.invalid + summary.unfinished
    if failed:
        raise CliError(
            f"{failed} of {summary.total} rows failed",
            ExitCode.RUN_FAILED,
            "see the results file; --resume --retry-failed K runs them again",
        )


def _rows_of_file(path: pathlib.Path, known: set[str] | None) -> Iterator[BatchRow]:
    from ._rows import file_rows

    return file_rows(path, known)


def _check_up_front(rows: Iterator[BatchRow], shard: Shard | None) -> int:
    """Read every row once (lazily, nothing kept) and report the bad ones before any run."""
    bad = 0
    for row in rows:
        if row.error is not None and (shard is None or shard.holds(row.index)):
            bad += 1
            if bad <= 50:
                note(f"bad row: {row.error}", style="yellow")
    if bad > 50:
        note(f"... and {bad - 50} more bad rows", style="yellow")
    if bad:
        note(f"{bad} bad row{'s' if bad != 1 else ''} will be skipped; the others run")
    return bad


def _summary_dict(summary: Any) -> dict[str, Any]:
    return {
        "total": summary.total,
        "completed": summary.completed,
        "failed": summary.failed,
        "invalid": summary.invalid,
        "unfinished": summary.unfinished,
        "submitted": summary.submitted,
        "rate_limited": summary.rate_limited,
        "elapsed": round(summary.elapsed, 3),
    }


_STATUS = {
    RowState.COMPLETED: RowStatus.COMPLETED,
    RowState.FAILED: RowStatus.FAILED,
    RowState.INVALID: RowStatus.INVALID,
    RowState.SUBMITTED: RowStatus.UNFINISHED,
    RowState.SUBMITTING: RowStatus.UNFINISHED,
}


def _results(manifest: pathlib.Path, workflow_id: str) -> Iterator[RowResult]:
    records = Manifest(manifest, workflow_id)
    try:
        for r in records.records():
            paths = tuple(pathlib.Path(p) for p in r.paths)
            status = _STATUS[r.state]
            yield RowResult(r.index, r.key, status, r.run_id, r.outputs, paths, r.error, r.attempt)
    finally:
        records.close()


def _write_results(
    folder: pathlib.Path, suffix: str, manifest: pathlib.Path, workflow_id: str
) -> tuple[pathlib.Path, pathlib.Path]:
    csv_path = folder / f"results{suffix}.csv"
    jsonl_path = folder / f"results{suffix}.jsonl"
    with (
        csv_path.open("w", newline="", encoding="utf-8") as csv_fh,
        jsonl_path.open("w", encoding="utf-8") as jsonl_fh,
    ):
        writer = csv.writer(csv_fh)
        writer.writerow(["index", "key", "status", "run_id", "outputs", "error"])
        for r in _results(manifest, workflow_id):
            writer.writerow([r.index, r.key, r.status.value, r.run_id or "",
                             " ".join(str(p) for p in r.paths) or " ".join(r.outputs),
                             r.error or ""])  # fmt: skip
            jsonl_fh.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    return csv_path, jsonl_path


def _final_table(summary: BatchSummary, manifest: pathlib.Path, workflow_id: str) -> None:
    counts = [("completed", summary.completed), ("failed", summary.failed),
              ("invalid", summary.invalid), ("unfinished", summary.unfinished)]  # fmt: skip
    print_table(["status", "rows"], [(name, f"{n:,}") for name, n in counts if n])
    if summary.rate_limited:
        note(f"rate limited {summary.rate_limited} times (slowed down, no row failed of it)")
    shown = 0
    for r in _results(manifest, workflow_id):
        if r.ok:
            continue
        if shown == 0:
            note("rows that did not complete:", style="bold")
        if shown == 20:
            note("  ... (all of them in the results file)")
            break
        error = (r.error or "").removeprefix(f"{r.key}: ")
        note(f"  {r.key}: {r.status.value}: {error}")
        shown += 1


class _Display:
    """done / failed / in flight, runs per second, ETA and the rate-limit state on stderr:
    redrawn in place on a terminal, one line every 5 s otherwise."""

    def __init__(self, counts: Tally, limit: AdaptiveLimit, *, enabled: bool) -> None:
        self._counts = counts
        self._limit = limit
        self._enabled = enabled
        self._live = interactive_stderr()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def line(self) -> str:
        c = self._counts
        elapsed = max(1e-6, time.monotonic() - c.started)
        rate = (c.finished - c.resumed) / elapsed
        text = (
            f"done {c.done}  failed {c.failed + c.invalid + c.unfinished}  in flight "
            f"{c.in_flight}  {rate:.1f} runs/s  rate limit: {self._limit.state()}"
        )
        return f"{text}  elapsed {format_duration(elapsed)}"

    def _loop(self) -> None:
        period = 0.25 if self._live else 5.0
        while not self._stop.wait(period):
            self._draw()

    def _draw(self, final: bool = False) -> None:
        console = err_console()
        if self._live:
            console.file.write("\r\x1b[2K" + self.line() + ("\n" if final else ""))
            console.file.flush()
        else:
            console.print(Text(self.line()))

    def __enter__(self) -> _Display:
        if self._enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._enabled:
            self._stop.set()
            self._thread.join()
            self._draw(final=True)
