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
from tests.core.test_detector import HARNESS_PROMPT, harvest_prompt
from tests.factories import T0 as T0_MS
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


def test_an_eval_harness_on_a_fleets_client_library_stays_out_of_its_campaign(
    tmp_path: Path,
) -> None:
    """Regression (a reasoning-only benchmark suite beside seed 191's release-pivot fleet):
    a benchmark customer asking for reasoning on every item scores like a harvester,
    and the one client fingerprint it shared with a fleet put it in the fleet's campaign.
    Replaying its own templates, it counts as a borderline suspect on shared keys: the
    fleet still links on the fingerprint, the harness (starting its run while the fleet
    is busy, so no wake-up window in common either) does not."""
    # One client library's TLS fingerprint; the user agents name two Python versions.
    library = {"tls_fingerprint": "ja3-stock-client"}
    fleet_client = {**library, "user_agent": "Python/3.12 aiohttp/3.10"}
    bench_client = {**library, "user_agent": "Python/3.11 aiohttp/3.10"}
    answer = {"input_tokens": 60, "output_tokens": 2048, "max_tokens": 2048, "temperature": 0}
    fleet = [f"fleet-{n}" for n in range(12)]
    docs = []
    for minute in range(90):
        for n, account in enumerate(fleet):
            ts = T0_MS + minute * 60_000 + n * 1_000
            prompt = harvest_prompt(minute * len(fleet) + n)
            card = f"card-{n}"
            docs.append(
                wire_event(account, prompt=prompt, payment_fingerprint=card, **fleet_client)
            )
            docs[-1]["ts"] = ts  # epoch milliseconds are valid on the wire too
        for k in range(4 if minute >= 30 else 0):  # the harness, later: one template
            ts = T0_MS + minute * 60_000 + 30_000 + k * 5_000
            docs.append(
                wire_event(
                    "bench", prompt=HARNESS_PROMPT, payment_fingerprint="card-b", **bench_client
                )
            )
            docs[-1]["ts"] = ts
    lines = []
    for doc in docs:
        doc.update(answer, stop_reason="max_tokens", event_id=f"{doc['account_id']}-{doc['ts']}")
        lines.append(orjson.dumps(doc))
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = run_backtest(file_records(path, 1), PipelineParams(), max_record_bytes=1 << 20)
    campaigns = [a for a in result.alerts if a["kind"] == "campaign"]
    assert campaigns and set(fleet) <= set(campaigns[-1]["account_ids"])
    assert all("bench" not in a["account_ids"] for a in campaigns)
