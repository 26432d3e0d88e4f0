"""The blocking side of the few primitives the two clients do differently (see _async_utils)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

INTERRUPTS: tuple[type[BaseException], ...] = (KeyboardInterrupt,)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def call(callback: Callable[[T], Any] | None, value: T) -> None:
    if callback is not None:
        callback(value)


def map_bounded(fn: Callable[[T], R], items: Iterable[T], limit: int) -> list[R]:
    """`fn` over `items` one after the other (the sync client does not spawn threads)."""
    return [fn(item) for item in items]
