"""Verdicts and OCSF mirroring in the worker shell, without Kafka.

Live, a verdict goes from the public ``feedback`` topic to the partition that owns its
account (the input's key partitioner), which applies it and sends the example it yields
to every partition, and to the campaign stage behind the evidence already buffered.
Offline, the same steps run in process. Every alert leaves with CloudEvents headers and
its OCSF finding; bad verdicts are dead letters with a reason.
"""

from __future__ import annotations

import orjson

from streams.core.detector import DetectorParams
from streams.core.pipeline import PipelineParams
from streams.core.timeutil import format_rfc3339_ms
from streams.worker.runtime import (
    TABLES,
    SourceRecord,
    WorkerRuntime,
    key_partition,
    partition_key,
)
from tests.core.test_detector import MINUTE_MS, harvest_prompt
from tests.factories import T0, wire_event
from tests.worker.test_runtime import Recorder

PARTITIONS = 4
PARAMS = PipelineParams(detector=DetectorParams(account_threshold=0.5, account_min_requests=10))


def harvest(account: str, i: int) -> bytes:
    doc = wire_event(
        account,
        ts=format_rfc3339_ms(T0 + i * MINUTE_MS),
        prompt=harvest_prompt(i),
        input_tokens=60,
        output_tokens=2048,
        max_tokens=2048,
        stop_reason="max_tokens",
        temperature=0.0,
        turn=1,
    )
    doc["event_id"] = f"{account}-{i}"
    return orjson.dumps(doc)


def verdict(account: str, abuse: bool, ts_ms: int) -> bytes:
    return orjson.dumps(
        {
            "account_id": account,
            "verdict": "abuse" if abuse else "benign",
            "ts": format_rfc3339_ms(ts_ms),
        }
    )


class Shell:
    """A runtime with recording sinks; ``live`` adds the topics between stages."""

    def __init__(self, live: bool, states: dict[str, dict[bytes, bytes]] | None = None) -> None:
        self.alerts, self.ocsf, self.dead, self.evidence = (
            Recorder(),
            Recorder(),
            Recorder(),
            Recorder(),
        )
        self.verdicts: list[tuple[int, bytes]] = []
        self.links: list[tuple[int, bytes]] = []
        self.states = states if states is not None else {t: {} for t in TABLES}
        self.runtime = WorkerRuntime(
            PARAMS,
            max_record_bytes=1 << 20,
            send_alert=self.alerts,
            send_dead_letter=self.dead,
            send_changelog=lambda *_: None,
            states=self.states,
            send_ocsf=self.ocsf,
            link_partitions=PARTITIONS,
            send_link=(lambda p, v: self.links.append((p, v))) if live else None,
            send_evidence=self.evidence if live else None,
            send_verdict=(lambda p, v: self.verdicts.append((p, v))) if live else None,
            clock_ms=lambda: T0 + 999,
            source="dg-test",
        )
        self.offsets: dict[int, int] = {}

    def event(self, value: bytes, account: str) -> None:
        p = key_partition(account, PARTITIONS)
        offset = self.offsets.get(p, 0)
        self.offsets[p] = offset + 1
        self.runtime.handle(SourceRecord("api-calls", p, offset, value))

    def opened(self) -> list[dict[str, object]]:
        return [
            orjson.loads(v) for _, v, _ in self.alerts.sent if orjson.loads(v)["status"] == "open"
        ]


def test_offline_a_verdict_reaches_the_owning_partition_whatever_it_came_in_on() -> None:
    shell = Shell(live=False)
    for i in range(60):
        shell.event(harvest("h", i), "h")
    assert shell.opened(), "the harvester is alerted"
    owner = key_partition("h", PARTITIONS)
    wrong = (owner + 1) % PARTITIONS
    shell.runtime.handle_feedback(
        SourceRecord("feedback", wrong, 0, verdict("h", False, T0 + 2 * 3_600_000))
    )
    last = orjson.loads(shell.alerts.sent[-1][1])
    assert (last["status"], last["resolution"]) == ("closed", "benign")
    assert shell.runtime.detectors[owner].verdicts.status("h", T0 + 3 * 3_600_000) is False
    # The example reached every partition's look-alike model.
    assert all(len(d.verdicts.examples) == 1 for d in shell.runtime.detectors.values())


def test_live_a_verdict_is_routed_then_applied_then_its_example_broadcast() -> None:
    shell = Shell(live=True)
    for i in range(60):
        shell.event(harvest("h", i), "h")
    shell.runtime.handle_feedback(
        SourceRecord("feedback", 0, 0, verdict("h", True, T0 + 3_600_000))
    )
    owner = key_partition("h", PARTITIONS)
    [(partition, routed)] = shell.verdicts
    assert partition == owner and "verdict" in orjson.loads(routed)
    shell.verdicts.clear()
    shell.runtime.handle_verdict(SourceRecord("dg-verdicts", owner, 0, routed))
    # Applied where the account lives: confirmed, critical.
    last = orjson.loads(shell.alerts.sent[-1][1])
    assert last["severity"] == "critical" and last["reasons"][0]["code"] == "analyst_confirmed"
    # The example goes to every partition; the campaign stage gets the verdict in order.
    assert sorted(p for p, _ in shell.verdicts) == list(range(PARTITIONS))
    assert orjson.loads(shell.evidence.sent[-1][1]).keys() == {"verdict"}
    for p, example in shell.verdicts:
        shell.runtime.handle_verdict(SourceRecord("dg-verdicts", p, 1, example))
    assert all(len(shell.runtime.detector_for(p).verdicts.examples) == 1 for p in range(PARTITIONS))
    # The campaign stage's side, from its topic.
    shell.runtime.handle_evidence(SourceRecord("dg-evidence", 0, 0, shell.evidence.sent[-1][1]))
    assert "h" in shell.runtime.campaigns.confirmed


def test_verdicts_and_open_alerts_are_checkpointed_and_restored() -> None:
    shell = Shell(live=False)
    for i in range(60):
        shell.event(harvest("h", i), "h")
    shell.runtime.handle_feedback(SourceRecord("feedback", 0, 0, verdict("quiet-one", False, T0)))
    shell.runtime.checkpoint()
    owner = key_partition("h", PARTITIONS)
    assert partition_key("open-alerts", owner) in shell.states["profiles"]
    restarted = Shell(live=False, states=shell.states)
    detector = restarted.runtime.detector_for(key_partition("quiet-one", PARTITIONS))
    assert detector.verdicts.status("quiet-one", T0 + 1) is False
    assert "h" in restarted.runtime.detector_for(owner).open_alerts


def test_bad_verdicts_are_dead_letters_with_reasons_and_no_text() -> None:
    shell = Shell(live=True)
    bad = [
        b"not json",
        orjson.dumps({"verdict": "abuse", "ts": "2026-11-23T08:00:00Z"}),  # about nothing
        orjson.dumps({"account_id": "a", "verdict": "maybe", "ts": "2026-11-23T08:00:00Z"}),
        orjson.dumps({"account_id": "a", "verdict": "benign", "ts": "yesterday SECRET"}),
        None,
    ]
    for i, value in enumerate(bad):
        shell.runtime.handle_feedback(SourceRecord("feedback", 0, i, value))
    reasons = [dict(h or [])["dg-reason"] for _, _, h in shell.dead.sent]
    assert reasons == [b"not_json", b"missing_field", b"out_of_range", b"bad_ts", b"not_json"]
    assert all(b"SECRET" not in dict(h or [])["dg-error"] for _, _, h in shell.dead.sent)
    assert shell.verdicts == [] and shell.runtime.counters.verdicts == 0


def test_every_alert_leaves_with_cloudevents_headers_and_an_ocsf_finding() -> None:
    shell = Shell(live=False)
    for i in range(60):
        shell.event(harvest("h", i), "h")
    assert shell.alerts.sent and len(shell.ocsf.sent) == len(shell.alerts.sent)
    for (key, value, headers), (okey, ovalue, oheaders) in zip(
        shell.alerts.sent, shell.ocsf.sent, strict=True
    ):
        alert, finding = orjson.loads(value), orjson.loads(ovalue)
        assert key == okey == alert["alert_id"].encode()
        h, oh = dict(headers or []), dict(oheaders or [])
        assert (
            h["ce_specversion"] == b"1.0"
            and h["ce_id"] == f"{alert['alert_id']}.{alert['version']}".encode()
        )
        assert (
            h["ce_source"] == b"urn:distillguard:dg-test"
            and h["ce_time"] == alert["emitted_at"].encode()
        )
        assert oh["ce_id"] == h["ce_id"] + b".ocsf"
        assert finding["finding_info"]["uid"] == alert["alert_id"] and finding["class_uid"] == 2004


def test_a_benign_campaign_verdict_reaches_each_member_where_it_lives() -> None:
    """Live: the campaign stage turns a benign campaign verdict into one verdict per
    member, sent to the partition owning that member; applied there, the member is
    suppressed and its behaviour becomes a look-alike example."""
    shell = Shell(live=True)
    stage = shell.runtime.campaigns
    stage.ids.assign([frozenset({"m1", "m2", "m3"})], T0)
    (cid,) = stage.ids.current()
    doc = {"campaign_id": cid, "verdict": "benign", "ts": format_rfc3339_ms(T0 + 1)}
    shell.runtime.handle_feedback(SourceRecord("feedback", 0, 0, orjson.dumps(doc)))
    # No account named: straight to the campaign stage, behind the buffered evidence.
    [(_, to_stage, _)] = shell.evidence.sent
    shell.runtime.handle_evidence(SourceRecord("dg-evidence", 0, 0, to_stage))
    routed = {orjson.loads(v)["member"][1]: p for p, v in shell.verdicts}
    assert routed == {m: key_partition(m, PARTITIONS) for m in ("m1", "m2", "m3")}
    for p, value in list(shell.verdicts):
        shell.runtime.handle_verdict(SourceRecord("dg-verdicts", p, 0, value))
    for member, p in routed.items():
        assert shell.runtime.detector_for(p).verdicts.status(member, T0 + 2) is False
    # A member's share does not go back to the campaign stage (no loop).
    assert len(shell.evidence.sent) == 1
