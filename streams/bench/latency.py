"""Event-to-alert latency: events sent at a steady rate, alerts timed as they arrive.

An alert names the event time of the event that raised it (``detected_at``) and its
accounts; the sender remembers when it sent each (account, event time), so each alert
is matched to the send of the event behind it. Both clocks are this process's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kafka_errors

from streams.core.timeutil import parse_rfc3339_ms


@dataclass(frozen=True)
class Latency:
    sent: int
    rate: float  # events/s actually sent
    alerts: int  # alert records matched to the event behind them
    unmatched: int
    p50_s: float
    p99_s: float
    max_s: float


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


class _AlertTimer(threading.Thread):
    """Reads the alerts topic, noting when each alert record arrived."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(name="alert-timer", daemon=True)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        partitions = self.consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in partitions]
        self.consumer.assign(tps)
        self.consumer.seek_to_end(*tps)
        for tp in tps:
            self.consumer.position(tp)  # resolve "end" now, before anything is sent
        self.arrived: list[tuple[float, bytes]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                for batch in self.consumer.poll(timeout_ms=50).values():
                    now = time.monotonic()
                    self.arrived.extend((now, record.value) for record in batch)
        finally:
            self.consumer.close()


def measure_latency(
    bootstrap: str,
    source: str,
    alerts_topic: str,
    events: Iterable[tuple[bytes, bytes | None, int | None]],
    *,
    rate: float,
    seconds: float,
    settle_s: float = 5.0,
) -> Latency:
    """Send ``events`` (line, key, event time) at ``rate``/s for ``seconds``; time alerts."""
    timer = _AlertTimer(bootstrap, alerts_topic)
    timer.start()
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)
    sent_at: dict[tuple[bytes, int], float] = {}
    count = 0
    start = time.monotonic()
    try:
        for line, key, ts_ms in events:
            now = time.monotonic()
            if now - start > seconds:
                break
            due = start + count / rate
            if due > now:
                time.sleep(due - now)
            try:
                producer.send(source, key=key, value=line)
            except kafka_errors.MessageSizeTooLargeError:
                continue  # the input's oversized records: the broker would refuse them
            if key is not None and ts_ms is not None:
                sent_at.setdefault((key, ts_ms), time.monotonic())
            count += 1
        producer.flush()
        elapsed = time.monotonic() - start
        time.sleep(settle_s)  # alerts of the last events are on their way
    finally:
        producer.close(timeout=10)
        timer.stop.set()
        timer.join(timeout=10)
    latencies: list[float] = []
    unmatched = 0
    for arrived, value in timer.arrived:
        alert = orjson.loads(value)
        at = parse_rfc3339_ms(alert["detected_at"])
        sends = [
            sent_at[(a.encode(), at)] for a in alert["account_ids"] if (a.encode(), at) in sent_at
        ]
        if sends:
            latencies.append(arrived - max(sends))
        else:
            unmatched += 1
    return Latency(
        sent=count,
        rate=count / elapsed if elapsed > 0 else 0.0,
        alerts=len(latencies),
        unmatched=unmatched,
        p50_s=percentile(latencies, 0.50),
        p99_s=percentile(latencies, 0.99),
        max_s=max(latencies, default=0.0),
    )
