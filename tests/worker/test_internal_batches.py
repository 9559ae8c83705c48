"""Records between stages carry batches: fewer records per event, same detection."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.linking import (
    LinkUpdate,
    PairEvidence,
    batch_to_bytes,
    link_updates_from_bytes,
    pair_evidence_from_bytes,
)
from streams.core.pipeline import PipelineParams
from streams.worker.runtime import (
    MAX_BATCH,
    TABLES,
    TICK_EVERY_MS,
    Headers,
    SourceRecord,
    WorkerRuntime,
    key_partition,
)
from tests.core.test_detector import harvest_prompt
from tests.factories import wire_event

PARTITIONS = 4
T0_MS = 1_795_420_800_000  # 2026-11-23T08:00:00Z, the first event of ``_event``


class LiveHarness:
    """The runtime wired as in the worker: stages joined by (recorded) topics."""

    def __init__(self) -> None:
        self.links: list[tuple[int, bytes]] = []
        self.evidence: list[bytes] = []
        self.alerts: list[bytes] = []
        self.runtime = WorkerRuntime(
            PipelineParams(),
            max_record_bytes=1 << 16,
            send_alert=lambda k, v, h: self.alerts.append(v),
            send_dead_letter=lambda k, v, h: None,
            send_changelog=lambda t, p, k, v: None,
            states={table: {} for table in TABLES},
            send_link=lambda p, v: self.links.append((p, v)),
            link_partitions=PARTITIONS,
            send_evidence=self._evidence,
        )

    def _evidence(self, key: bytes | None, value: bytes, headers: Headers | None) -> None:
        self.evidence.append(value)


def _event(account: str, i: int, minute: int | None = None, **fields: Any) -> bytes:
    """Event ``i`` of a stream, ``i`` minutes in (or at ``minute``)."""
    at = i if minute is None else minute
    return orjson.dumps(
        wire_event(
            account,
            f"2026-11-23T{8 + at // 60:02d}:{at % 60:02d}:00.000Z",
            ip=f"203.0.113.{i % 200}",
            asn=64500,
            tls_fingerprint="tls-shared",
            user_agent="ua-shared",
            payment_fingerprint="card-shared",
            org_id="org-1",
            prompt=harvest_prompt(i),
            **fields,
        )
    )


def test_link_updates_leave_as_one_record_per_links_partition_when_flushed() -> None:
    h = LiveHarness()
    h.runtime.handle(SourceRecord("api-calls", 0, 0, _event("acct-a", 0)))
    assert h.links == []  # buffered until the timer or a checkpoint flushes them
    h.runtime.flush_batches()
    announced = h.runtime.counters.link_updates
    assert announced > PARTITIONS  # payment, tls, ua, net, asn, org, templates, ...
    assert 1 <= len(h.links) <= PARTITIONS
    assert len({p for p, _ in h.links}) == len(h.links)  # at most one record per partition
    updates = 0
    for partition, value in h.links:
        batch = link_updates_from_bytes(value)
        updates += len(batch)
        # Each key goes where Kafka's default partitioner would put it: its state's owner.
        assert all(key_partition(u.key, PARTITIONS) == partition for u in batch)
    assert updates == announced


def test_link_batch_yields_one_evidence_record_and_the_same_campaign_as_in_process() -> None:
    live = LiveHarness()
    offline = WorkerRuntime(
        PipelineParams(),
        max_record_bytes=1 << 16,
        send_alert=lambda k, v, h: None,
        send_dead_letter=lambda k, v, h: None,
        send_changelog=lambda t, p, k, v: None,
        states={table: {} for table in TABLES},
    )
    harvest = {"input_tokens": 40, "output_tokens": 3000, "max_tokens": 3000, "turn": 1}
    offset = 0
    for i in range(40):
        for account in ("acct-a", "acct-b", "acct-c", "acct-d"):
            value = _event(account, i, temperature=0.0, **harvest)
            live.runtime.handle(SourceRecord("api-calls", 0, offset, value))
            live.runtime.flush_batches()
            offline.handle(SourceRecord("api-calls", 0, offset, value))
            offset += 1
            # Deliver what the accounts stage sent, stage by stage, as Kafka would.
            links, live.links = live.links, []
            for n, (partition, blob) in enumerate(links):
                before = len(live.evidence)
                live.runtime.handle_link(SourceRecord("links", partition, n, blob))
                live.runtime.flush_batches()
                assert len(live.evidence) - before <= 1  # one record per link batch
            evidence, live.evidence = live.evidence, []
            for n, blob in enumerate(evidence):
                live.runtime.handle_evidence(SourceRecord("evidence", 0, n, blob))
    assert live.runtime.counters.evidence == offline.counters.evidence > 0
    assert live.runtime.counters.alerts == offline.counters.alerts > 0
    live_ids = {orjson.loads(v)["alert_id"] for v in live.alerts}
    assert any(alert_id.startswith("camp-") for alert_id in live_ids)


def test_a_checkpoint_sends_every_buffered_batch_before_the_commit() -> None:
    h = LiveHarness()
    for i in range(5):  # all at once: no tick sends them either
        h.runtime.handle(SourceRecord("api-calls", 0, i, _event(f"acct-{i}", i, minute=0)))
    assert h.links == []
    h.runtime.checkpoint()  # runs at the start of every offset commit
    sent = sum(len(link_updates_from_bytes(v)) for _, v in h.links)
    assert sent == h.runtime.counters.link_updates > 0


def test_a_full_buffer_is_sent_without_waiting_for_the_timer() -> None:
    h = LiveHarness()
    for i in range(MAX_BATCH):
        h.runtime.handle(SourceRecord("api-calls", 0, i, _event(f"acct-{i}", i, minute=0)))
    assert h.links  # some partition's buffer filled up
    assert all(len(link_updates_from_bytes(v)) == MAX_BATCH for _, v in h.links)


def test_a_tick_follows_the_updates_through_every_links_partition_to_the_campaigns() -> None:
    h = LiveHarness()
    h.runtime.handle(SourceRecord("api-calls", 0, 0, _event("acct-a", 0)))
    assert h.links == []  # the first event starts the clock: no tick yet
    period = TICK_EVERY_MS // 60_000
    h.runtime.handle(SourceRecord("api-calls", 0, 1, _event("acct-b", 1, minute=period - 1)))
    assert h.links == [], "less than a period on: no tick"
    h.runtime.handle(SourceRecord("api-calls", 0, 2, _event("acct-c", 2, minute=period)))
    ticks = [(p, v) for p, v in h.links if v.startswith(b"{")]
    assert sorted(p for p, _ in ticks) == list(range(PARTITIONS))
    tick_ms = T0_MS + TICK_EVERY_MS
    assert all(orjson.loads(v) == {"tick": tick_ms} for _, v in ticks)
    for partition in range(PARTITIONS):
        records = [v for p, v in h.links if p == partition]
        assert records[-1].startswith(b"{"), "the updates sent before it come first"
    # The links stage passes it on behind its evidence, once per minute of event time
    # (every input partition ticks every links partition; one is enough).
    for n, (partition, value) in enumerate(h.links):
        h.runtime.handle_link(SourceRecord("links", partition, n, value))
    passed = [v for v in h.evidence if v.startswith(b"{")]
    assert passed == [b'{"tick":' + str(tick_ms).encode() + b"}"] * len(passed)
    assert 1 <= len(passed) <= PARTITIONS
    for n, value in enumerate(h.evidence):
        h.runtime.handle_evidence(SourceRecord("evidence", 0, n, value))
    assert h.runtime.counters.dead_letters == 0


@pytest.mark.parametrize("value", [b"{}", b'{"tick": "soon"}', b'{"tick": 1.5}', b"{not json"])
def test_an_unreadable_tick_is_a_dead_letter_not_a_crash(value: bytes) -> None:
    h = LiveHarness()
    h.runtime.handle_link(SourceRecord("links", 0, 0, value))
    h.runtime.handle_evidence(SourceRecord("evidence", 0, 0, value))
    assert h.runtime.counters.dead_letter_reasons == {"bad_internal_record": 2}
    assert h.evidence == []


def test_records_written_before_batches_still_decode() -> None:
    update = LinkUpdate("tls:x", "acct-a", 1, 0.7, 12)
    evidence = PairEvidence("acct-a", "acct-b", 0.5, "tls:x", 1, 0.7, 0.8, 12, 30)
    assert link_updates_from_bytes(update.to_bytes()) == [update]
    assert pair_evidence_from_bytes(evidence.to_bytes()) == [evidence]


_names = st.text(min_size=1, max_size=20)
_updates = st.builds(
    LinkUpdate,
    _names,
    _names,
    st.integers(0, 2**53),
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 2**31),
)
_evidences = st.builds(
    PairEvidence,
    _names,
    _names,
    st.floats(0, 10, allow_nan=False),
    _names,
    st.integers(0, 2**53),
    st.floats(0, 1, allow_nan=False),
    st.floats(0, 1, allow_nan=False),
    st.integers(0, 2**31),
    st.integers(0, 2**31),
)


@given(st.lists(_updates, min_size=1, max_size=12))
def test_link_batches_round_trip(updates: list[LinkUpdate]) -> None:
    assert link_updates_from_bytes(batch_to_bytes(updates)) == updates


@given(st.lists(_evidences, min_size=1, max_size=12))
def test_evidence_batches_round_trip(evidences: list[PairEvidence]) -> None:
    assert pair_evidence_from_bytes(batch_to_bytes(evidences)) == evidences


def test_evidence_records_hold_at_most_a_batch_however_much_one_link_batch_yields() -> None:
    """A batch of link updates can yield many pairs (each suspect a few partners, and a
    key growing stronger relinks its suspects): they leave in records of at most
    ``MAX_BATCH`` pairs, none lost."""
    h = LiveHarness()
    updates = [LinkUpdate("pay:card", f"acct-{i}", T0_MS + i, 0.8, 20) for i in range(MAX_BATCH)]
    partition = key_partition("pay:card", PARTITIONS)
    h.runtime.handle_link(SourceRecord("links", partition, 0, batch_to_bytes(updates)))
    h.runtime.flush_batches()
    sizes = [len(pair_evidence_from_bytes(v)) for v in h.evidence]
    assert len(sizes) >= 3 and max(sizes) == MAX_BATCH
    assert sum(sizes) == h.runtime.counters.evidence > 2 * MAX_BATCH
