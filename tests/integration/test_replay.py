"""replay: event-time order, keys, record timestamps, time warp and bounds, on the broker."""

from __future__ import annotations

from pathlib import Path

import orjson

from streams.kafka.broker import LocalBroker
from streams.kafka.topics import TopicSpec, create_topics
from streams.offline.replay import replay_file
from tests.factories import wire_event
from tests.integration.pipeline import read_all

T0 = 1_795_420_800_000


def _file(tmp_path: Path) -> Path:
    lines = [
        orjson.dumps(wire_event(f"acct-{i % 3}", ts=_ts(i * 2), event_id=f"e{i}"))
        for i in range(20)
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _ts(seconds: int) -> str:
    return f"2026-11-23T08:00:{seconds:02d}.000Z"


class FakeClock:
    """Wall clock that only moves when replay sleeps: the warp is checked exactly."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_replay_keys_timestamps_and_time_warp(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 2)])
    clock = FakeClock()
    report = replay_file(
        kafka_broker.bootstrap,
        topic,
        _file(tmp_path),
        speed=4.0,
        sleep=clock.sleep,
        clock=clock.time,
    )
    assert report.sent == 20
    # 38 s of event time at 4x: the replay waited 9.5 s in all, never ahead of time.
    assert abs(sum(clock.sleeps) - 38 / 4) < 1e-6
    records = read_all(kafka_broker.bootstrap, topic)
    assert len(records) == 20
    for record in records:
        event = orjson.loads(record.value)
        assert record.key == event["account_id"].encode()
        assert record.timestamp == T0 + int(event["event_id"][1:]) * 2000
    per_account: dict[bytes, list[int]] = {}
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        per_account.setdefault(record.key, []).append(record.timestamp)
    assert all(times == sorted(times) for times in per_account.values())


def test_replay_as_fast_as_possible_within_bounds(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 1)])
    clock = FakeClock()
    report = replay_file(
        kafka_broker.bootstrap,
        topic,
        _file(tmp_path),
        speed=0,
        sleep=clock.sleep,
        clock=clock.time,
        since_ms=T0 + 10_000,
        until_ms=T0 + 19_999,
    )
    assert clock.sleeps == []
    assert (report.sent, report.skipped) == (5, 15)  # events at 10, 12, ..., 18 s
    ids = sorted(orjson.loads(r.value)["event_id"] for r in read_all(kafka_broker.bootstrap, topic))
    assert ids == ["e5", "e6", "e7", "e8", "e9"]


def test_a_record_too_large_for_the_broker_is_reported_and_loses_no_neighbours(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    """Regression: the oversized record used to share a batch with its neighbours, the
    broker refused the whole batch, and those records vanished without an error."""
    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 1)])
    lines = [
        orjson.dumps(wire_event("acct-1", ts=_ts(i % 60), event_id=f"e{i}")) for i in range(300)
    ]
    lines.insert(150, orjson.dumps(wire_event("acct-1", prompt="x" * 1_100_000)))
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = replay_file(kafka_broker.bootstrap, topic, path)
    assert (report.sent, report.too_large) == (300, 1)
    assert len(read_all(kafka_broker.bootstrap, topic)) == 300
