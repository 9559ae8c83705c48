"""backtest --from-topic: reads a retained topic between two times, joins no group."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from kafka import KafkaAdminClient

from streams.cli import main
from streams.kafka.broker import LocalBroker
from streams.kafka.topics import TopicSpec, create_topics
from streams.offline.replay import replay_file
from streams.sample import FLEET, bundled_sample_path


def _groups(bootstrap: str) -> set[str]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        return {g[0] if isinstance(g, tuple) else g.group_id for g in admin.list_groups()}
    finally:
        admin.close()


def test_backtest_from_topic_within_bounds(
    kafka_broker: LocalBroker,
    unique_name: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 3)])
    replay_file(kafka_broker.bootstrap, topic, bundled_sample_path())
    groups_before = _groups(kafka_broker.bootstrap)
    common = ["--bootstrap-servers", kafka_broker.bootstrap, "--partitions", "3"]

    everything, all_alerts = tmp_path / "all.json", tmp_path / "all-alerts.jsonl"
    assert (
        main(
            [
                "backtest",
                "--from-topic",
                topic,
                "--report-out",
                str(everything),
                "--alerts-out",
                str(all_alerts),
                *common,
            ]
        )
        == 0
    )
    flagged = {
        a
        for line in all_alerts.read_bytes().splitlines()
        for a in orjson.loads(line)["account_ids"]
    }
    assert flagged == set(FLEET)
    # The fleet starts at 08:30; before that there is nothing to flag.
    early = tmp_path / "early.json"
    alerts = tmp_path / "alerts.jsonl"
    assert (
        main(
            [
                "backtest",
                "--from-topic",
                topic,
                "--since",
                "2026-11-23T08:00:00Z",
                "--until",
                "2026-11-23T08:29:59Z",
                "--report-out",
                str(early),
                "--alerts-out",
                str(alerts),
                *common,
            ]
        )
        == 0
    )
    full, part = orjson.loads(everything.read_bytes()), orjson.loads(early.read_bytes())
    assert full["run"]["flagged_accounts"] == len(FLEET)
    assert part["run"]["flagged_accounts"] == 0 and alerts.read_bytes() == b""
    assert 0 < part["run"]["records"] < full["run"]["records"]
    assert f"{len(FLEET)} accounts" in capsys.readouterr().out.splitlines()[0]
    assert _groups(kafka_broker.bootstrap) == groups_before  # no consumer group joined


def test_a_topic_is_read_in_time_order_across_partitions(
    kafka_broker: LocalBroker, unique_name: str
) -> None:
    """As the live worker hands records on and as a file lists them: partition 0 holds
    an hour of dense traffic (behind a line stamped with the producer's clock), 1 and 2
    a day of sparse traffic. Polled as they came, partition 0's hour and the others'
    day arrived in batches of their own, hours apart in event time."""
    from streams.offline.sources import topic_records
    from tests.integration.test_time_order_live import PER_PARTITION, _produce

    topic = f"{unique_name}-api-calls"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, 3)])
    _produce(kafka_broker.bootstrap, topic)
    records = list(topic_records(kafka_broker.bootstrap, topic))
    assert len(records) == 3 * PER_PARTITION + 1
    for partition in range(3):  # each partition's own order is kept
        offsets = [r.offset for r in records if r.partition == partition]
        assert offsets == sorted(offsets)
    times = [r.ts_ms for r in records if r.value != b"not an event" and r.ts_ms is not None]
    assert len(times) == 3 * PER_PARTITION and times == sorted(times)
