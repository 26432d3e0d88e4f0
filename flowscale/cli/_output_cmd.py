"""`flowscale output FILENAME`: fetch one output by its file name."""

from __future__ import annotations

import pathlib
import sys
import tempfile

import click

import flowscale

from ._context import json_option, session_of
from ._errors import CliError, ExitCode
from ._follow import DEFAULT_OUT_ROOT, interruptible, make_display
from ._output import display_path, print_json, print_lines

__all__ = ["output"]


@click.command(
    epilog="""\b
Examples:
  flowscale output image_output_abc123.png
  flowscale output image_output_abc123.png --out picture.png
  flowscale output caption_abc123.txt --out -      # text to stdout"""
)
@click.argument("filename")
@click.option(
    "--out",
    "-o",
    "out",
    # A str, not a Path: pathlib drops the trailing separator that says "a folder" (dir/).
    type=click.Path(path_type=str, allow_dash=True),
    help="File to save to, or folder (an existing one, or dir/: created); '-' writes to "
    "stdout [default: ./flowscale-outputs/].",
)
@json_option
@click.pass_context
def output(ctx: click.Context, filename: str, out: str | None) -> None:
    """Download one output by its file name.

    The file name is as `runs get` or `run --json` show it.

    Exits with 3 when the output is not ready yet.
    """
    session = session_of(ctx)
    with session.client() as client:
        found = client.get_output(filename)
        if found is None:
            raise CliError(
                f"output {filename!r} is not ready yet",
                ExitCode.API,
                "wait for its run: flowscale runs wait RUN",
            )
        if out == "-":
            if found.is_text:
                sys.stdout.write(found.file_content or "")
            else:
                sys.stdout.buffer.write(interruptible(lambda: _fetch_bytes(client, found)))
            sys.stdout.flush()
            return
        # A trailing separator makes the SDK treat the default as a folder even before it exists.
        target = out if out is not None else f"{DEFAULT_OUT_ROOT}/"
        display = make_display(session, filename, enabled=not found.is_text)
        with display:
            display.set_phase("downloading")
            progress = display.byte_progress("downloading")
            path = interruptible(lambda: client.download_output(found, target, progress=progress))
            display.finish("completed")
    if session.json:
        print_json(
            {
                "filename": found.filename,
                "path": str(path.absolute()),
                "content_type": found.content_type,
                "size": path.stat().st_size,
            }
        )
    else:
        print_lines([display_path(path)])


def _fetch_bytes(client: flowscale.Flowscale, found: flowscale.Output) -> bytes:
    """Through a temporary file: the SDK's download checks size and retries; reuse that."""
    with tempfile.TemporaryDirectory(prefix="flowscale-") as tmp:
        return client.download_output(found, pathlib.Path(tmp)).read_bytes()
