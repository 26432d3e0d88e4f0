"""A row's `timeout` bounds the whole row (start, lost-reply lookups, wait) against servers
that never answer, and a row that times out before its run is confirmed stays reconcilable."""

from __future__ import annotations

import pathlib
import time
from collections.abc import Iterator

import pytest

import flowscale
from flowscale._manifest import Manifest, RowState

from ._servers import HostileServers

pytestmark = pytest.mark.timeout(120)

ROW_TIMEOUT = 1.5
# Generous on a loaded machine; without the row bound each request alone takes the client's
# 60 s timeout, and a row several of them (execute, then lookups of the lost reply).
BOUND = ROW_TIMEOUT + 15


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServers]:
    with HostileServers() as servers:
        yield servers


@pytest.mark.parametrize("case", ["trickled headers", "headers then silence"])
def test_a_row_ends_near_its_timeout_and_stays_reconcilable(
    hostile: HostileServers, case: str, tmp_path: pathlib.Path
) -> None:
    manifest = tmp_path / "batch.db"
    with flowscale.Flowscale(api_key="sk-test", base_url=hostile.urls[case]) as client:
        started = time.monotonic()
        with client.run_batch(
            "wf", [{"prompt": "x"}], manifest=manifest, timeout=ROW_TIMEOUT, concurrency=1
        ) as batch:
            results = list(batch)
        elapsed = time.monotonic() - started
    assert elapsed < BOUND, f"{case}: the row took {elapsed:.1f} s"
    assert [r.status for r in results] == [flowscale.RowStatus.UNFINISHED]
    assert results[0].error
    record = Manifest(manifest, "wf").get(0)
    assert record is not None
    # The execute may have created a run: a resume looks it up by its group before sending.
    assert record.state is RowState.SUBMITTING
    assert record.group_id
