"""`flowscale completion SHELL`: the completion script for bash, zsh or fish.

click does the completing (driven by `_FLOWSCALE_COMPLETE`); this command only prints the
script, so users need not know click's environment-variable protocol."""

from __future__ import annotations

import click
from click.shell_completion import get_completion_class

__all__ = ["COMPLETE_VAR", "completion"]

COMPLETE_VAR = "_FLOWSCALE_COMPLETE"
_INSTALL = {
    "bash": 'eval "$(flowscale completion bash)"     # in ~/.bashrc',
    "zsh": 'eval "$(flowscale completion zsh)"      # in ~/.zshrc',
    "fish": "flowscale completion fish > ~/.config/fish/completions/flowscale.fish",
}


@click.command(
    epilog="\b\nExamples:\n  " + "\n  ".join(_INSTALL.values()),
)
@click.argument("shell", type=click.Choice(sorted(_INSTALL)))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the completion script for bash, zsh or fish."""
    cls = get_completion_class(shell)
    if cls is None:  # not reachable: the choice above lists click's shells
        raise click.BadParameter(f"unsupported shell {shell!r}")
    root = ctx.find_root().command
    click.echo(cls(root, {}, "flowscale", COMPLETE_VAR).source())
