"""The state one invocation shares between the global options and the command: where the API
is, how to talk to it, and how to print."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import click

import flowscale

__all__ = ["Session", "json_option", "session_of"]

F = TypeVar("F", bound=Callable[..., Any])


@attrs.define
class Session:
    """Global options, filled by the group's callback before any command runs."""

    base_url: str | None = None
    api_key: str | None = None
    request_timeout: float | None = None
    max_retries: int | None = None
    proxy_mode: bool = False
    headers: dict[str, str] = attrs.Factory(dict)
    json: bool = False
    quiet: bool = False
    verbosity: int = 0
    debug: bool = False
    redact: Callable[[str], str] = str

    def client(self) -> flowscale.Flowscale:
        """A client from the options (which already hold the env and .env defaults)."""
        return flowscale.Flowscale(
            # In proxy mode the backend adds the key: an env key must not be sent (nor refused).
            api_key=None if self.proxy_mode else self.api_key,
            base_url=self.base_url,
            timeout=self.request_timeout,
            max_retries=self.max_retries,
            proxy_mode=self.proxy_mode,
            custom_headers=self.headers or None,
        )

    @property
    def show_progress(self) -> bool:
        return not (self.json or self.quiet)


def session_of(ctx: click.Context) -> Session:
    obj = ctx.find_object(Session)
    if obj is None:  # invoked without the group (a test calling a command directly)
        obj = ctx.ensure_object(Session)
    return obj


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        session_of(ctx).json = True


def json_option(fn: F) -> F:
    """`--json` on a command: machine-readable output only on stdout, no progress, no colour.
    (`flowscale --json COMMAND` works too.)"""
    return click.option(
        "--json",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_set_json,
        help="Print machine-readable JSON only (no progress, no colour).",
    )(fn)
