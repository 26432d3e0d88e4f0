"""`flowscale completion SHELL`: the completion script for bash, zsh or fish.

click does the completing (driven by `_FLOWSCALE_COMPLETE`); this command only prints the
script, so users need not know click's environment-variable protocol.

Workflow names hold spaces ("Text to Image"). click's bash script inserts a completion as
it is, so the shell then sees three words; ours quotes each one with bash's own `printf %q`
(and reads it with `read -r`, which keeps backslashes). zsh's `compadd` and fish quote what
they insert themselves; fish's script here splits only at the first comma, so that a name
with a comma stays whole.
"""

from __future__ import annotations

import click
from click.shell_completion import (
    BashComplete,
    FishComplete,
    add_completion_class,
    get_completion_class,
)

__all__ = ["COMPLETE_VAR", "completion"]

COMPLETE_VAR = "_FLOWSCALE_COMPLETE"
_INSTALL = {
    "bash": 'eval "$(flowscale completion bash)"     # in ~/.bashrc',
    "zsh": 'eval "$(flowscale completion zsh)"      # in ~/.zshrc',
    "fish": "flowscale completion fish > ~/.config/fish/completions/flowscale.fish",
}

_SOURCE_BASH = """\
%(complete_func)s() {
    local IFS=$'\\n'
    local response

    response=$(env COMP_WORDS="${COMP_WORDS[*]}" COMP_CWORD=$COMP_CWORD \
%(complete_var)s=bash_complete $1)

    for completion in $response; do
        IFS=',' read -r type value <<< "$completion"

        if [[ $type == 'dir' ]]; then
            COMPREPLY=()
            compopt -o dirnames
        elif [[ $type == 'file' ]]; then
            COMPREPLY=()
            compopt -o default
        elif [[ $type == 'plain' ]]; then
            COMPREPLY+=("$(printf '%%q' "$value")")
        fi
    done

    return 0
}

%(complete_func)s_setup() {
    complete -o nosort -F %(complete_func)s %(prog_name)s
}

%(complete_func)s_setup;
"""

_SOURCE_FISH = """\
function %(complete_func)s;
    set -l response (env %(complete_var)s=fish_complete COMP_WORDS=(commandline -cp) \
COMP_CWORD=(commandline -t) %(prog_name)s);

    for completion in $response;
        set -l metadata (string split --max 1 "," $completion);

        if test $metadata[1] = "dir";
            __fish_complete_directories $metadata[2];
        else if test $metadata[1] = "file";
            __fish_complete_path $metadata[2];
        else if test $metadata[1] = "plain";
            echo $metadata[2];
        end;
    end;
end;

complete --no-files --command %(prog_name)s --arguments \
"(%(complete_func)s)";
"""


class _Bash(BashComplete):
    source_template = _SOURCE_BASH


class _Fish(FishComplete):
    source_template = _SOURCE_FISH


# Replaces click's classes for this process (the CLI), for both the script and the answers.
add_completion_class(_Bash)
add_completion_class(_Fish)


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
