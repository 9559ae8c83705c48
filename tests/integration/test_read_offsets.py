"""Reading a few offsets out of band: how the worker fills an offset hole (no group)."""

from __future__ import annotations

from pathlib import Path

from streams.kafka.broker import LocalBroker
from streams.kafka.io import read_offsets
from tests.integration.pipeline import pipeline_settings, send


def test_reads_exactly_the_range_and_reports_a_range_past_the_end(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_broker.bootstrap, unique_name, tmp_path, partitions=1)
    topic = settings.topic_api_calls
    send(settings.bootstrap_servers, topic, [(b"k", f"v{i}".encode()) for i in range(20)])
    got = read_offsets(settings.bootstrap_servers, topic, 0, 5, 9)
    assert got == [(5, b"v5"), (6, b"v6"), (7, b"v7"), (8, b"v8")]
    assert read_offsets(settings.bootstrap_servers, topic, 0, 19, 20) == [(19, b"v19")]
    # Offsets the log does not hold yet: not filled, reported within the timeout.
    assert read_offsets(settings.bootstrap_servers, topic, 0, 18, 25, timeout_s=1.0) is None
