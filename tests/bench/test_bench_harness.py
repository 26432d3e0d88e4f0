"""The benchmark harness itself (scripts/bench): its bookkeeping, not any timing.

No figure is asserted here; `scripts/test` runs `scripts/bench --quick --check --smoke` to
prove every case runs end to end.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _report, _sse  # noqa: E402
from bench._cli import main  # noqa: E402
from bench._context import Case, Context  # noqa: E402
from bench._limits import current_rss, peak_rss, reset_peak_rss  # noqa: E402
from bench._model import CaseResult, Row, at_least, at_most  # noqa: E402


def test_targets_and_verdicts() -> None:
    assert at_most(20, "≤ 20 ms").met(20.0)
    assert not at_most(20, "≤ 20 ms").met(20.1)
    assert at_least(0.8, "≥ 80 %").met(0.8)
    met = Row("a", 1.0, "1", target=at_most(2, "≤ 2"))
    missed = Row("b", 3.0, "3", target=at_most(2, "≤ 2"))
    reported = Row("c", 3.0, "3")
    missing = Row("d", None, "—", target=at_most(2, "≤ 2"))
    assert [_report.verdict(r) for r in (met, missed, reported, missing)] == [
        "✅ met",
        "❌ missed",
        "reported",
        "⚠ no figure",
    ]
    assert not CaseResult("x", "X", [met, missed, reported], 0.0).failed  # a miss is no failure
    assert CaseResult("x", "X", [met, missing], 0.0).failed
    assert CaseResult("x", "X", [], 0.0, error="Traceback ...").failed


def test_table_has_one_line_per_figure_and_escapes_pipes() -> None:
    results = [
        CaseResult("one", "One", [Row("a|b", 1.0, "1"), Row("c", 2.0, "2")], 0.1),
        CaseResult("two", "Two", [], 0.1, error="Traceback\nValueError: boom"),
    ]
    table = _report.table(results).splitlines()
    assert len(table) == 2 + 3
    assert "a\\|b" in table[2]
    assert "failed to run" in table[4]
    assert "ValueError: boom" in _report.notes(results)


def test_rendered_stream_is_what_both_sides_read() -> None:
    httpx = pytest.importorskip("httpx")
    from bench.cases import events

    chunks = _sse.render(250)
    assert all(len(c) <= _sse.CHUNK for c in chunks)
    for name in events.SIDES:
        assert events._side(name, chunks)() == 250, name
    with httpx.Client(transport=_sse.transport(chunks)) as http:
        assert http.get(_sse.EVENTS_URL).headers["content-type"].startswith("text/event-stream")


def test_peak_rss_can_be_reset() -> None:
    if not reset_peak_rss():
        pytest.skip("no /proc/self/clear_refs here")
    before = current_rss()
    ballast = bytearray(64 << 20)
    ballast[:: 1 << 12] = b"\1" * len(ballast[:: 1 << 12])  # touch every page
    assert peak_rss() >= before + (60 << 20)
    del ballast
    assert reset_peak_rss()
    assert peak_rss() < before + (32 << 20)


def test_check_fails_only_when_a_case_fails_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def fine(ctx: Context) -> list[Row]:
        return [Row("fine", 5.0, "5", target=at_most(1, "≤ 1"))]  # a miss

    def broken(ctx: Context) -> list[Row]:
        raise RuntimeError("boom")

    monkeypatch.setattr("bench._cli.CASES", (Case("fine", "Fine", fine),))
    args = ["--smoke", "--quiet", "--results-dir", str(tmp_path)]
    assert main([*args, "--check"]) == 0
    assert (tmp_path / "latest-smoke.md").read_text().count("❌ missed") == 1
    monkeypatch.setattr(
        "bench._cli.CASES", (Case("fine", "Fine", fine), Case("broken", "Broken", broken))
    )
    assert main(args) == 0
    assert main([*args, "--check"]) == 1
    assert "failed to run" in (tmp_path / "latest-smoke.md").read_text()
