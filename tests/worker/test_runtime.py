"""The worker shell without Kafka: dead letters, alerts, checkpoints and acks."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson
import pytest

from streams.core.coordination.crowd import CrowdLevel
from streams.core.detector import DetectorParams
from streams.core.pipeline import PipelineParams
from streams.core.profile import AccountProfile
from streams.worker.runtime import (
    LINK_KEYS,
    PROFILES,
    TABLES,
    Headers,
    SourceRecord,
    WorkerRuntime,
    is_reserved,
    partition_key,
)
from tests.core.test_detector import harvest_prompt
from tests.factories import wire_event

CANARY = "CANARY-7d1e prompt text that must never leave the worker"


@dataclass
class Recorder:
    sent: list[tuple[bytes | None, bytes, Headers | None]] = field(default_factory=list)

    def __call__(self, key: bytes | None, value: bytes, headers: Headers | None) -> None:
        self.sent.append((key, value, headers))


class Harness:
    def __init__(self) -> None:
        self.alerts = Recorder()
        self.dead = Recorder()
        self.changelog: list[tuple[int, bytes, bytes | None]] = []
        self.states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}
        self.state = self.states[PROFILES]
        self.runtime = WorkerRuntime(
            PipelineParams(
                detector=DetectorParams(
                    account_min_requests=5, account_threshold=0.3, max_templated_share=1.0
                )
            ),
            max_record_bytes=2048,
            send_alert=self.alerts,
            send_dead_letter=self.dead,
            send_changelog=self._changelog,
            states=self.states,
            clock_ms=lambda: 1_795_420_900_000,
        )
        self.offset = 0

    def _changelog(self, table: str, partition: int, key: bytes, value: bytes | None) -> None:
        if table == PROFILES and not is_reserved(key):
            self.changelog.append((partition, key, value))

    def feed(self, value: bytes | None, partition: int = 0) -> None:
        self.runtime.handle(SourceRecord("api-calls", partition, self.offset, value))
        self.offset += 1


def test_malformed_records_become_dead_letters_with_reason_and_source() -> None:
    h = Harness()
    h.feed(b"not json at all")
    h.feed(orjson.dumps({"event_id": "x", "prompt": CANARY}))  # missing fields
    h.feed(b"x" * 4096)  # oversized
    h.feed(None)  # tombstone
    reasons = [dict(headers or [])["dg-reason"] for _, _, headers in h.dead.sent]
    assert reasons == [b"not_json", b"missing_field", b"too_large", b"not_json"]
    headers = dict(h.dead.sent[1][2] or [])
    assert headers["dg-source-topic"] == b"api-calls"
    assert headers["dg-source-partition"] == b"0"
    assert headers["dg-source-offset"] == b"1"
    assert h.runtime.counters.dead_letters == 4


def test_dead_letters_never_carry_prompt_text() -> None:
    h = Harness()
    h.feed(orjson.dumps({**wire_event(), "ts": "not a time", "prompt": CANARY}))
    h.feed(b'{"prompt": "' + CANARY.encode() + b'", "truncated')
    for key, value, headers in h.dead.sent:
        blob = (key or b"") + value + b"".join(v for _, v in headers or [])
        assert b"CANARY" not in blob


def test_checkpoint_writes_each_changed_profile_once_then_nothing() -> None:
    h = Harness()
    for i in range(3):
        h.feed(orjson.dumps(wire_event(ts=f"2026-11-23T08:00:0{i}.000Z")))
    assert h.changelog == []  # nothing is written per event
    assert h.runtime.checkpoint() >= 1  # the profile, and the keys the links stage holds
    [(partition, key, blob)] = h.changelog
    assert (partition, key) == (0, b"acct-1")
    assert blob is not None and AccountProfile.from_bytes(blob).requests == 3
    assert h.state[b"acct-1"] == blob
    assert h.runtime.checkpoint() == 0  # unchanged since


def test_restart_resumes_from_checkpoint_without_double_counting() -> None:
    before = Harness()
    events = [orjson.dumps(wire_event(ts=f"2026-11-23T08:00:{i:02d}.000Z")) for i in range(10)]
    for e in events[:6]:
        before.feed(e)
    before.runtime.checkpoint()
    # A new worker restores the checkpoint, then Kafka replays from an older offset (3).
    after = Harness()
    after.state.update(before.state)
    after.offset = 3
    for e in events[3:]:
        after.feed(e)
    after.runtime.checkpoint()
    profile = AccountProfile.from_bytes(after.state[b"acct-1"])
    assert profile.requests == 10
    assert after.runtime.counters.duplicates == 3


def test_each_links_partitions_crowd_level_survives_a_restart() -> None:
    """The level lockstep crowds must reach is learnt per links partition: a restarted
    worker (or the one a partition moves to) must not start from the floor again."""
    before = Harness()
    for partition, size in ((0, 3), (1, 5)):
        crowd = before.runtime.link_stage_for(partition).crowd
        for _ in range(400):
            for n in range(1, size + 1):
                crowd.observe(n)
    before.runtime.checkpoint()
    assert partition_key("sync-crowd", 1) in before.states[LINK_KEYS]
    assert before.runtime.checkpoint() == 0  # unchanged since
    after = Harness()
    after.states[LINK_KEYS].update(before.states[LINK_KEYS])
    bars = [after.runtime.link_stage_for(p).crowd.bar() for p in (0, 1)]
    assert bars == [before.runtime.link_stage_for(p).crowd.bar() for p in (0, 1)] == [12, 20]


def test_an_unreadable_crowd_level_starts_over_instead_of_failing() -> None:
    h = Harness()
    h.states[LINK_KEYS][partition_key("sync-crowd", 0)] = b"[1, 2"
    assert h.runtime.link_stage_for(0).crowd.bar() == CrowdLevel().bar()


def test_harvester_alert_is_keyed_by_alert_id_and_matches_contract_shape() -> None:
    h = Harness()
    for i in range(30):
        h.feed(
            orjson.dumps(
                wire_event(
                    "h",
                    ts=f"2026-11-23T08:00:{i:02d}.000Z",
                    input_tokens=60,
                    output_tokens=2000,
                    max_tokens=2000,
                    temperature=0.2,
                    turn=1,
                    prompt=f"{harvest_prompt(i)} {CANARY}",  # varied, not one template
                )
            )
        )
    assert h.alerts.sent
    key, value, _ = h.alerts.sent[0]
    alert = orjson.loads(value)
    assert key == alert["alert_id"].encode()
    assert alert["account_ids"] == ["h"]
    assert alert["emitted_at"] == "2026-11-23T08:01:40.000Z"
    assert all(b"CANARY" not in v for _, v, _ in h.alerts.sent)


def test_partitions_keep_separate_detectors_and_revocation_drops_them() -> None:
    h = Harness()
    h.feed(orjson.dumps(wire_event("a")), partition=0)
    h.feed(orjson.dumps(wire_event("b")), partition=1)
    assert set(h.runtime.detectors) == {0, 1}
    h.runtime.drop_partitions({1})
    assert set(h.runtime.detectors) == {0}
    assert {(p, k) for p, k, _ in h.changelog} == {(0, b"a"), (1, b"b")}


def test_an_internal_error_becomes_a_dead_letter_without_the_data(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Regression guard: a bug in detection must neither stop the stream nor log data."""
    h = Harness()

    def explode(*_: object) -> list[object]:
        raise ValueError(CANARY)  # an exception whose message quotes the prompt

    monkeypatch.setattr("streams.core.detector.Detector.process", explode)
    h.feed(orjson.dumps(wire_event(prompt=CANARY)))
    [(_, _, headers)] = h.dead.sent
    assert dict(headers or [])["dg-reason"] == b"processing_error"
    assert b"CANARY" not in b"".join(v for _, v in headers or [])
    assert "must never leave" not in caplog.text  # the value (the stack shows only code)
    assert "ValueError" in caplog.text
    monkeypatch.undo()
    h.feed(orjson.dumps(wire_event(ts="2026-11-23T08:00:01.000Z")))  # and the stream goes on
    assert h.runtime.counters.events == 1


@pytest.mark.parametrize("value", [None, b"not json", b"[1, 2]"])
def test_unreadable_internal_records_are_dead_lettered_not_raised(value: bytes | None) -> None:
    h = Harness()
    h.runtime.handle_link(SourceRecord("distillguard-links", 0, 7, value))
    h.runtime.handle_evidence(SourceRecord("distillguard-evidence", 0, 8, value))
    assert len(h.dead.sent) == 2
    assert h.runtime.counters.dead_letter_reasons["bad_internal_record"] == 2
