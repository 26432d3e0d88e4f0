"""Every hostile case against every public call of both clients and the CLI (see _servers.py
for the cases, _child.py for the calls and their documented bounds).

The table (`pytest tests/hostile -s`, or `python -m tests.hostile.report`) is the measured
figure: within bound (documented bound + 1 s), worst overshoot, peak RSS growth, exception
type. The assertions are looser than the table's goals on purpose, so that a loaded CI machine
does not fail them: they catch what the issue found (calls that never return, GiB of memory,
exceptions outside the hierarchy), not tenths of a second.
"""

from __future__ import annotations

from typing import Any

import pytest

from ._servers import CASES
from ._suite import format_table, run_suite

# A hang is a call that never returns; on a loaded machine a bounded one may still be late.
LATE_ON_A_LOADED_MACHINE = 10.0
# Peak RSS growth of one child running one case: the goal is 64 MiB; this catches the
# gigabytes of an unbounded body without failing on allocator noise.
RSS_LIMIT = 128 << 20


@pytest.fixture(scope="module")
def results() -> list[dict[str, Any]]:
    outcome = run_suite()
    print("\n" + format_table(outcome))
    return outcome


def test_every_case_ran_against_every_flavour(results: list[dict[str, Any]]) -> None:
    assert {(r["case"], r["flavour"]) for r in results} == {
        (case, flavour) for case in CASES for flavour in ("async", "sync", "cli")
    }
    failed = [(r["case"], r["flavour"], r.get("error")) for r in results if r.get("error")]
    assert not failed
    assert all(len(r["calls"]) >= 9 for r in results)


def test_every_call_ends_within_its_bound(results: list[dict[str, Any]]) -> None:
    late = [
        (r["case"], c["call"], round(c["elapsed"], 2), c["bound"])
        for r in results
        for c in r["calls"]
        if not c["elapsed"] <= c["bound"] + LATE_ON_A_LOADED_MACHINE
    ]
    assert not late


def test_every_failure_is_typed(results: list[dict[str, Any]]) -> None:
    untyped = [(r["case"], c["call"], c["outcome"]) for r in results for c in r["calls"]
               if not c["typed"]]  # fmt: skip
    assert not untyped


def test_no_call_succeeds_against_a_hostile_server(results: list[dict[str, Any]]) -> None:
    # Nothing a hostile server sends is a valid API reply: "returned" would mean garbage
    # accepted. (A download of deep JSON is a valid file: downloads are left out.)
    accepted = [
        (r["case"], c["call"])
        for r in results
        for c in r["calls"]
        if c["outcome"] in ("returned", "exit 0") and "download" not in c["call"]
    ]
    assert not accepted


def test_memory_stays_bounded(results: list[dict[str, Any]]) -> None:
    grown = [(r["case"], r["flavour"], r["rss_growth"] >> 20) for r in results
             if r["rss_growth"] > RSS_LIMIT]  # fmt: skip
    assert not grown
