"""What a benchmark case reports: rows of the table, each with its baseline and target."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Op = Literal["<=", ">="]


@dataclass(frozen=True)
class Target:
    op: Op
    limit: float
    text: str  # as shown in the table, e.g. "≤ 20 ms"

    def met(self, value: float) -> bool:
        return value <= self.limit if self.op == "<=" else value >= self.limit


def at_most(limit: float, text: str) -> Target:
    return Target("<=", limit, text)


def at_least(limit: float, text: str) -> Target:
    return Target(">=", limit, text)


@dataclass
class Row:
    """One figure: the SDK's value, its baseline(s) measured in the same run, its target.

    `value` is what the target is checked against (None when the case could not produce it:
    a missing figure). A row without a target is reported, never "met" or "missed".
    """

    figure: str
    value: float | None
    shown: str  # the value as the table shows it
    baseline: str = "—"
    target: Target | None = None
    unit: str = ""
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        return self.target.met(self.value)

    def to_json(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "value": self.value,
            "unit": self.unit,
            "shown": self.shown,
            "baseline": self.baseline,
            "target": None
            if self.target is None
            else {"op": self.target.op, "limit": self.target.limit, "text": self.target.text},
            "met": self.met,
            "note": self.note,
            "data": self.data,
        }


@dataclass
class CaseResult:
    name: str
    title: str
    rows: list[Row]
    seconds: float
    error: str | None = None  # the traceback when the case failed to run

    @property
    def failed(self) -> bool:
        """Failed to run: raised, or left a figure without a value. A missed target is not a
        failure."""
        return self.error is not None or any(row.value is None for row in self.rows)


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no samples")
    return float(statistics.median(values))


def spread(values: Sequence[float]) -> dict[str, float]:
    """min / median / max of samples, for the JSON record."""
    return {"min": min(values), "median": median(values), "max": max(values), "n": len(values)}
