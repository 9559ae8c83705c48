"""The worker's imperative shell around the core, independent of faust's wiring.

It runs the three detection stages: per input partition one ``Detector`` (accounts), per
links-topic partition one ``LinkStage``, and one ``CampaignStage``. Live, the stages are
joined by Kafka topics (link updates keyed by shared key, evidence to the campaign
stage); offline (``link_sink`` unset) the runtime hands each stage's output straight to
the next, in process. It turns bad records into dead letters, core alerts into
``alerts`` records, and it checkpoints changed state (profiles, keys, campaigns) to the
state changelogs. The shell calls ``checkpoint`` at the start of every offset commit: every
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
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import orjson
from kafka.partitioner.default import murmur2

from streams.core.alerts import Alert
from streams.core.cloudevents import alert_headers, ocsf_headers
from streams.core.coordination.campaigns import CampaignStage
from streams.core.coordination.crowd import CrowdLevel
from streams.core.coordination.links import LinkStage
from streams.core.detector import Detector, ScoreObserver
from streams.core.event import InvalidEvent, parse_event
from streams.core.learner import ContextModel
from streams.core.linking import (
    LinkUpdate,
    PairEvidence,
    batch_to_bytes,
    link_updates_from_bytes,
    pair_evidence_from_bytes,
)
from streams.core.ocsf import detection_finding
from streams.core.pipeline import PipelineParams
from streams.core.redact import redact_prompt
from streams.core.verdicts import Example, Verdict, VerdictBook, parse_feedback
from streams.worker import chunks

log = logging.getLogger("distillguard.worker")
_T = TypeVar("_T")

Headers = list[tuple[str, bytes]]

# How often (in a partition's event time) the input's time is passed on to the campaign
# stage, behind the links and evidence already sent, so that it regroups evidence left
# waiting when the links stop changing (a fleet's last members, a quiet night). Each input
# partition ticks every links partition: partitions² tiny records per period, which a
# backlog replay reads at full speed: at the default 4 partitions, 16 per period, about
# 17k over the 3-day simulated traffic against some 450k other internal records (4 %).
TICK_EVERY_MS = 300_000


class Sink(Protocol):
    """Where records go: a faust topic's ``send_soon`` in the worker, a list in tests."""

    def __call__(self, key: bytes | None, value: bytes, headers: Headers | None) -> None: ...


# Link updates and evidence leave in batches of at most this many: between stages, one
# record per batch instead of one per item keeps faust's per-record cost off the path.
MAX_BATCH = 256
BATCH_LINGER_S = 0.05  # how long a batch may wait for more (see WorkerRuntime.flush_batches)


class PartitionSink(Protocol):
    """Where records for one explicit partition go (the links topic)."""

    def __call__(self, partition: int, value: bytes) -> None: ...


def key_partition(key: str, partitions: int) -> int:
    """Kafka's default partition of ``key`` (murmur2, as the Java and aiokafka clients):
    a batch for one partition holds only keys whose state that partition owns."""
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


class ChangelogSink(Protocol):
    def __call__(self, table: str, partition: int, key: bytes, value: bytes | None) -> None: ...


# State tables: one changelog each.
PROFILES = "profiles"
LINK_KEYS = "link-keys"
CAMPAIGNS = "campaigns"
TABLES = (PROFILES, LINK_KEYS, CAMPAIGNS)
CAMPAIGN_STATE_KEY = b"campaign-stage"
# Per-partition state of a stage (the accounts stage's release clock and context model,
# stored with the profiles; the links stage's crowd level, stored with the link keys)
# under keys no account id (at most 128 characters) or link key ("kind:...") can take.
_RESERVED = b"\x00" * 129
CLOCK_KEY = _RESERVED + b"release-clock"  # one key for all partitions: read as a fallback


def partition_key(name: str, partition: int) -> bytes:
    """The table key of a stage's own ``name`` state for ``partition``."""
    return _RESERVED + f"{name}/{partition}".encode()


def is_reserved(key: bytes) -> bool:
    """True for the stage's own entries in the profiles table (not an account)."""
    return key.startswith(_RESERVED)


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
    link_updates: int = 0
    evidence: int = 0
    checkpoints: int = 0
    profiles_written: int = 0
    state_written: int = 0
    dead_letter_reasons: dict[str, int] = field(default_factory=dict)
    alerts_by_kind: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, severity)
    verdicts: int = 0  # analysts' verdicts read from the feedback topic
    ocsf_errors: int = 0  # alerts that could not be mirrored as OCSF findings (a bug)


def _where(record: SourceRecord) -> dict[str, Any]:
    """A record's coordinates as structured log fields (see streams.worker.logs)."""
    return {"topic": record.topic, "partition": record.partition, "offset": record.offset}


class WorkerRuntime:
    def __init__(
        self,
        params: PipelineParams,
        *,
        max_record_bytes: int,
        send_alert: Sink,
        send_dead_letter: Sink,
        send_changelog: ChangelogSink,
        states: Mapping[str, MutableMapping[bytes, bytes]],
        send_link: PartitionSink | None = None,
        link_partitions: int = 1,
        send_evidence: Sink | None = None,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        observer: ScoreObserver | None = None,
        send_ocsf: Sink | None = None,
        send_verdict: PartitionSink | None = None,
        source: str = "distillguard",
    ) -> None:
        self.params = params
        self.max_record_bytes = max_record_bytes
        self._send_alert = send_alert
        self._send_dead_letter = send_dead_letter
        self._send_changelog = send_changelog
        self._send_link = send_link
        self._link_partitions = link_partitions
        self._link_buffers: dict[int, list[LinkUpdate]] = {}
        self._ticked: dict[int, int] = {}  # input partition -> time of its last tick
        self._link_ticked: dict[int, int] = {}  # links partition -> last tick passed on
        self._evidence_since_tick: set[int] = set()  # links partitions with new evidence
        self._evidence_buffer: list[PairEvidence] = []
        self._send_evidence = send_evidence
        self._states = states
        self._clock_ms = clock_ms
        self._observer = observer
        self._send_ocsf = send_ocsf
        self._send_verdict = send_verdict
        self._source = source  # CloudEvents source: the app id
        # Offline, verdict examples every detector learns, kept for detectors made later.
        self._examples: list[Example] = []
        self.detectors: dict[int, Detector] = {}
        self.link_stages: dict[int, LinkStage] = {}
        self._campaigns: CampaignStage | None = None
        self._campaign_chunks = 0  # chunk records the last campaign checkpoint used
        self.counters = RuntimeCounters()

    def detector_for(self, partition: int) -> Detector:
        detector = self.detectors.get(partition)
        if detector is None:
            state = self._states[PROFILES]
            detector = Detector(
                self.params.detector,
                loader=lambda account: state.get(account.encode()),
                observer=self._observer,
            )
            clock = state.get(partition_key("release-clock", partition), state.get(CLOCK_KEY))
            if clock is not None:
                detector.restore_clock(clock)
            model = state.get(partition_key("context-model", partition))
            if model is not None:
                detector.context = ContextModel.from_bytes(model)
            verdicts = state.get(partition_key("verdicts", partition))
            if verdicts is not None:
                detector.verdicts = VerdictBook.from_bytes(verdicts, self.params.detector.verdicts)
            opened = state.get(partition_key("open-alerts", partition))
            if opened is not None:
                detector.restore_open_alerts(opened)
            for example in self._examples:
                detector.verdicts.learn(*example)
            self.detectors[partition] = detector
        return detector

    def link_stage_for(self, partition: int) -> LinkStage:
        stage = self.link_stages.get(partition)
        if stage is None:
            state = self._states[LINK_KEYS]
            stage = LinkStage(self.params.links, loader=lambda key: state.get(key.encode()))
            crowd = state.get(partition_key("sync-crowd", partition))
            if crowd is not None:
                try:
                    stage.crowd = CrowdLevel.from_bytes(crowd)
                except ValueError as exc:  # (orjson's decode error is one too)
                    # A level is relearnt within a few hundred keys: start from the floor
                    # rather than fail on every restart.
                    log.error("links partition %d: crowd level unreadable: %s", partition, exc)
            self.link_stages[partition] = stage
        return stage

    @property
    def campaigns(self) -> CampaignStage:
        stage = self._campaigns
        if stage is None:
            params = self.params.campaigns
            try:
                blob, self._campaign_chunks = chunks.unpack(
                    CAMPAIGN_STATE_KEY, self._states[CAMPAIGNS].get
                )
            except chunks.CorruptState as exc:
                # A crash half-way through a checkpoint: start over rather than crash on
                # every restart; the groups rebuild from new evidence.
                log.error("campaign state unreadable, starting empty: %s", exc)
                blob = None
            stage = (
                CampaignStage(params) if blob is None else CampaignStage.from_bytes(params, blob)
            )
            self._campaigns = stage
        return stage

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
            updates = detector.take_links()
            if updates:
                self._forward_links(updates)
            if detector.examples:
                for example in detector.take_examples():
                    self._share_example(example)
            self._tick(record.partition, detector)
        except InvalidEvent as exc:
            self._dead_letter(record, exc.reason, str(exc))
        except Exception as exc:  # a bug must not stop the stream
            self._processing_error(record, exc)
        else:
            self.counters.events += 1

    def _forward_links(self, updates: list[LinkUpdate]) -> None:
        """Link updates to the links stage: buffered per links partition (live), or
        straight to it (offline)."""
        self.counters.link_updates += len(updates)
        if self._send_link is None:
            self._links(0, updates)
            return
        n = self._link_partitions
        buffers = self._link_buffers
        for update in updates:
            partition = key_partition(update.key, n) if n > 1 else 0
            buffer = buffers.get(partition)
            if buffer is None:
                buffer = buffers[partition] = []
            buffer.append(update)
            if len(buffer) >= MAX_BATCH:
                self._send_link(partition, batch_to_bytes(buffer))
                del buffers[partition]

    def flush_batches(self) -> None:
        """Send the buffered link updates and evidence (a timer calls this every few
        tens of milliseconds; ``checkpoint`` too, so a commit never passes them)."""
        if self._link_buffers and self._send_link is not None:
            buffers, self._link_buffers = self._link_buffers, {}
            for partition, batch in buffers.items():
                self._send_link(partition, batch_to_bytes(batch))
        self._flush_evidence()

    def _flush_evidence(self) -> None:
        if self._evidence_buffer and self._send_evidence is not None:
            evidence, self._evidence_buffer = self._evidence_buffer, []
            self._send_evidence(b"campaigns", batch_to_bytes(evidence), None)

    def _tick(self, partition: int, detector: Detector) -> None:
        """Every ``TICK_EVERY_MS`` of a partition's event time (its clock, which one stray
        timestamp cannot move), tell the campaign stage: live, through every links
        partition behind the updates this partition sent it, so a tick never overtakes
        the evidence it is meant to let through."""
        now = detector.store.clock.now_ms
        if now is None:
            return
        last = self._ticked.setdefault(partition, now)  # the first tick a period on
        if 0 <= now - last < TICK_EVERY_MS:
            return
        self._ticked[partition] = now
        if self._send_link is None:
            self._advance(now)
            return
        record = orjson.dumps({"tick": now})
        buffers = self._link_buffers
        for links_partition in range(self._link_partitions):
            batch = buffers.pop(links_partition, None)
            if batch:
                self._send_link(links_partition, batch_to_bytes(batch))
            self._send_link(links_partition, record)

    def handle_link(self, record: SourceRecord) -> None:
        """One record of the links topic (live): the links stage of its partition; the
        evidence it yields leaves as one record. A tick is passed on."""
        if record.value is not None and record.value[:1] == b"{":
            tick = self._decode_internal(record, _tick_record)
            if tick is not None:
                self._guarded(record, lambda: self._pass_tick(record.partition, tick))
            return
        updates = self._decode_internal(record, link_updates_from_bytes)
        if updates is not None:
            self._guarded(record, lambda: self._links(record.partition, updates))

    def _pass_tick(self, partition: int, ts: int) -> None:
        """A tick on to the campaign stage, behind the evidence found before it: once a
        period per links partition, and after any new evidence (every input partition
        ticks every links partition; most of those ticks would say nothing new)."""
        last = self._link_ticked.get(partition)
        fresh = partition in self._evidence_since_tick
        if not fresh and last is not None and 0 <= ts - last < TICK_EVERY_MS:
            return
        self._link_ticked[partition] = ts
        self._evidence_since_tick.discard(partition)
        if self._send_evidence is None:
            self._advance(ts)
            return
        self._flush_evidence()
        self._send_evidence(b"campaigns", orjson.dumps({"tick": ts}), None)

    def _advance(self, ts: int) -> None:
        for alert in self.campaigns.advance(ts):
            self._emit(alert)

    def _links(self, partition: int, updates: list[LinkUpdate]) -> None:
        stage = self.link_stage_for(partition)
        found = [evidence for update in updates for evidence in stage.process(update)]
        if not found:
            return
        self.counters.evidence += len(found)
        self._evidence_since_tick.add(partition)
        if self._send_evidence is None:
            for evidence in found:
                self._campaign(evidence)
            return
        buffer = self._evidence_buffer
        buffer.extend(found)
        # One update can bring a key's relink (links.RELINK_GROWTH: up to a few hundred
        # pairs) and one batch of updates several: records stay at MAX_BATCH pairs.
        while len(buffer) >= MAX_BATCH:
            self._send_evidence(b"campaigns", batch_to_bytes(buffer[:MAX_BATCH]), None)
            del buffer[:MAX_BATCH]

    def _decode_internal(self, record: SourceRecord, decode: Callable[[bytes], _T]) -> _T | None:
        """An internal topic's record decoded, or None after reporting why it is not."""
        try:
            if record.value is None:
                raise ValueError(f"{record.topic} record without value")
            return decode(record.value)
        except Exception as exc:
            self._internal_record_error(record, exc)
            return None

    def handle_feedback(self, record: SourceRecord) -> None:
        """One record of the feedback topic: an analyst's verdict, routed to the partition
        that owns its account (by the input's key partitioner, whatever partition the
        record came in on) and to the campaign stage."""
        try:
            if record.value is None:
                raise InvalidEvent("not_json", "record has no value (tombstone)")
            verdict = parse_feedback(record.value)
        except InvalidEvent as exc:
            self._dead_letter(record, exc.reason, str(exc))
            return
        self.counters.verdicts += 1
        log.info(
            "verdict %s on %s",
            "abuse" if verdict.abuse else "benign",
            verdict.account_id or verdict.campaign_id,
            extra=_where(record),
        )
        if verdict.account_id is None:
            self._guarded(record, lambda: self._campaign_verdict(verdict))
            return
        n = self._link_partitions
        owner = key_partition(verdict.account_id, n) if n > 1 else 0
        if self._send_verdict is None:
            self._guarded(record, lambda: self._apply_verdict(owner, verdict))
        else:
            self._send_verdict(owner, orjson.dumps({"verdict": verdict.to_row()}))

    def handle_verdict(self, record: SourceRecord) -> None:
        """One record of the internal verdicts topic (live): a verdict for this
        partition's account, or an example for this partition's look-alike model."""
        doc = self._decode_internal(record, _verdict_record)
        if doc is None:
            return
        if "verdict" in doc:
            verdict = Verdict.from_row(doc["verdict"])
            self._guarded(record, lambda: self._apply_verdict(record.partition, verdict))
        elif "member" in doc:  # one member's share of a campaign verdict
            member = Verdict.from_row(doc["member"])
            self._guarded(record, lambda: self._apply_verdict(record.partition, member, False))
        else:
            self._guarded(record, lambda: self._learn_example(record.partition, doc["example"]))

    def _learn_example(self, partition: int, example: list[Any]) -> None:
        example_id, vector, abuse, until = example
        features = {str(k): float(v) for k, v in vector.items()}
        self.detector_for(partition).verdicts.learn(
            str(example_id), features, bool(abuse), int(until)
        )

    def _apply_verdict(self, partition: int, verdict: Verdict, campaigns: bool = True) -> None:
        """A verdict on one of ``partition``'s accounts; then the campaign stage's part,
        unless it comes from the campaign stage (a member of a campaign verdict)."""
        detector = self.detector_for(partition)
        for alert in detector.apply_verdict(verdict):
            self._emit(alert)
        for example in detector.take_examples():
            self._share_example(example)
        if campaigns:
            self._campaign_verdict(verdict)

    def _share_example(self, example: Example) -> None:
        """A judged account's look-alike example to every partition's model (one
        record per partition live; offline, every detector and the ones made later)."""
        if self._send_verdict is None:
            self._examples.append(example)
            del self._examples[: -self.params.detector.verdicts.window]
            for detector in self.detectors.values():
                detector.verdicts.learn(*example)
            return
        row = orjson.dumps({"example": list(example)})
        for p in range(self._link_partitions):
            self._send_verdict(p, row)

    def _campaign_verdict(self, verdict: Verdict) -> None:
        """The campaign stage's part of a verdict: in process, or through its topic
        behind the evidence already buffered (so it applies in order)."""
        if self._send_evidence is None:
            self._campaign_applies(verdict)
            return
        self.flush_batches()
        self._send_evidence(b"campaigns", orjson.dumps({"verdict": verdict.to_row()}), None)

    def _campaign_applies(self, verdict: Verdict) -> None:
        """The campaign stage applies a verdict; a benign campaign's members then each
        get their share of it where their profiles live (suppressed, and examples for
        the look-alike model), as if the analyst had judged each of them."""
        alerts, members = self.campaigns.apply_verdict(verdict)
        for alert in alerts:
            self._emit(alert)
        n = self._link_partitions
        for account in members:
            member = Verdict(
                f"{verdict.verdict_id}/{account}", account, None, verdict.abuse, verdict.ts_ms
            )
            owner = key_partition(account, n) if n > 1 else 0
            if self._send_verdict is None:
                self._apply_verdict(owner, member, False)
            else:
                self._send_verdict(owner, orjson.dumps({"member": member.to_row()}))

    def handle_evidence(self, record: SourceRecord) -> None:
        """One record of the evidence topic (live): the campaign stage."""
        if record.value is not None and record.value[:1] == b"{":  # a verdict or a tick
            doc = self._decode_internal(record, _evidence_control)
            if doc is None:
                return
            if "tick" in doc:
                tick = int(doc["tick"])
                self._guarded(record, lambda: self._advance(tick))
            elif "verdict" in doc:
                verdict = Verdict.from_row(doc["verdict"])
                self._guarded(record, lambda: self._campaign_applies(verdict))
            return
        found = self._decode_internal(record, pair_evidence_from_bytes)
        if found is not None:
            self._guarded(record, lambda: self._to_campaigns(found))

    def _to_campaigns(self, found: list[PairEvidence]) -> None:
        for evidence in found:
            self._campaign(evidence)

    def _campaign(self, evidence: PairEvidence) -> None:
        for alert in self.campaigns.process(evidence):
            self._emit(alert)

    def flush(self) -> None:
        """End of input (offline): let the campaign stage regroup on what it holds."""
        for alert in self.campaigns.flush():
            self._emit(alert)

    def _guarded(self, record: SourceRecord, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception as exc:  # a bug must not stop the stream
            self._processing_error(record, exc)

    def _internal_record_error(self, record: SourceRecord, exc: Exception) -> None:
        # Internal topics are written by this pipeline only: a bad record there is a bug
        # or a version mismatch, and goes to the dead-letter topic like any other.
        self._dead_letter(record, "bad_internal_record", f"unreadable: {type(exc).__name__}")

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
            extra=_where(record),
        )
        self._dead_letter(record, "processing_error", f"internal error: {type(exc).__name__}")

    def _emit(self, alert: Alert) -> None:
        """The alert to ``alerts`` and its OCSF finding to ``alerts-ocsf``, each with
        CloudEvents headers (see streams.core.cloudevents)."""
        wire = alert.to_wire(self._clock_ms())
        key = alert.alert_id.encode()
        self._send_alert(key, orjson.dumps(wire), alert_headers(wire, self._source))
        if self._send_ocsf is not None:
            try:
                finding = orjson.dumps(detection_finding(wire))
            except Exception as exc:  # a mapping bug must not stop the stream or the alert
                log.error("no OCSF finding for %s: %s", alert.alert_id, type(exc).__name__)
                self.counters.ocsf_errors += 1
            else:
                self._send_ocsf(key, finding, ocsf_headers(wire, self._source))
        counters = self.counters
        counters.alerts += 1
        by = (alert.kind, alert.severity)
        counters.alerts_by_kind[by] = counters.alerts_by_kind.get(by, 0) + 1

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
            extra={**_where(record), "reason": reason},
        )

    def checkpoint(self) -> int:
        """Hand every state entry changed since the last checkpoint to its changelog
        (and the buffered link updates and evidence to their topics)."""
        self.flush_batches()
        written = 0
        for partition, detector in self.detectors.items():
            changes = detector.store.drain_changes()
            written += self._write(PROFILES, partition, changes, exact=True)  # zlib's
            self.counters.profiles_written += len(changes)
            own: list[tuple[bytes, bytes | None]] = []
            if detector.clock_changed:
                detector.clock_changed = False
                own.append((partition_key("release-clock", partition), detector.clock_state()))
            if detector.context.changed:
                detector.context.changed = False
                own.append((partition_key("context-model", partition), detector.context.to_bytes()))
            if detector.verdicts.changed:
                detector.verdicts.changed = False
                own.append((partition_key("verdicts", partition), detector.verdicts.to_bytes()))
            if detector.open_changed:
                detector.open_changed = False
                own.append((partition_key("open-alerts", partition), detector.open_alerts_state()))
            if own:
                written += self._write(PROFILES, partition, own)
        for partition, stage in self.link_stages.items():
            written += self._write(LINK_KEYS, partition, stage.drain_changes())
            if stage.crowd.changed:
                stage.crowd.changed = False
                crowd = [(partition_key("sync-crowd", partition), stage.crowd.to_bytes())]
                written += self._write(LINK_KEYS, partition, crowd)
        campaigns = self._campaigns
        if campaigns is not None and campaigns.changed:
            campaigns.changed = False
            packed, self._campaign_chunks = chunks.pack(
                CAMPAIGN_STATE_KEY, campaigns.to_bytes(), self._campaign_chunks
            )
            written += self._write(CAMPAIGNS, 0, packed, exact=True)  # zlib's, sliced
        if written:
            self.counters.checkpoints += 1
            self.counters.state_written += written
        return written

    def _write(
        self,
        table: str,
        partition: int,
        changes: Sequence[tuple[str | bytes, bytes | None]],
        exact: bool = False,
    ) -> int:
        """Store and send the changes. ``exact``: the blobs are already of their own size
        (zlib's output is; orjson's is not) and are kept as they are."""
        state = self._states[table]
        for name, blob in changes:
            key = name.encode() if isinstance(name, str) else name
            if blob is None:
                state.pop(key, None)
            elif exact:
                # A copy would only leave the original's freed block behind, between
                # live ones: 155 B of RSS per account at 100,000 (measured).
                state[key] = blob
            else:
                # A copy of exactly its size: orjson returns each result in a 4 KB
                # allocation, so keeping its bytes cost 4 KB per key (measured).
                state[key] = memoryview(blob).tobytes()
            self._send_changelog(table, partition, key, blob)
        return len(changes)

    def drop_partitions(self, partitions: set[int], link_partitions: Iterable[int] = ()) -> None:
        """Forget partitions this worker no longer owns (after their final checkpoint)."""
        self.checkpoint()
        for partition in partitions:
            self.detectors.pop(partition, None)
        for partition in link_partitions:
            self.link_stages.pop(partition, None)

    def drop_campaigns(self) -> None:
        """The campaign stage moved to another worker: forget it (after a checkpoint)."""
        self.checkpoint()
        self._campaigns = None

    def stats(self) -> dict[str, Any]:
        tracked = sum(len(d.store) for d in self.detectors.values())
        keys = sum(len(stage) for stage in self.link_stages.values())
        graph = self._campaigns.graph if self._campaigns is not None else None
        return {
            **self.counters.__dict__,
            "tracked_accounts": tracked,
            "tracked_keys": keys,
            "campaign_graph_accounts": len(graph) if graph is not None else 0,
            "campaign_graph_edges": graph.edge_count if graph is not None else 0,
        }

    def state_sizes(self) -> dict[str, tuple[int, int]]:
        """Per state table: (entries, bytes) as last checkpointed (what a restore reads)."""
        return {
            name: (len(state), sum(len(v) for v in state.values()))
            for name, state in self._states.items()
        }


def _tick_record(blob: bytes) -> int:
    """An internal tick record, ``{"tick": event time in ms}``: its time."""
    return _tick_time(orjson.loads(blob))


def _tick_time(doc: Any) -> int:
    if not isinstance(doc, dict) or type(doc.get("tick")) is not int:
        raise ValueError("not a tick record")
    return int(doc["tick"])


def _evidence_control(blob: bytes) -> dict[str, Any]:
    """An evidence-topic record that is not evidence: a tick or a campaign verdict."""
    doc = orjson.loads(blob)
    if isinstance(doc, dict) and "tick" in doc:
        return {"tick": _tick_time(doc)}
    return _verdict_record(blob)


def _verdict_record(blob: bytes) -> dict[str, Any]:
    """An internal verdict record: ``{"verdict": row}``, ``{"member": row}`` (a campaign
    verdict's share for one member) or ``{"example": [id, vector, abuse]}``."""
    doc = orjson.loads(blob)
    if not isinstance(doc, dict) or not ({"verdict", "member", "example"} & doc.keys()):
        raise ValueError("not a verdict record")
    for kind in ("verdict", "member"):
        if kind in doc:
            Verdict.from_row(doc[kind])  # checks its shape
    return doc
