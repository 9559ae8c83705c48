"""Alert lifecycle and analysts' verdicts in the detection core.

An account alert is created, updated when its severity rises, and closed (same id, last
version) when its account goes quiet or an analyst calls it benign; a verdict holds for
its TTL; the look-alike model moves the scores of accounts that behave like the ones
analysts judged, and only those.
"""

from __future__ import annotations

import orjson

from streams.core.alerts import BENIGN, CLOSED, OPEN, QUIET, Alert
from streams.core.coordination.campaigns import CampaignParams, CampaignStage
from streams.core.detector import DAY_MS, Detector, DetectorParams
from streams.core.timeutil import format_rfc3339_ms
from streams.core.verdicts import Verdict, VerdictParams, parse_feedback
from tests.core.coordination.test_campaigns import card_fleet, feed
from tests.core.test_detector import LONE_THRESHOLD, MINUTE_MS, harvest_call, run
from tests.factories import T0
from tests.test_schemas import validator

HOUR_MS = 3_600_000


def detector(**overrides: object) -> Detector:
    settings: dict[str, object] = {"account_threshold": LONE_THRESHOLD, **overrides}
    return Detector(DetectorParams(**settings))  # type: ignore[arg-type]


def verdict(target: str, abuse: bool, ts_ms: int, campaign: bool = False) -> Verdict:
    doc = {
        "campaign_id" if campaign else "account_id": target,
        "verdict": "abuse" if abuse else "benign",
        "ts": format_rfc3339_ms(ts_ms),
    }
    return parse_feedback(orjson.dumps(doc))


def opened(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.status == OPEN]


def closed(alerts: list[Alert]) -> list[Alert]:
    return [a for a in alerts if a.status == CLOSED]


def other_traffic(d: Detector, start_ms: int, hours: int, position: int) -> list[Alert]:
    """An unrelated quiet account's requests, one an hour: they move the partition's
    event time (what closes quiet alerts) without touching the harvester."""
    events = [harvest_call("bystander", i % 3, ts_ms=start_ms + i * HOUR_MS) for i in range(hours)]
    return run(d, events, position)


# --- account alerts: create, update, close ---------------------------------------------------


def test_a_quiet_account_alert_closes_and_a_return_is_a_new_finding() -> None:
    d = detector()
    alerts = run(d, [harvest_call("h", i) for i in range(100)])
    first = opened(alerts)[0]
    assert not closed(alerts)
    last_ms = T0 + 99 * MINUTE_MS
    # Two days minus a minute later the alert is still open...
    later = other_traffic(d, last_ms + HOUR_MS, 46, 1000)
    assert not closed(later)
    # ...past two days without a request it closes: same id, next version, why.
    later = other_traffic(d, last_ms + 48 * HOUR_MS, 3, 2000)
    (close,) = closed(later)
    newest = max((a for a in alerts if a.alert_id == first.alert_id), key=lambda a: a.version)
    assert close.alert_id == first.alert_id and close.version == newest.version + 1
    assert close.resolution == QUIET and close.account_ids == ("h",)
    assert close.reasons[0].code == "closed_quiet"
    for alert in (first, close):
        validator("alert.schema.json").validate(alert.to_wire(T0))
    # Harvesting again later is a new finding under a new id.
    back_ms = last_ms + 3 * DAY_MS
    again = run(
        d, [harvest_call("h", 200 + i, ts_ms=back_ms + i * MINUTE_MS) for i in range(40)], 3000
    )
    assert opened(again) and opened(again)[0].alert_id != first.alert_id
    assert opened(again)[0].version == 1


def test_open_alerts_and_verdicts_survive_a_checkpoint_restore() -> None:
    d = detector()
    run(d, [harvest_call("h", i) for i in range(100)])
    d.apply_verdict(verdict("other", False, T0 + HOUR_MS))
    restored = detector()
    restored.restore_open_alerts(d.open_alerts_state())
    restored.verdicts = type(d.verdicts).from_bytes(d.verdicts.to_bytes())
    assert restored.open_alerts == d.open_alerts and "h" in restored.open_alerts
    assert restored.verdicts.status("other", T0 + 2 * HOUR_MS) is False


# --- verdicts on accounts -------------------------------------------------------------------


def test_a_benign_verdict_closes_the_alert_and_keeps_the_account_quiet_for_its_ttl() -> None:
    ttl = 5 * DAY_MS
    d = detector(verdicts=VerdictParams(ttl_ms=ttl))
    first = opened(run(d, [harvest_call("h", i) for i in range(100)]))[0]
    at = T0 + 100 * MINUTE_MS
    (close,) = d.apply_verdict(verdict("h", False, at))
    assert (close.alert_id, close.status, close.resolution) == (first.alert_id, CLOSED, BENIGN)
    (example,) = d.take_examples()  # the account's behaviour, for every look-alike model
    assert example[0] == "h" and example[2] is False and example[3] == at + ttl
    # Still harvesting, but benign per the analyst: no alert, and no suspect for links.
    more = run(d, [harvest_call("h", 100 + i) for i in range(200)], 100)
    assert not more
    profile = d.store.get("h")
    assert profile is not None and profile.raw_score == 0.0
    # After the TTL the verdict lapses and the detector speaks again (a new finding).
    after = at + ttl + HOUR_MS
    back = run(d, [harvest_call("h", 400 + i, ts_ms=after + i * MINUTE_MS) for i in range(20)], 400)
    assert opened(back) and opened(back)[0].alert_id != first.alert_id


def test_an_abuse_verdict_alerts_an_account_the_detector_had_not_flagged() -> None:
    d = detector()
    assert not run(d, [harvest_call("h", i) for i in range(5)])  # too few requests alone
    (alert,) = d.apply_verdict(verdict("h", True, T0 + HOUR_MS))
    assert alert.severity == "critical" and alert.score == 1.0
    assert alert.reasons[0].code == "analyst_confirmed"
    profile = d.store.get("h")
    assert profile is not None and profile.raw_score == 1.0  # its links now weigh fully
    # Read twice (a replay after a restart), nothing new is emitted.
    assert d.apply_verdict(verdict("h", True, T0 + HOUR_MS)) == []


def test_a_verdict_on_an_unknown_account_is_held_for_when_it_appears() -> None:
    d = detector()
    assert d.apply_verdict(verdict("later", False, T0)) == []
    assert d.take_examples() == []
    assert not run(d, [harvest_call("later", i) for i in range(100)])


def test_a_benign_verdict_lowers_look_alikes_only() -> None:
    """Two accounts harvesting the same way and a third harvesting differently; the
    analyst calls the first benign. The second (a look-alike) is no longer alerted, the
    third still is (the bar is lowered so that the third, milder one clears it)."""
    d = detector(account_threshold=0.5)
    assert opened(run(d, [harvest_call("judged", i) for i in range(100)]))  # as the twin would be
    d.apply_verdict(verdict("judged", False, T0 + 100 * MINUTE_MS))
    assert [e[0] for e in d.take_examples()] == ["judged"]  # learned here, sent to all
    twin = run(
        d, [harvest_call("twin", i, ts_ms=T0 + DAY_MS + i * MINUTE_MS) for i in range(100)], 200
    )
    assert not twin
    twin_profile = d.store.get("twin")
    assert twin_profile is not None and twin_profile.confidence < 0.5
    different = run(
        d,
        [
            harvest_call(
                "different",
                i,
                ts_ms=T0 + DAY_MS + i * MINUTE_MS,
                stop_reason="end_turn",
                max_tokens=16_000,
                temperature=(0.1, 0.5, 0.9)[i % 3],
            )
            for i in range(100)
        ],
        400,
    )
    assert opened(different), "an account unlike every judged one keeps its own score"
    assert "analyst_lookalike" not in {r.code for r in opened(different)[0].reasons}


def test_an_abuse_verdict_raises_look_alikes_below_the_bar() -> None:
    params = {"account_threshold": 0.9}  # this harvester alone stays below it
    d = detector(**params)
    assert not run(d, [harvest_call("judged", i) for i in range(100)])
    d.apply_verdict(verdict("judged", True, T0 + 100 * MINUTE_MS))
    assert [e[0] for e in d.take_examples()] == ["judged"]
    twin = run(
        d, [harvest_call("twin", i, ts_ms=T0 + DAY_MS + i * MINUTE_MS) for i in range(100)], 200
    )
    (alert,) = opened(twin)
    assert "analyst_lookalike" in {r.code for r in alert.reasons}
    assert alert.evidence["verdict_lookalike"]["towards"] == 1.0


# --- verdicts on campaigns ------------------------------------------------------------------


def test_a_benign_campaign_verdict_closes_it_and_keeps_its_members_quiet() -> None:
    stage = CampaignStage(CampaignParams())
    (alert,) = feed(stage, card_fleet(["a1", "a2", "a3"]))
    assert alert.campaign_id is not None
    (close,), members = stage.apply_verdict(
        verdict(alert.campaign_id, False, T0 + HOUR_MS, campaign=True)
    )
    assert (close.alert_id, close.version, close.resolution) == (alert.alert_id, 2, BENIGN)
    assert close.campaign_id == alert.campaign_id
    assert close.score == alert.score  # rounded as every other version (was not)
    assert members == ["a1", "a2", "a3"]  # each gets its share of the verdict
    # The same accounts keep sharing the card: no campaign alert while the verdict holds.
    assert opened(feed(stage, card_fleet(["a1", "a2", "a3"], T0 + 2 * HOUR_MS))) == []
    # Nor new accounts on the card the benign campaign shared (the customer's next team).
    assert opened(feed(stage, card_fleet(["n1", "n2", "n3"], T0 + 3 * HOUR_MS))) == []
    # Other accounts on their own card are still caught.
    assert opened(feed(stage, card_fleet(["b1", "b2", "b3"], T0 + 4 * HOUR_MS, key="pay:b")))


def test_an_abuse_campaign_verdict_confirms_it_and_counts_its_members_fully() -> None:
    stage = CampaignStage(CampaignParams())
    (alert,) = feed(stage, card_fleet(["a1", "a2", "a3"]))
    assert alert.campaign_id is not None
    (confirmed,), members = stage.apply_verdict(
        verdict(alert.campaign_id, True, T0 + HOUR_MS, campaign=True)
    )
    assert members == []
    assert (confirmed.alert_id, confirmed.version) == (alert.alert_id, 2)
    assert confirmed.severity == "critical" and confirmed.score == 1.0
    assert confirmed.reasons[0].code == "analyst_confirmed"
    again = stage.apply_verdict(verdict(alert.campaign_id, True, T0 + HOUR_MS, campaign=True))
    assert again == ([], [])
    # A borderline group linked to a confirmed account scores as if it were harvesting.
    assert stage.score(frozenset({"a1"}))[1] == 1.0


def test_a_confirmed_account_lifts_a_borderline_group_over_the_bar() -> None:
    weak = CampaignStage(CampaignParams())
    assert opened(feed(weak, card_fleet(["w1", "w2", "w3"], raw=0.5))) == []
    helped = CampaignStage(CampaignParams())
    helped.apply_verdict(verdict("w1", True, T0 - HOUR_MS))
    assert opened(feed(helped, card_fleet(["w1", "w2", "w3"], raw=0.5)))


def test_a_benign_member_verdict_reissues_the_campaign_without_it() -> None:
    stage = CampaignStage(CampaignParams())
    (alert,) = feed(stage, card_fleet(["a1", "a2", "a3", "a4"]))
    alerts, members = stage.apply_verdict(verdict("a4", False, T0 + HOUR_MS))
    (update,) = alerts
    assert members == []
    assert (update.alert_id, update.version) == (alert.alert_id, alert.version + 1)
    assert update.account_ids == ("a1", "a2", "a3") and update.status == OPEN
    assert update.reasons[0].code == "analyst_cleared"


def test_look_alikes_must_be_the_same_kind_of_account() -> None:
    """A benign verdict on an old enterprise account does not lower a fresh self-serve
    account harvesting the same way."""
    d = detector(account_threshold=0.5)
    old = format_rfc3339_ms(T0 - 400 * DAY_MS)
    judged = [
        harvest_call("partner", i, signup_channel="enterprise", account_created_at=old)
        for i in range(100)
    ]
    run(d, judged)
    d.apply_verdict(verdict("partner", False, T0 + 100 * MINUTE_MS))
    (example,) = d.take_examples()
    assert example[1]["channel=enterprise"] == 1.0
    fresh = [
        harvest_call(
            "fresh",
            i,
            ts_ms=T0 + DAY_MS + i * MINUTE_MS,
            signup_channel="self_serve",
            account_created_at=format_rfc3339_ms(T0 + DAY_MS - HOUR_MS),
        )
        for i in range(100)
    ]
    alerts = opened(run(d, fresh, 200))
    assert alerts and "analyst_lookalike" not in {r.code for r in alerts[0].reasons}
    colleague = [
        harvest_call(
            "colleague",
            i,
            ts_ms=T0 + DAY_MS + i * MINUTE_MS,
            signup_channel="enterprise",
            account_created_at=old,
        )
        for i in range(100)
    ]
    assert opened(run(d, colleague, 400)) == []


def test_campaign_verdicts_and_lifecycle_survive_a_restart() -> None:
    """State taken after verdicts restores to a stage that closes and suppresses the
    same way, under the same ids and versions."""
    whole = CampaignStage(CampaignParams())
    (a,) = feed(whole, card_fleet(["a1", "a2", "a3"]))
    (b,) = feed(whole, card_fleet(["b1", "b2", "b3"], T0 + HOUR_MS, key="pay:b"))
    assert a.campaign_id is not None
    whole.apply_verdict(verdict(a.campaign_id, False, T0 + 2 * HOUR_MS, campaign=True))
    whole.apply_verdict(verdict("b3", True, T0 + 2 * HOUR_MS))
    blob = whole.to_bytes()
    restarted = CampaignStage.from_bytes(CampaignParams(), blob)
    assert restarted.to_bytes() == blob
    later = card_fleet(["a1", "a2", "a3", "c1"], T0 + 3 * DAY_MS)
    later += card_fleet(["z1", "z2", "z3"], T0 + 3 * DAY_MS, key="pay:z")
    emitted = feed(restarted, later)
    assert emitted == feed(whole, later)
    # b went quiet and closes; the benign campaign's card links nobody; z is new.
    assert [(x.alert_id, x.resolution) for x in closed(emitted)] == [(b.alert_id, QUIET)]
    assert [set(x.account_ids) for x in opened(emitted)] == [{"z1", "z2", "z3"}]
