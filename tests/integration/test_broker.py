"""The broker manager and topic helpers against a real Kafka 4 broker."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from streams.kafka.broker import BrokerError, LocalBroker, free_ports, pid_alive, port_in_use
from streams.kafka.topics import TopicError, TopicSpec, create_topics, describe_topics

pytestmark = pytest.mark.integration

FIRST_RETENTION_CHECK_S = 30  # Kafka's log.initial.task.delay.ms


def _jvms_of(home: Path) -> list[int]:
    """Pids of any process whose command line mentions this broker home."""
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"kafka.Kafka" in cmdline and str(home).encode() in cmdline:
                pids.append(int(proc.name))
    return pids


def test_status_reports_running(kafka_broker: LocalBroker) -> None:
    status = kafka_broker.status()
    assert status.running, status.detail
    assert status.pid is not None and pid_alive(status.pid)
    assert status.bootstrap == kafka_broker.bootstrap
    assert "serving" in status.detail
    assert _jvms_of(kafka_broker.home) == [status.pid]


def test_start_again_is_a_noop(kafka_broker: LocalBroker) -> None:
    before = kafka_broker.status().pid
    t0 = time.monotonic()
    assert kafka_broker.start().pid == before
    assert time.monotonic() - t0 < 10
    (other_port,) = free_ports(1)
    moved = LocalBroker(dataclasses.replace(kafka_broker.config, port=other_port))
    with pytest.raises(BrokerError, match=r"already running .* with other settings"):
        moved.start()
    assert kafka_broker.status().pid == before


def test_create_topics_idempotent(kafka_broker: LocalBroker, unique_name: str) -> None:
    boot = kafka_broker.bootstrap
    specs = [
        TopicSpec(f"{unique_name}.events", partitions=3),
        TopicSpec(f"{unique_name}.alerts", config={"retention.ms": "60000"}),
    ]
    assert create_topics(boot, specs) == {s.name: "created" for s in specs}
    topics = describe_topics(boot)
    assert topics[specs[0].name] == 3
    assert topics[specs[1].name] == 1
    assert not any(name.startswith("__") for name in topics)

    extra = TopicSpec(f"{unique_name}.extra", partitions=2)
    assert create_topics(boot, [*specs, extra]) == {
        specs[0].name: "exists",
        specs[1].name: "exists",
        extra.name: "created",
    }
    assert describe_topics(boot)[extra.name] == 2


def test_fewer_partitions_than_requested_is_an_error(
    kafka_broker: LocalBroker, unique_name: str
) -> None:
    name = f"{unique_name}.small"
    create_topics(kafka_broker.bootstrap, [TopicSpec(name, partitions=2)])
    with pytest.raises(TopicError, match=r"2 partition\(s\) but 4 were requested"):
        create_topics(kafka_broker.bootstrap, [TopicSpec(name, partitions=4)])
    # asking for fewer than exist is fine: the topic can serve the spec
    assert create_topics(kafka_broker.bootstrap, [TopicSpec(name)]) == {name: "exists"}


def test_broker_refusal_is_a_clear_error(kafka_broker: LocalBroker, unique_name: str) -> None:
    with pytest.raises(TopicError, match="InvalidReplicationFactor"):
        create_topics(kafka_broker.bootstrap, [TopicSpec(f"{unique_name}.rf3", replication=3)])


def test_produce_consume_round_trip(kafka_broker: LocalBroker, unique_name: str) -> None:
    topic = f"{unique_name}.rt"
    create_topics(kafka_broker.bootstrap, [TopicSpec(topic, partitions=2)])
    sent = {f"k{i}".encode(): f"v{i}".encode() for i in range(20)}
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    try:
        for key, value in sent.items():
            producer.send(topic, key=key, value=value)
        producer.flush(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_broker.bootstrap,
        group_id=unique_name,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    got: dict[bytes, bytes] = {}
    partitions: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(got) < len(sent) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    got[record.key] = record.value
                    partitions.add(record.partition)
    finally:
        consumer.close()
    assert got == sent
    assert partitions == {0, 1}


def test_second_broker_outlives_its_starter_and_stops_cleanly(
    broker_factory: Callable[[], LocalBroker],
) -> None:
    broker = broker_factory()
    cfg = broker.config
    args = json.dumps([str(cfg.home), str(cfg.cache_dir), cfg.port, cfg.controller_port])
    starter = (
        "import json, sys; from pathlib import Path\n"
        "from streams.kafka.broker import BrokerConfig, LocalBroker\n"
        "h, c, p, q = json.loads(sys.argv[1])\n"
        "LocalBroker(BrokerConfig(Path(h), Path(c), port=p, controller_port=q)).start()\n"
    )
    # Like `distillguard kafka start`: the starting process exits, the broker stays up.
    subprocess.run([sys.executable, "-c", starter, args], check=True, timeout=240)
    status = broker.status()
    assert status.running, status.detail
    pid = status.pid
    assert pid is not None and "serving" in status.detail
    assert port_in_use(cfg.host, cfg.port) and port_in_use(cfg.host, cfg.controller_port)

    broker.stop()
    assert not pid_alive(pid)
    assert _jvms_of(broker.home) == []
    assert not port_in_use(cfg.host, cfg.port)
    assert not port_in_use(cfg.host, cfg.controller_port)
    assert not broker.pid_file.exists()
    assert not broker.status().running
    broker.stop()  # second stop is a no-op


def test_early_jvm_exit_reports_its_log(broker_factory: Callable[[], LocalBroker]) -> None:
    spare = broker_factory()
    broker = LocalBroker(dataclasses.replace(spare.config, heap="1k"))
    with pytest.raises(BrokerError, match=r"exited early(.|\n)*Too small"):
        broker.start(timeout=60)
    assert _jvms_of(broker.home) == []
    assert not broker.pid_file.exists()


def test_replayed_history_outlives_the_brokers_retention_checks(
    broker_factory: Callable[[], LocalBroker], unique_name: str
) -> None:
    """Replays keep each event's time as the record timestamp. Under Kafka's default
    retention (7 days by timestamp) the first retention check, 30 s after the broker
    starts, deleted a replayed file the worker was still reading."""
    broker = broker_factory()
    broker.start(timeout=180)
    ready = time.monotonic()
    topic = f"{unique_name}.history"
    create_topics(broker.bootstrap, [TopicSpec(topic)])
    year_ago = int(time.time() * 1000) - 365 * 86_400_000
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    for i in range(100):
        producer.send(topic, value=b"%d" % i, timestamp_ms=year_ago + i * 60_000)
    producer.flush()
    producer.close()
    time.sleep(max(0.0, ready + FIRST_RETENTION_CHECK_S + 5 - time.monotonic()))
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        assert consumer.beginning_offsets([tp])[tp] == 0, "the broker deleted replayed history"
        assert consumer.end_offsets([tp])[tp] == 100
    finally:
        consumer.close()
