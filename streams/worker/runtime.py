"""The worker's imperative shell around the core, independent of faust's wiring.

Per input partition it keeps one ``Detector``; it turns bad records into dead letters,
core alerts into ``alerts`` records, and it checkpoints changed profiles to the state
changelog. The shell calls ``checkpoint`` at the start of every offset commit: every
record whose offset is about to be committed has already been applied in memory, the
checkpoint hands the changed profiles to the producer, and faust flushes the producer
before it commits, so a committed offset never runs ahead of durable state
(at-least-once). Replays after a crash are recognised by the profile's last applied
offset and change nothing.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from streams.core.alerts import Alert
from streams.core.detector import Detector, DetectorParams, ScoreObserver
from streams.core.event import InvalidEvent, parse_event
from streams.core.redact import redact_prompt

log = logging.getLogger("distillguard.worker")

Headers = list[tuple[str, bytes]]


class Sink(Protocol):
    """Where records go: a faust topic's ``send_soon`` in the worker, a list in tests."""

    def __call__(self, key: bytes | None, value: bytes, headers: Headers | None) -> None: ...


class ChangelogSink(Protocol):
    def __call__(self, partition: int, key: bytes, value: bytes | None) -> None: ...


@dataclass(slots=True)
class SourceRecord:
    """What the shell needs of one consumed record."""

    topic: str
    partition: int
    offset: int
    value: bytes | None


@dataclass
class RuntimeCounters:
    events: int = 0
    dead_letters: int = 0
    duplicates: int = 0
    alerts: int = 0
    checkpoints: int = 0
    profiles_written: int = 0
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)


class WorkerRuntime:
    def __init__(
        self,
        params: DetectorParams,
        *,
        max_record_bytes: int,
        send_alert: Sink,
        send_dead_letter: Sink,
        send_changelog: ChangelogSink,
        state: MutableMapping[bytes, bytes],
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        observer: ScoreObserver | None = None,
    ) -> None:
        self.params = params
        self.max_record_bytes = max_record_bytes
        self._send_alert = send_alert
        self._send_dead_letter = send_dead_letter
        self._send_changelog = send_changelog
        self._state = state
        self._clock_ms = clock_ms
        self._observer = observer
        self.detectors: dict[int, Detector] = {}
        self.counters = RuntimeCounters()

    def detector_for(self, partition: int) -> Detector:
        detector = self.detectors.get(partition)
        if detector is None:
            state = self._state
            detector = Detector(
                self.params,
                loader=lambda account: state.get(account.encode()),
                observer=self._observer,
            )
            self.detectors[partition] = detector
        return detector

    def handle(self, record: SourceRecord) -> None:
        """Process one record: update state in memory, send its alerts or dead letter.

        Nothing a record contains can stop the stream: contract violations and any
        unexpected error alike end as a dead letter with a reason.
        """
        raw = record.value
        try:
            if raw is None:
                raise InvalidEvent("not_json", "record has no value (tombstone)")
            event = parse_event(raw, self.max_record_bytes)
            detector = self.detector_for(record.partition)
            before = detector.duplicates
            alerts = detector.process(event, record.offset)
            self.counters.duplicates += detector.duplicates - before
            for alert in alerts:
                self._emit(alert)
        except InvalidEvent as exc:
            self._dead_letter(record, exc.reason, str(exc))
        except Exception as exc:  # a bug must not stop the stream
            self._processing_error(record, exc)
        else:
            self.counters.events += 1

    def _processing_error(self, record: SourceRecord, exc: Exception) -> None:
        # Type and stack only: an exception's message could quote the record's data.
        stack = "".join(traceback.format_tb(exc.__traceback__))
        log.error(
            "processing failed: %s at %s[%d]@%d\n%s",
            type(exc).__name__,
            record.topic,
            record.partition,
            record.offset,
            stack,
        )
        self._dead_letter(record, "processing_error", f"internal error: {type(exc).__name__}")

    def _emit(self, alert: Alert) -> None:
        wire = alert.to_wire(self._clock_ms())
        self._send_alert(alert.alert_id.encode(), orjson.dumps(wire), None)
        self.counters.alerts += 1

    def _dead_letter(self, record: SourceRecord, reason: str, message: str) -> None:
        headers: Headers = [
            ("dg-reason", reason.encode()),
            ("dg-error", message.encode()),
            ("dg-source-topic", record.topic.encode()),
            ("dg-source-partition", str(record.partition).encode()),
            ("dg-source-offset", str(record.offset).encode()),
        ]
        value = b"" if record.value is None else redact_prompt(record.value)
        self._send_dead_letter(None, value, headers)
        counters = self.counters
        counters.dead_letters += 1
        counters.dead_letter_reasons[reason] = counters.dead_letter_reasons.get(reason, 0) + 1
        log.warning(
            "dead-lettered %s[%d]@%d: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
        )

    def checkpoint(self) -> int:
        """Hand every profile changed since the last checkpoint to the changelog."""
        written = 0
        for partition, detector in self.detectors.items():
            for account_id, blob in detector.store.drain_changes():
                key = account_id.encode()
                if blob is None:
                    self._state.pop(key, None)
                else:
                    self._state[key] = blob
                self._send_changelog(partition, key, blob)
                written += 1
        if written:
            self.counters.checkpoints += 1
            self.counters.profiles_written += written
        return written

    def drop_partitions(self, partitions: set[int]) -> None:
        """Forget partitions this worker no longer owns (after their final checkpoint)."""
        self.checkpoint()
        for partition in partitions:
            self.detectors.pop(partition, None)

    def stats(self) -> dict[str, Any]:
        tracked = sum(len(d.store) for d in self.detectors.values())
        return {**self.counters.__dict__, "tracked_accounts": tracked}
