"""The generated client's operations and models, imported on first use.

`flowscale_api.models` defines every schema as an attrs class at import, which costs about as
much as importing httpx itself: a program that imports flowscale but makes no call (a CLI's
--help, a worker's cold start) should not pay for it.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["api_models", "is_unset", "request_args", "unset"]

_TAGS = {"check_health": "comfy", "get_queue": "comfy", "get_workflows": "comfy"}
_loaded: dict[str, ModuleType] = {}


def _module(path: str) -> ModuleType:
    module = _loaded.get(path)
    if module is None:
        module = _loaded[path] = importlib.import_module(path)
    return module


def request_args(operation: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Method, path (parameters quoted), query and headers of an operation, per the spec."""
    tag = _TAGS.get(operation, "runs")
    kwargs_for = _module(f"flowscale_api.api.{tag}.{operation}")._get_kwargs
    result: dict[str, Any] = kwargs_for(*args, **kwargs)
    return result


def api_models() -> ModuleType:
    """`flowscale_api.models`."""
    return _module("flowscale_api.models")


def unset() -> Any:
    return _module("flowscale_api.types").UNSET


_unset_type: type | None = None


def is_unset(value: Any) -> bool:
    global _unset_type
    if _unset_type is None:
        _unset_type = _module("flowscale_api.types").Unset
    return isinstance(value, _unset_type)
