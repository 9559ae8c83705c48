"""Backtest runs the worker's code in process; tuning replays thresholds from one run."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from kafka.partitioner.default import murmur2

from streams.core.detector import DetectorParams
from streams.core.pipeline import PipelineParams
from streams.offline import sources
from streams.offline.backtest import ScoreRecorder, run_backtest
from streams.offline.evaluation import Label, Tally, evaluate, first_alert_times
from streams.offline.sources import file_records, partition_for
from streams.offline.tune import recommend, sweep, threshold_grid
from streams.sample import FLEET, bundled_sample_path
from tests.factories import wire_event


def _write(tmp_path: Path) -> tuple[Path, dict[str, Label]]:
    """Three accounts with different output volumes, plus one bad line."""
    lines = []
    labels = {}
    for account, tokens, label in (
        ("heavy", 3000, "attack"),
        ("mid", 900, "attack"),
        ("light", 200, "benign"),
    ):
        labels[account] = Label(label, "c" if label == "attack" else "", account)
        for i in range(120):
            ts = f"2026-11-23T08:{i // 2:02d}:{(i % 2) * 30:02d}.000Z"
            lines.append(
                orjson.dumps(
                    wire_event(account, ts, output_tokens=tokens, event_id=f"{account}{i}")
                )
            )
    lines.insert(5, b"not json")
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path, labels


def _params(account_threshold: float) -> PipelineParams:
    return PipelineParams(
        detector=DetectorParams(account_threshold=account_threshold, account_min_requests=10)
    )


def test_file_records_partition_like_kafka() -> None:
    # Partitions Kafka's Java client picks for these keys among 1000 partitions.
    java = {b"": 681, b"a": 524, b"ab": 434, b"abc": 107, b"123456789": 566, b"\x00 ": 742}
    assert {key: partition_for(key, 1000) for key in java} == java
    assert {partition_for(f"k{i}".encode(), 4) for i in range(50)} == {0, 1, 2, 3}
    assert partition_for(None, 4) == 0


def test_remembered_partitions_stay_kafkas_past_the_memo_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The murmur2 memo is bounded and forgets when full; answers never change."""
    monkeypatch.setattr(sources, "_HASH_MEMO_CAP", 8)
    monkeypatch.setattr(sources, "_hash_memo", {})
    keys = [f"acct-{i}".encode() for i in range(40)]
    expected = [int(murmur2(key) & 0x7FFFFFFF) % 12 for key in keys]
    for _ in range(3):  # first sight, remembered, and after the memo was dropped
        assert [partition_for(key, 12) for key in keys] == expected
        assert len(sources._hash_memo) <= 8


def test_backtest_on_the_bundled_sample_flags_the_fleet_only(tmp_path: Path) -> None:
    out = io.BytesIO()
    result = run_backtest(
        file_records(bundled_sample_path(), 4),
        PipelineParams(),
        max_record_bytes=1 << 20,
        alerts_out=out,
    )
    assert result.flagged_accounts == set(FLEET)
    assert sum(result.dead_letters.values()) == 3
    written = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert written == result.alerts


def test_tuned_threshold_gives_exactly_what_a_backtest_at_that_threshold_gives(
    tmp_path: Path,
) -> None:
    path, labels = _write(tmp_path)
    tally, recorder = Tally(labels), ScoreRecorder()
    params = _params(0.9)
    run_backtest(
        file_records(path, 2), params, max_record_bytes=1 << 20, tally=tally, recorder=recorder
    )
    for threshold in (0.2, 0.3, 0.38):
        from_record = set(recorder.first_reached(threshold))
        rerun = run_backtest(
            file_records(path, 2),
            _params(threshold),
            max_record_bytes=1 << 20,
        )
        assert from_record == rerun.flagged_accounts
        assert recorder.first_reached(threshold) == {
            a: t for a, t in first_alert_times(rerun.alerts).items()
        }


def test_sweep_and_recommendation_meet_the_target_fpr(tmp_path: Path) -> None:
    path, labels = _write(tmp_path)
    tally, recorder = Tally(labels), ScoreRecorder()
    params = _params(0.9)
    run_backtest(
        file_records(path, 2), params, max_record_bytes=1 << 20, tally=tally, recorder=recorder
    )
    points = sweep(tally, recorder, threshold_grid(recorder, 40))
    recalls = [p.recall for p in points]
    assert recalls == sorted(recalls, reverse=True)  # higher threshold, lower recall
    chosen = recommend(points, target_fpr=0.0)
    assert chosen is not None
    assert chosen.false_positive_rate == 0.0 and chosen.recall == 1.0
    report = evaluate(tally, recorder.first_reached(chosen.threshold))
    assert report["populations"]["light"]["flagged"] == 0
