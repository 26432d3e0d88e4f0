"""The batch's policies without sockets: the adaptive limit, the manifest's states, rows,
shards, and what each error means for a row."""

from __future__ import annotations

import pathlib
import sqlite3

import pytest

import flowscale
from flowscale._batch import (
    BatchRow,
    Shard,
    SubmitOutcome,
    WaitOutcome,
    classify_submit_error,
    classify_wait_error,
    iter_batch_rows,
    parse_shard,
    row_folder,
)
from flowscale._concurrency import AdaptiveLimit
from flowscale._manifest import Action, Manifest, ManifestError, RowState, next_action, reconcile
from flowscale.cli._rows import each_file_rows, file_rows


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_limit_halves_once_per_burst_pauses_for_retry_after_and_climbs_back() -> None:
    clock = Clock()
    limit = AdaptiveLimit(64, clock=clock)
    assert limit.limit == 64
    assert limit.state() == "ok"
    for _ in range(50):  # fifty parallel 429s are one signal
        limit.on_overload(2.0)
    assert limit.limit == 32
    assert limit.rate_limited == 50
    assert limit.pause() == pytest.approx(2.0)
    assert not limit.allows(0)
    assert "paused" in limit.state()
    clock.now += 2.5
    assert limit.allows(31)
    assert not limit.allows(32)
    limit.on_overload(None)  # a later signal halves again; no Retry-After: 1 s
    assert limit.limit == 16
    assert limit.pause() == pytest.approx(1.0)
    for _ in range(100):
        limit.on_success()
    assert limit.limit == 64


def test_limit_never_below_one_and_caps_huge_retry_after() -> None:
    clock = Clock()
    limit = AdaptiveLimit(3, clock=clock)
    for _ in range(10):
        limit.on_overload(1e9)
        clock.now += 61
    assert limit.limit == 1
    limit.on_overload(1e9)
    assert limit.pause() == 60.0
    with pytest.raises(ValueError, match="concurrency"):
        AdaptiveLimit(0)


def test_manifest_transitions_and_reopen(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.sqlite"
    manifest = Manifest(path, "wf")
    group = manifest.submitting(0, "a", 1)
    assert group == f"{manifest.batch_id}-0-1"
    manifest.submitted(0, "run-0")
    manifest.completed(0, ["out.png"], ["/x/out.png"])
    manifest.submitting(1, "b", 1)
    manifest.invalid(2, "c", "no such file")
    with pytest.raises(ManifestError, match="cannot become completed from submitting"):
        manifest.completed(1, [], [])
    with pytest.raises(ManifestError, match="cannot become submitted from completed"):
        manifest.submitted(0, "other")
    batch_id = manifest.batch_id
    manifest.close()
    again = Manifest(path, "wf")
    assert again.batch_id == batch_id
    records = list(again.records())
    assert [r.state for r in records] == [RowState.COMPLETED, RowState.SUBMITTING, RowState.INVALID]
    assert records[0].paths == ("/x/out.png",)
    assert again.counts() == {"completed": 1, "submitting": 1, "invalid": 1}
    again.failed(1, "boom")
    again.submitting(1, "b", 2)  # a retry: a new attempt, a new group
    assert again.get(1) is not None
    assert again.get(1).group_id == f"{batch_id}-1-2"  # type: ignore[union-attr]
    again.close()
    with pytest.raises(ManifestError, match="closed"):
        again.failed(1, "late")
    with pytest.raises(ManifestError, match="manifest of workflow wf"):
        Manifest(path, "another")


def test_manifest_rejects_a_file_that_is_not_one(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ManifestError, match="not a batch manifest"):
        Manifest(path, "wf")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
    db = sqlite3.connect(other)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [("version", "9"), ("workflow_id", "wf"),
                                                     ("batch_id", "b1")])  # fmt: skip
    db.commit()
    with pytest.raises(ManifestError, match="format '9' unknown"):
        Manifest(other, "wf")


def test_next_action_and_reconcile(tmp_path: pathlib.Path) -> None:
    manifest = Manifest(tmp_path / "m.sqlite", "wf")
    assert next_action(None, retry_failed=False) is Action.SUBMIT
    manifest.submitting(0, "a", 1)
    assert next_action(manifest.get(0), retry_failed=False) is Action.RECONCILE
    manifest.submitted(0, "r")
    assert next_action(manifest.get(0), retry_failed=False) is Action.WAIT
    manifest.failed(0, "x")
    assert next_action(manifest.get(0), retry_failed=False) is Action.DONE
    assert next_action(manifest.get(0), retry_failed=True) is Action.SUBMIT
    manifest.invalid(1, "b", "bad")
    assert next_action(manifest.get(1), retry_failed=False) is Action.SUBMIT
    assert reconcile([]) is None
    assert reconcile(["newest", "oldest"]) == "oldest"
    manifest.close()


def test_shards_split_every_row_exactly_once() -> None:
    shards = [Shard(k, 3) for k in range(3)]
    for index in range(100):
        assert sum(s.holds(index) for s in shards) == 1
    assert parse_shard("1/3") == Shard(1, 3)
    assert parse_shard("4", {"JOB_COMPLETION_INDEX": "2"}) == Shard(2, 4)
    for bad in ("3/3", "x/2", "1/0", "4"):
        with pytest.raises(ValueError, match="shard"):
            parse_shard(bad, {})
    rows = list(iter_batch_rows(({"p": i} for i in range(10)), Shard(1, 3)))
    assert [r.index for r in rows] == [1, 4, 7]


def test_rows_are_lazy_and_bad_items_become_invalid_rows() -> None:
    def endless():  # a million rows never materialise
        i = 0
        while True:
            yield {"p": i}
            i += 1

    it = iter_batch_rows(endless())
    assert next(it).index == 0
    assert next(it).inputs == {"p": 1}
    rows = list(iter_batch_rows([{"a": 1}, "oops", BatchRow(7, {"b": 2}, key="k")]))
    assert rows[1].error is not None
    assert "expected a mapping" in rows[1].error
    assert rows[2].name == "k"
    with pytest.raises(TypeError):
        list(iter_batch_rows({"a": 1}))


def test_error_meanings() -> None:
    common = {"method": "POST", "url": "u", "body": None}
    limited = flowscale.RateLimitError("429", retry_after=2.0, status_code=429, **common)
    unavailable = flowscale.APIStatusError("503", status_code=503, **common)
    server = flowscale.ServerError("500", status_code=500, **common)
    lost = flowscale.RunMayExistError("lost", method="POST", url="u", workflow_id="wf")
    bad = flowscale.ValidationError("422", errors=[], status_code=422, **common)
    assert classify_submit_error(limited) is SubmitOutcome.OVERLOAD
    assert classify_submit_error(unavailable) is SubmitOutcome.OVERLOAD
    assert classify_submit_error(server) is SubmitOutcome.UNKNOWN
    assert classify_submit_error(lost) is SubmitOutcome.UNKNOWN
    assert classify_submit_error(bad) is SubmitOutcome.REJECTED
    failed = flowscale.RunFailedError("failed", run_id="r")
    assert classify_wait_error(failed) is WaitOutcome.RUN_FAILED
    assert classify_wait_error(limited) is WaitOutcome.OVERLOAD
    assert classify_wait_error(server) is WaitOutcome.TRANSIENT
    gone = flowscale.NotFoundError("404", status_code=404, **common)
    assert classify_wait_error(gone) is WaitOutcome.LOST


def test_row_folder_never_uses_an_unsafe_key(tmp_path: pathlib.Path) -> None:
    assert row_folder(tmp_path, BatchRow(3, {}, key="cat.png")).name == "000003-cat.png"
    for key in ("../../etc", "a/b", "..", "line 2"):
        assert row_folder(tmp_path, BatchRow(3, {}, key=key)).name == "000003"


def test_rows_file_reports_bad_rows_with_line_numbers(tmp_path: pathlib.Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"png")
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text(
        "prompt,image\nfox,@cat.png\nowl,@missing.png\nshort\n,\nemail,@@me\na,b,c\n"
    )
    rows = list(file_rows(csv_file, {"prompt", "image"}))
    assert rows[0].inputs == {"prompt": "fox", "image": tmp_path / "cat.png"}
    assert rows[0].error is None
    assert rows[1].error == "line 3: input 'image': no such file: missing.png"
    assert rows[2].error == "line 4: missing column 'image'"
    assert rows[3].inputs == {}  # empty cells are not sent
    assert rows[4].inputs == {"prompt": "email", "image": "@me"}
    assert rows[5].error is not None
    assert rows[5].error.startswith("line 7: 1 more cells")
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text('{"prompt": "a"}\n\n{"nope": 1}\n[1]\n{bad\n')
    rows = list(file_rows(jsonl, {"prompt"}))
    assert rows[0].inputs == {"prompt": "a"}
    assert rows[1].error == "line 3: unknown input 'nope'"
    assert rows[2].error is not None
    assert "line 4: expected a JSON object" in rows[2].error
    assert rows[3].error is not None
    assert rows[3].error.startswith("line 5: not JSON")
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in ("b.png", "a.png", ".hidden"):
        (folder / name).write_bytes(b"x")
    rows = list(each_file_rows(folder, "image", None))
    assert [(r.index, r.key) for r in rows] == [(0, "a.png"), (1, "b.png")]


def test_manifest_read_ahead_sees_rows_written_after_the_page_was_read(
    tmp_path: pathlib.Path,
) -> None:
    manifest = Manifest(tmp_path / "m.sqlite", "wf")
    for index in range(3):
        manifest.submitting(index, str(index), 1)
    assert manifest.get(0) is not None  # reads the page 0..511
    manifest.submitted(1, "run-1")
    record = manifest.get(1)
    assert record is not None
    assert record.state is RowState.SUBMITTED
    assert record.run_id == "run-1"
    assert manifest.get(5) is None
    manifest.submitting(5, "5", 1)  # a new row inside the page read before
    assert manifest.get(5) is not None
    assert manifest.get(600) is None  # another page
    assert manifest.get(2) is not None
    assert manifest.get(2).state is RowState.SUBMITTING  # type: ignore[union-attr]
    manifest.close()


def test_submissions_in_the_same_second_share_one_client_bounded_by_the_time_left() -> None:
    # One client per whole second left (not one per row), never a timeout past the row's
    # deadline; under a second left, exactly what is left.
    with flowscale.Flowscale(api_key="k", base_url="http://127.0.0.1:9") as client:
        batch = client.run_batch("wf", [])
        first = batch._submitter_within(599.7)
        assert batch._submitter_within(599.2) is first
        assert first._api.config.timeout.read == 599.0
        later = batch._submitter_within(598.9)
        assert later is not first
        assert later._api.config.timeout.read == 598.0
        assert batch._submitter_within(0.4)._api.config.timeout.read == 0.4
        batch.close()
