"""The `server` extra: which of its packages are missing, said as an install command.

`pip install flowscale` alone gives the SDK; the local server needs starlette and uvicorn (its
ASGI stack), python-multipart (form uploads) and Pillow (the built-in image workflows). Without
them, asking for the server must say which extra to install, not fail later with a bare
`ModuleNotFoundError: No module named 'uvicorn'` (or, for Pillow, on the first image run).
"""

from __future__ import annotations

import importlib.util

__all__ = ["INSTALL", "MissingExtraError", "missing_server_packages", "require_server_extra"]

INSTALL = "pip install 'flowscale[server]'"

# (importable module names, the distribution to name): the first module found is enough.
_PACKAGES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("starlette",), "starlette"),
    (("uvicorn",), "uvicorn"),
    (("python_multipart", "multipart"), "python-multipart"),
    (("PIL",), "pillow"),
)


class MissingExtraError(ImportError):
    """A part of flowscale was asked for whose optional dependencies are not installed."""


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder refusing it, or a broken half-import
        return False


def missing_server_packages() -> list[str]:
    return [dist for modules, dist in _PACKAGES if not any(map(_importable, modules))]


def _error(what: str, missing: list[str]) -> MissingExtraError:
    return MissingExtraError(
        f"{what} needs {', '.join(missing)} from the 'server' extra: {INSTALL}",
        name=missing[0],
    )


def require_server_extra(what: str) -> None:
    """Raise `MissingExtraError` naming the extra when a server package is missing."""
    missing = missing_server_packages()
    if missing:
        raise _error(what, missing)


def server_module_missing(exc: ModuleNotFoundError, what: str) -> MissingExtraError | None:
    """The error to raise instead of `exc` when `exc` is a server package not installed."""
    top = (exc.name or "").partition(".")[0]
    for modules, dist in _PACKAGES:
        if top in modules:
            return _error(what, [dist])
    return None
