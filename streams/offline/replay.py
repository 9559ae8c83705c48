"""Replay a recorded stream into Kafka in event-time order, optionally time-warped."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streams.kafka.io import CheckedSender, event_lines, make_producer
from streams.kafka.security import PLAINTEXT, ClientSecurity
from streams.offline.progress import Progress


@dataclass
class ReplayReport:
    sent: int
    skipped: int
    seconds: float
    first_ts_ms: int | None
    last_ts_ms: int | None
    too_large: int = 0
    expiring: int = 0  # records older than the topic's time retention when sent
    retention_ms: int | None = None


def replay_file(
    bootstrap: str,
    topic: str,
    path: Path,
    *,
    speed: float = 0.0,
    since_ms: int | None = None,
    until_ms: int | None = None,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    security: ClientSecurity = PLAINTEXT,
) -> ReplayReport:
    """Send ``path``'s events to ``topic`` keyed by ``account_id``, record time = event time.

    ``speed`` 0 sends as fast as possible, 1 in real time, N at N times real time: an
    event is sent when ``(its ts - first ts) / speed`` has passed on the wall clock.
    Lines without a readable time are sent as they come (the worker dead-letters them),
    stamped with the time of the readable event before them (see ``CheckedSender``).
    Records older than the topic's time retention are counted in ``expiring``.
    """
    if speed < 0:
        raise ValueError("speed must be >= 0")
    producer = make_producer(bootstrap, security=security)
    sender, retention = CheckedSender.for_topic(producer, bootstrap, topic, security)
    skipped = 0
    first_ts: int | None = None
    last_ts: int | None = None
    started = clock()
    try:
        for line, key, ts_ms in event_lines(path):
            if ts_ms is not None:
                if (since_ms is not None and ts_ms < since_ms) or (
                    until_ms is not None and ts_ms > until_ms
                ):
                    skipped += 1
                    continue
                if first_ts is None:
                    first_ts = ts_ms
                last_ts = ts_ms if last_ts is None else max(last_ts, ts_ms)
                if speed > 0:
                    delay = started + (ts_ms - first_ts) / 1000 / speed - clock()
                    if delay > 0:
                        producer.flush()
                        sleep(delay)
            sender.send(key, line, ts_ms)
            if progress is not None and not sender.sent % 2048:
                progress.update(sender.sent)
        sender.finish()
    finally:
        producer.close(timeout=10)
        if progress is not None:
            progress.update(sender.sent)
            progress.close()
    return ReplayReport(
        sender.sent,
        skipped,
        clock() - started,
        first_ts,
        last_ts,
        sender.too_large,
        sender.expiring,
        retention,
    )
