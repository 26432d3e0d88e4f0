"""200 runs in flight at once, each followed by its own SSE subscriber (see loadcheck.py)."""

from __future__ import annotations

import pytest

from .loadcheck import run


@pytest.mark.timeout(120)
@pytest.mark.parametrize("workers", [200, 2])
def test_200_runs_and_200_subscribers(workers: int) -> None:
    report = run(runs=200, workers=workers, builtin=False, step_delay=0.01)
    assert report["error_count"] == 0, report["errors"]
    assert report["incomplete_count"] == 0
    assert report["runs_in_flight_at_peak"] == 200  # running or queued, all at once
    assert report["subscribers_connected_at_peak"] == 200
    assert report["events_received"] == 200 * 8
