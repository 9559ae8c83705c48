"""replay: event-time order, keys, record timestamps, time warp and bounds, on the broker."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from streams.cli import main
from streams.core.timeutil import format_rfc3339_ms
from streams.kafka.broker import LocalBroker
from streams.kafka.topics import TopicSpec, create_topics
from streams.offline.replay import replay_file
from tests.factories import wire_event
from tests.integration.pipeline import read_all

T0 = 1_795_420_800_000
DAY_MS = 86_400_000


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


def test_a_line_without_a_time_is_stamped_with_the_event_before_it(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    """Not with the producer's clock (today, weeks after the replayed events), which
    ranked it after every other record in the worker's time-ordered merge."""
    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 1)])
    path = tmp_path / "events.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                orjson.dumps(wire_event("acct-1", ts=_ts(0), event_id="e0")),
                orjson.dumps(wire_event("acct-1", ts=_ts(4), event_id="e2")),
                b"not json",
                orjson.dumps({**wire_event("acct-1", ts=_ts(6), event_id="e3"), "ts": "soon"}),
                orjson.dumps(wire_event("acct-1", ts=_ts(8), event_id="e4")),
            ]
        )
        + b"\n"
    )
    report = replay_file(kafka_broker.bootstrap, topic, path)
    assert report.sent == 5
    stamps = [
        r.timestamp for r in sorted(read_all(kafka_broker.bootstrap, topic), key=lambda r: r.offset)
    ]
    assert stamps == [T0, T0 + 4000, T0 + 4000, T0 + 4000, T0 + 8000]


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


def test_replay_warns_when_the_topics_retention_will_delete_history(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """History older than the topic's time retention is deleted at the broker's next
    retention check, maybe before the worker reads it: the user is told, with the fix."""
    now = int(time.time() * 1000)
    month_ago, hour_ago = now - 30 * DAY_MS, now - 3_600_000
    lines = [
        orjson.dumps(wire_event("acct-1", format_rfc3339_ms(start + i * 1000), event_id=f"{n}{i}"))
        for n, start, count in (("old", month_ago, 5), ("new", hour_ago, 3))
        for i in range(count)
    ]
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    week = TopicSpec(f"{unique_name}-week", config={"retention.ms": str(7 * DAY_MS)})
    unbounded = TopicSpec(f"{unique_name}-kept", config={"retention.ms": "-1"})
    create_topics(kafka_broker.bootstrap, [week, unbounded])

    report = replay_file(kafka_broker.bootstrap, week.name, path)
    assert (report.sent, report.expiring, report.retention_ms) == (8, 5, 7 * DAY_MS)
    kept = replay_file(kafka_broker.bootstrap, unbounded.name, path)
    assert (kept.sent, kept.expiring, kept.retention_ms) == (8, 0, None)

    argv = ["--bootstrap-servers", kafka_broker.bootstrap, "--topic-api-calls", week.name]
    assert main(["replay", str(path), *argv]) == 0
    err = capsys.readouterr().err
    assert f"5 record(s) carry event times older than {week.name}'s retention.ms (7 days)" in err
    assert f"--entity-name {week.name} --add-config retention.ms=-1" in err
