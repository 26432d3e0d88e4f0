"""Options shared by several commands, and the click types they parse with."""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ._durations import parse_duration

__all__ = ["DURATION", "OPTIONAL_DURATION", "out_option", "wait_options"]

F = TypeVar("F", bound=Callable[..., Any])


if TYPE_CHECKING:
    _DurationBase = click.ParamType[float | None]
else:  # ParamType is generic only from click 8.4; the cli extra allows 8.1
    _DurationBase = click.ParamType


class Duration(_DurationBase):
    """`90`, `90s`, `10m`, `1h30m`; with `allow_none`, also `none`/`0` for no limit."""

    name = "duration"

    def __init__(self, allow_none: bool = False) -> None:
        self.allow_none = allow_none

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float | None:
        if value is None:
            return None
        if isinstance(value, float | int):
            return float(value)
        try:
            return parse_duration(str(value), allow_none=self.allow_none)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DURATION = Duration()
OPTIONAL_DURATION = Duration(allow_none=True)


def out_option(fn: F) -> F:
    return click.option(
        "--out",
        "-o",
        "out_dir",
        type=click.Path(file_okay=False, path_type=pathlib.Path),
        help="Directory for the outputs [default: ./flowscale-outputs/RUN_ID/].",
    )(fn)


def wait_options(fn: F) -> F:
    """--timeout, --cancel-on-interrupt, --cancel-on-timeout, --poll-interval."""
    for option in reversed(
        [
            click.option(
                "--timeout",
                "-t",
                "wait_timeout",
                type=OPTIONAL_DURATION,
                default="10m",
                show_default=True,
                help="Give up waiting after this long (90s, 10m, 1h30m; 'none': no limit). "
                "Exit code 6.",
            ),
            click.option(
                "--cancel-on-interrupt",
                is_flag=True,
                help="On Ctrl-C, cancel the run without asking.",
            ),
            click.option(
                "--cancel-on-timeout",
                is_flag=True,
                help="Cancel the run when --timeout passes (default: leave it running).",
            ),
            click.option(
                "--poll-interval",
                type=DURATION,
                default="2s",
                show_default=True,
                hidden=True,  # only used when the server has no event stream
                help="Seconds between polls when the server has no event stream.",
            ),
        ]
    ):
        fn = option(fn)
    return fn
