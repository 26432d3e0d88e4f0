"""What clients really did: request counts per route, runs created per workflow, and the
request headers the file host received (to prove no credential ever reaches it)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any


class Telemetry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[str] = Counter()
        self._runs_created: Counter[str] = Counter()
        self._runs_by_group: Counter[str] = Counter()  # duplicate finder for batch proofs
        self._file_requests: list[dict[str, str]] = []

    def count_request(self, route: str) -> None:
        with self._lock:
            self._requests[route] += 1

    def count_run(self, workflow_id: str, group_id: str | None = None) -> None:
        with self._lock:
            self._runs_created[workflow_id] += 1
            if group_id is not None:
                self._runs_by_group[group_id] += 1

    def record_file_request(self, headers: Iterable[tuple[bytes, bytes]]) -> None:
        # ASGI header names are already lower-cased; a repeated header keeps its last value.
        record = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers
        }
        with self._lock:
            self._file_requests.append(record)

    def counters(self) -> dict[str, Any]:
        with self._lock:
            return {
                "runs_created": dict(self._runs_created),
                "requests": dict(self._requests),
            }

    def runs_by_group(self) -> dict[str, int]:
        with self._lock:
            return dict(self._runs_by_group)

    def file_requests(self) -> list[dict[str, str]]:
        with self._lock:
            return [dict(record) for record in self._file_requests]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._runs_created.clear()
            self._runs_by_group.clear()
            self._file_requests.clear()
