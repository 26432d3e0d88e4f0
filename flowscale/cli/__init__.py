"""The `flowscale` command line: run workflows, follow runs, fetch outputs, serve locally.

Kept out of `import flowscale`: click and rich come with the `cli` extra, and the SDK must
import without them. `main()` is the console script.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

MISSING_EXTRA_EXIT = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns (and, as a script, exits with) its exit code."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError as exc:
        print(
            f"error: the flowscale command line needs {exc.name}: "
            "install flowscale[cli] (pip install 'flowscale[cli]')",
            file=sys.stderr,
        )
        return MISSING_EXTRA_EXIT
    from ._main import run

    return run(argv)
