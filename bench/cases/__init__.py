"""The benchmark cases, in the order of the table (the figures of issue 6)."""

from __future__ import annotations

from .._context import Case
from . import (
    batch,
    concurrency,
    downloads,
    events,
    imports,
    latency,
    overhead,
    proxy,
    requests,
    uploads,
)

CASES: tuple[Case, ...] = (
    latency.CASE,
    requests.CASE,
    overhead.CASE,
    imports.CASE,
    uploads.CASE,
    downloads.CASE,
    concurrency.CASE,
    events.CASE,
    batch.CASE,
    proxy.CASE,
)
