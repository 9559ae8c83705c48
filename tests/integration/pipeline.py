"""Helpers for integration tests that run real workers against the real broker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from streams.config import Settings, load_settings
from streams.core.profile import AccountProfile
from streams.kafka.io import pipeline_lag
from streams.kafka.pipeline import evidence_topic, links_topic, pipeline_topics, verdicts_topic
from streams.kafka.topics import create_topics
from streams.worker.process import WorkerProcess
from streams.worker.runtime import PROFILES, is_reserved


def private_names(name: str, tmp: Path) -> dict[str, Any]:
    """Topics, group and data dir private to one test, and its quick commit cadence."""
    return {
        "app_id": name,
        "topic_api_calls": f"{name}-api-calls",
        "topic_alerts": f"{name}-alerts",
        "topic_dead_letter": f"{name}-dead-letter",
        "topic_alerts_ocsf": f"{name}-alerts-ocsf",
        "topic_feedback": f"{name}-feedback",
        "partitions": 2,
        "data_dir": str(tmp / "worker-data"),
        "checkpoint_interval_s": 0.5,
        "session_timeout_s": 6.0,
    }


def pipeline_settings(bootstrap: str, name: str, tmp: Path, **overrides: Any) -> Settings:
    """Settings with topics, group and data dir private to one test (topics created).
    Workers log their progress every 5 s, so a failing test's log shows where each
    partition stood."""
    base = {"bootstrap_servers": bootstrap, "progress_interval_s": 5.0, **private_names(name, tmp)}
    base.update(overrides)
    settings = load_settings({}, overrides=base)
    create_topics(bootstrap, pipeline_topics(settings))
    return settings


def changelog_topic(settings: Settings) -> str:
    return f"{settings.app_id}-{PROFILES}-changelog"


def send(bootstrap: str, topic: str, records: Iterable[tuple[bytes | None, bytes]]) -> int:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=4 << 20)
    count = 0
    for key, value in records:
        producer.send(topic, key=key, value=value)
        count += 1
    producer.flush()
    producer.close()
    return count


def keyed(events: Iterable[dict[str, Any]]) -> list[tuple[bytes | None, bytes]]:
    return [(e["account_id"].encode(), orjson.dumps(e)) for e in events]


def read_all(bootstrap: str, topic: str, idle_s: float = 2.0) -> list[ConsumerRecord]:
    """Every record currently in ``topic`` (all partitions, from the beginning)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end")
        return records
    finally:
        consumer.close()


def latest_profiles(settings: Settings) -> dict[str, AccountProfile]:
    """The durable profile state: the last changelog value per account."""
    latest: dict[bytes, bytes | None] = {}
    for record in read_all(settings.bootstrap_servers, changelog_topic(settings)):
        latest[record.key] = record.value
    return {
        k.decode(): AccountProfile.from_bytes(v)
        for k, v in latest.items()
        if v is not None and not is_reserved(k)
    }


def wait_for(
    condition: Callable[[], bool], timeout_s: float, what: str, worker: WorkerProcess | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        if worker is not None and not worker.alive:
            raise AssertionError(
                f"worker died while waiting for {what}:\n{worker.log_text()[-4000:]}"
            )
        time.sleep(0.3)
    log = worker.log_text()[-4000:] if worker is not None else ""
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}\n{log}")


def wait_caught_up(settings: Settings, worker: WorkerProcess, timeout_s: float = 150) -> None:
    """Until the worker's committed offsets reach the end of the input topic and of the
    internal topics between its stages."""
    topics = [
        settings.topic_api_calls,
        settings.topic_feedback,
        links_topic(settings),
        verdicts_topic(settings),
        evidence_topic(settings),
    ]
    wait_for(
        lambda: pipeline_lag(settings.bootstrap_servers, settings.app_id, topics) == 0,
        timeout_s,
        "the worker to commit every input offset",
        worker,
    )
