"""The links stage: per key, which harvest-like accounts hold it, and their pair evidence."""

from __future__ import annotations

import dataclasses
import itertools
import random
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from streams.core.alerts import Alert
from streams.core.coordination.campaigns import CampaignParams, CampaignStage
from streams.core.coordination.crowd import FLOOR
from streams.core.coordination.links import (
    CROWD_KINDS,
    KIND_WEIGHTS,
    RELINK_GROWTH,
    KeyState,
    LinkParams,
    LinkStage,
    LinkStrength,
    support,
)
from streams.core.detector import Detector, DetectorParams
from streams.core.event import ApiCall
from streams.core.linking import KINDS, LinkUpdate, PairEvidence
from tests.core.test_detector import developer_call, harvest_call, harvest_prompt
from tests.factories import T0

MINUTE = 60_000
HOUR = 3_600_000
DAY = 86_400_000
SUSPECT = 0.8
NORMAL = 0.1


def upd(key: str, account: str, ts: int = T0, raw: float = SUSPECT, events: int = 50) -> LinkUpdate:
    return LinkUpdate(key, account, ts, raw, events)


def feed(stage: LinkStage, updates: list[LinkUpdate]) -> list[PairEvidence]:
    found: list[PairEvidence] = []
    for update in updates:
        found += stage.process(update)
    return found


def test_two_suspects_on_a_key_held_only_by_suspects_give_pair_evidence() -> None:
    stage = LinkStage(LinkParams())
    assert stage.process(upd("pay:card", "a", T0, 0.8, 40)) == []  # alone: nothing yet
    evidence = stage.process(upd("pay:card", "b", T0 + MINUTE, 0.7, 12))
    assert evidence == [
        PairEvidence(
            a="b", b="a", weight=round(KIND_WEIGHTS["pay"] * 1.0 * support(2), 4),
            key="pay:card", ts_ms=T0 + MINUTE, raw_a=0.7, raw_b=0.8, events_a=12, events_b=40,
        )
    ]  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KIND_WEIGHTS))
def test_every_kind_weighs_by_its_specificity(kind: str) -> None:
    stage = LinkStage(LinkParams())
    needed = FLOOR if kind in CROWD_KINDS else 2
    accounts = [f"a{n}" for n in range(needed)]
    assert feed(stage, [upd(f"{kind}:x", a, T0 + n) for n, a in enumerate(accounts[:-1])]) == []
    evidence = feed(stage, [upd(f"{kind}:x", accounts[-1], T0 + needed)])
    assert evidence and {e.weight for e in evidence} == {
        round(KIND_WEIGHTS[kind] * support(needed), 4)
    }
    assert kind in KINDS  # every weighted kind is one the accounts stage announces


def test_a_lockstep_key_links_only_a_crowd() -> None:
    """Two or three busy suspects share two consecutive wake-up windows by chance; a
    scheduler wakes a fleet by the dozen."""
    stage = LinkStage(LinkParams())
    few = [upd("sync:1-20", f"a{n}", T0 + n) for n in range(FLOOR - 1)]
    assert feed(stage, few) == []
    assert feed(stage, [upd("sync:1-20", "last", T0 + MINUTE)])


def _lockstep_keys(stage: LinkStage, keys: int, size: int, ts: int) -> None:
    """``keys`` lockstep keys of ``size`` suspects each: chance on a busy platform."""
    for k in range(keys):
        feed(stage, [upd(f"sync:{k}-{k + 30}", f"busy-{k}-{n}", ts + n) for n in range(size)])


def test_on_a_busy_platform_a_lockstep_crowd_must_be_bigger() -> None:
    """Where chance gives the typical lockstep key 3 suspects, 10 are no crowd; where it
    gives one or two, they are."""
    fleet = [upd("sync:900-930", f"fleet-{n}", T0 + HOUR + n) for n in range(10)]
    quiet, busy = LinkStage(LinkParams()), LinkStage(LinkParams())
    _lockstep_keys(quiet, 200, 1, T0)
    _lockstep_keys(quiet, 100, 2, T0)
    _lockstep_keys(busy, 300, 3, T0)
    assert (quiet.crowd.bar(), busy.crowd.bar()) == (FLOOR, 12)
    assert feed(quiet, fleet)
    assert feed(busy, fleet) == []
    bigger = [upd("sync:900-930", f"fleet-{n}", T0 + HOUR + n) for n in range(10, 14)]
    assert feed(busy, bigger)


def test_fleets_hardly_move_the_crowd_level() -> None:
    """It counts keys, not announcements: a fleet filling a few keys by the dozen, most of
    the lockstep announcements here, leaves the bar where chance set it."""
    stage = LinkStage(LinkParams())
    _lockstep_keys(stage, 100, 1, T0)
    for k in range(5):
        feed(stage, [upd(f"sync:fleet{k}", f"f-{k}-{n}", T0 + HOUR + n) for n in range(60)])
    assert stage.crowd.bar() == FLOOR


def test_identity_outweighs_coincidence() -> None:
    assert KIND_WEIGHTS["pay"] > KIND_WEIGHTS["tls"] > KIND_WEIGHTS["tpl"] > KIND_WEIGHTS["wake"]
    assert KIND_WEIGHTS["sys"] > KIND_WEIGHTS["ua"] and KIND_WEIGHTS["org"] > KIND_WEIGHTS["asn"]


def test_a_key_shared_with_many_ordinary_accounts_gives_much_weaker_evidence() -> None:
    clean = LinkStage(LinkParams())
    (strong,) = feed(clean, [upd("tls:sdk", "a"), upd("tls:sdk", "b")])

    popular = LinkStage(LinkParams())
    ordinary = [upd("tls:sdk", f"dev-{i}", T0 + i, NORMAL) for i in range(40)]
    assert feed(popular, ordinary) == []  # non-suspects never produce evidence
    (weak,) = feed(popular, [upd("tls:sdk", "a", T0 + MINUTE), upd("tls:sdk", "b", T0 + MINUTE)])
    assert weak.weight < strong.weight / 10
    assert weak.weight == round(KIND_WEIGHTS["tls"] * (2 / 42) * support(2), 4)
    assert popular.keys["tls:sdk"].concentration() == pytest.approx(2 / 42)


def test_concentration_counts_each_account_once() -> None:
    stage = LinkStage(LinkParams())
    feed(stage, [upd("net:10.0.0", "dev", T0 + i, NORMAL) for i in range(30)])  # one account
    (evidence,) = feed(stage, [upd("net:10.0.0", "a"), upd("net:10.0.0", "b")])
    assert evidence.weight == round(KIND_WEIGHTS["net"] * (2 / 3) * support(2), 4)


def test_non_suspects_never_produce_evidence() -> None:
    stage = LinkStage(LinkParams(suspect_raw=0.45))
    feed(stage, [upd("pay:card", "a"), upd("pay:card", "b")])
    for i in range(20):  # neither alone nor next to suspects
        assert stage.process(upd("pay:card", f"n{i}", T0 + i, 0.4499)) == []
    assert set(stage.keys["pay:card"].suspects) == {"a", "b"}


def test_a_member_whose_score_falls_is_dropped() -> None:
    stage = LinkStage(LinkParams())
    feed(stage, [upd("pay:card", "a"), upd("pay:card", "b")])
    assert stage.process(upd("pay:card", "a", T0 + MINUTE, raw=0.2)) == []  # re-announced low
    assert set(stage.keys["pay:card"].suspects) == {"b"}
    evidence = stage.process(upd("pay:card", "c", T0 + 2 * MINUTE))
    assert [(e.a, e.b) for e in evidence] == [("c", "b")]
    # Back above the line, it is a suspect again.
    evidence = stage.process(upd("pay:card", "a", T0 + 3 * MINUTE))
    assert sorted(e.b for e in evidence) == ["b", "c"]


def test_support_grows_with_suspects_and_is_capped() -> None:
    assert support(0) == support(1) == 1.0
    values = [support(n) for n in range(1, 10_000)]
    assert values == sorted(values)
    assert support(1) < support(2) < support(4)
    cap = support(10**9)
    assert support(10**4) == cap <= 2.0  # capped: a crowd on one key is not proof by itself

    stage = LinkStage(LinkParams(partners=1))
    weights = [max((e.weight for e in stage.process(upd("org:o", f"s{i}"))), default=0.0)
               for i in range(40)]  # fmt: skip
    assert weights[0] == 0.0
    assert weights[1] < weights[2] < weights[3]
    assert weights == [0.0, *sorted(weights[1:])]
    assert weights[-1] == pytest.approx(KIND_WEIGHTS["org"] * support(40), abs=1e-4)
    assert max(weights) <= KIND_WEIGHTS["org"] * cap + 1e-4


def test_a_new_suspect_is_linked_to_the_most_recent_partners_only() -> None:
    stage = LinkStage(LinkParams(partners=4))
    feed(stage, [upd("sys:h", f"s{i}", T0 + i) for i in range(10)])
    evidence = stage.process(upd("sys:h", "new", T0 + 100))
    assert [e.b for e in evidence] == ["s9", "s8", "s7", "s6"]
    assert all(e.a == "new" for e in evidence)
    # A re-announcing suspect is never paired with itself.
    evidence = stage.process(upd("sys:h", "s7", T0 + 101))
    assert [e.b for e in evidence] == ["new", "s9", "s8", "s6"]


def test_a_key_links_its_first_suspects_again_once_it_grew_stronger() -> None:
    """A fleet's first accounts on its fingerprint were paired while the key held two
    suspects among ordinary members: weak evidence. As the fleet arrives, the key's
    evidence grows, and those first pairs are linked again at its present strength."""
    stage = LinkStage(LinkParams())
    feed(stage, [upd("tls:t", f"dev-{i}", T0 + i, NORMAL) for i in range(6)])
    first = feed(stage, [upd("tls:t", f"bot-{i}", T0 + MINUTE + i) for i in range(2)])
    assert len(first) == 1
    later = feed(stage, [upd("tls:t", f"bot-{i}", T0 + 2 * MINUTE + i) for i in range(2, 12)])
    again = [e for e in later if {e.a, e.b} == {"bot-0", "bot-1"}]
    assert again and again[-1].weight >= RELINK_GROWTH * first[0].weight
    # At the strength the key gave its newest suspect then, dated and scored as the pair
    # was first: the key's weight is new, not the accounts' evidence.
    newest = {e.weight for e in later if e.ts_ms > T0 + 2 * MINUTE}
    assert again[-1].weight in newest
    assert (again[-1].ts_ms, again[-1].raw_a, again[-1].events_a) == (first[0].ts_ms, SUSPECT, 50)


def test_a_fleets_first_accounts_on_its_own_fingerprint_join_its_campaign() -> None:
    """On a fingerprint only a fleet uses, its first two accounts were paired while two
    or three suspects gave weak support (below ``edge_min``): without a relink they
    never joined the campaign their fingerprint names, and it alerted one account later."""
    links, campaigns = LinkStage(LinkParams()), CampaignStage(CampaignParams())
    alerts: list[Alert] = []
    for i in range(12):
        update = upd("tls:stack", f"bot-{i:02}", T0 + (i + 1) * MINUTE, SUSPECT, 6)
        for evidence in links.process(update):
            alerts += campaigns.process(evidence)
    alerts += campaigns.flush()
    assert len(alerts[0].account_ids) == 5  # from the fifth account on
    assert alerts[-1].account_ids == tuple(f"bot-{i:02}" for i in range(12))


def test_a_key_relinks_only_when_its_strength_grew_by_a_step() -> None:
    """Bounded: each relink pairs every held suspect with a few before it, and comes only
    once the key is ``RELINK_GROWTH`` times as strong as at the last one."""
    params = LinkParams()
    stage = LinkStage(params)
    feed(stage, [upd("tls:t", f"dev-{i}", T0 + i, NORMAL) for i in range(50)])
    relinks: list[float] = []
    for i in range(300):
        evidence = stage.process(upd("tls:t", f"bot-{i % 120}", T0 + MINUTE + i))
        assert len(evidence) <= params.partners * (params.max_suspects + 1)
        if len(evidence) > params.partners:
            relinks.append(evidence[-1].weight)
    assert len(relinks) >= 2
    assert all(b >= RELINK_GROWTH * a for a, b in itertools.pairwise(relinks))


def test_max_suspects_holds() -> None:
    stage = LinkStage(LinkParams(max_suspects=3, partners=10))
    feed(stage, [upd("pay:card", f"s{i}", T0 + i) for i in range(6)])
    assert list(stage.keys["pay:card"].suspects) == ["s3", "s4", "s5"]
    evidence = stage.process(upd("pay:card", "s6", T0 + 10))
    assert {e.b for e in evidence} == {"s4", "s5"}  # s3 made room for s6


def test_suspects_expire_after_member_ttl() -> None:
    stage = LinkStage(LinkParams(member_ttl_ms=DAY))
    stage.process(upd("pay:card", "old", T0))
    stage.process(upd("pay:card", "kept", T0 + DAY // 2))
    evidence = stage.process(upd("pay:card", "new", T0 + DAY + MINUTE))
    assert [e.b for e in evidence] == ["kept"]
    assert "old" not in stage.keys["pay:card"].suspects


def test_max_keys_holds_and_evicted_keys_are_reported() -> None:
    stage = LinkStage(LinkParams(max_keys=2))
    feed(stage, [upd("pay:1", "a"), upd("pay:2", "a"), upd("pay:1", "b", T0 + 1)])
    stage.drain_changes()
    stage.process(upd("pay:3", "a", T0 + 2))  # pay:2 is the least recently updated
    assert len(stage) == 2 and set(stage.keys) == {"pay:1", "pay:3"}
    changes = dict(stage.drain_changes())
    assert changes["pay:2"] is None and changes["pay:3"] is not None
    assert stage.drain_changes() == []
    # A forgotten key starts over: "a" is not remembered on it.
    assert stage.process(upd("pay:2", "c", T0 + 3)) == []


def test_max_keys_holds_under_any_stream() -> None:
    stage = LinkStage(LinkParams(max_keys=5, max_suspects=4))
    rnd = random.Random(7)
    for i in range(500):
        key = f"{rnd.choice(['pay', 'tls', 'ua'])}:{rnd.randrange(20)}"
        stage.process(upd(key, f"acct-{rnd.randrange(30)}", T0 + i, rnd.random()))
        assert len(stage) <= 5
        assert all(len(s.suspects) <= 4 for s in stage.keys.values())


@pytest.mark.parametrize("disabled", [frozenset({"pay"}), frozenset(KIND_WEIGHTS)])
def test_disabled_kinds_produce_nothing(disabled: frozenset[str]) -> None:
    stage = LinkStage(LinkParams(disabled=disabled))
    for kind in sorted(KIND_WEIGHTS):
        crowd = [upd(f"{kind}:x", f"a{n}", T0 + n) for n in range(FLOOR)]
        evidence = feed(stage, crowd)
        assert (evidence == []) == (kind in disabled), kind
    assert not any(key.startswith(tuple(f"{k}:" for k in disabled)) for key in stage.keys)


def test_unknown_kinds_produce_nothing() -> None:
    stage = LinkStage(LinkParams())
    assert feed(stage, [upd("nonsense:x", "a"), upd("nonsense:x", "b")]) == []
    assert len(stage) == 0


def test_key_state_round_trips() -> None:
    stage = LinkStage(LinkParams())
    feed(stage, [upd("tls:t", f"dev-{i}", T0 + i, NORMAL) for i in range(100)])
    feed(stage, [upd("tls:t", f"s{i}", T0 + 100 + i, 0.5 + i / 100, i) for i in range(5)])
    state = stage.keys["tls:t"]
    again = KeyState.from_bytes(state.to_bytes())
    assert again.to_bytes() == state.to_bytes()
    assert again.concentration() == state.concentration()
    assert list(again.suspects.items()) == list(state.suspects.items())
    assert again.relinked == state.relinked > 0


def _fleet_key(stage: LinkStage, key: str, ordinary: int, suspects: int, ts: int = T0) -> KeyState:
    """A key seen with ``ordinary`` non-suspects and then ``suspects`` suspects."""
    feed(stage, [upd(key, f"dev-{i}", ts + i, NORMAL) for i in range(ordinary)])
    feed(stage, [upd(key, f"bot-{i}", ts + MINUTE + i) for i in range(suspects)])
    return stage.keys[key]


@pytest.mark.parametrize("size", [100, 400, 1500])
def test_a_fleet_beyond_the_suspect_cap_still_reads_as_the_keys_whole_population(
    size: int,
) -> None:
    """Only 64 suspects are held per key; a fleet of hundreds on its own fingerprint must
    not read as a key where one account in six (or in twenty) looks harvest-like."""
    stage = LinkStage(LinkParams())
    state = _fleet_key(stage, "tls:harness", 0, size)
    assert len(state.suspects) == LinkParams().max_suspects
    assert state.concentration(LinkParams().max_suspects, T0) == 1.0
    evidence = stage.process(upd("tls:harness", "bot-0", T0 + 2 * MINUTE))
    assert evidence and all(
        e.weight == round(KIND_WEIGHTS["tls"] * support(64), 4) for e in evidence
    )


@pytest.mark.parametrize(
    ("ordinary", "suspects"), [(300, 100), (900, 300), (1000, 100), (300, 300)]
)
def test_beyond_the_cap_the_share_of_suspects_is_estimated_from_the_members_sample(
    ordinary: int, suspects: int
) -> None:
    stage = LinkStage(LinkParams())
    state = _fleet_key(stage, "tls:sdk", ordinary, suspects)
    truth = suspects / (ordinary + suspects)
    estimate = state.concentration(LinkParams().max_suspects, T0)
    assert estimate == pytest.approx(truth, abs=0.2)  # +-0.2: over 3 sigma for 64 samples
    assert estimate >= 64 / (ordinary + suspects) * 0.8  # never far below the held share


def test_a_popular_sdk_stays_weak_evidence_when_a_fleet_of_hundreds_uses_it() -> None:
    stage = LinkStage(LinkParams())
    popular = _fleet_key(stage, "tls:sdk", 4000, 120).concentration(64, T0)
    exclusive = _fleet_key(stage, "tls:harness", 0, 120).concentration(64, T0)
    assert popular < 0.15 < 0.9 < exclusive


def test_suspects_that_went_quiet_or_turned_ordinary_are_not_counted_beyond_the_cap() -> None:
    params = LinkParams()
    stage = LinkStage(params)
    state = _fleet_key(stage, "net:198.51.100", 0, 300)
    # Half of them announce ordinary scores: those are no longer suspects.
    feed(stage, [upd("net:198.51.100", f"bot-{i}", T0 + HOUR + i, NORMAL) for i in range(150)])
    later = T0 + HOUR + MINUTE
    feed(stage, [upd("net:198.51.100", f"new-{i}", later + i) for i in range(64)])
    assert state.concentration(params.max_suspects, later - params.member_ttl_ms) == pytest.approx(
        (150 + 64) / 364, abs=0.2
    )
    # Days later, the old suspects are past their time-to-live; only fresh ones count.
    days = T0 + 3 * DAY
    feed(stage, [upd("net:198.51.100", f"late-{i}", days + i) for i in range(70)])
    share = state.concentration(params.max_suspects, days - params.member_ttl_ms)
    assert share == pytest.approx(70 / 434, abs=0.12)


def test_the_sample_marks_stay_bounded_by_the_sketch() -> None:
    stage = LinkStage(LinkParams())
    state = _fleet_key(stage, "tls:harness", 0, 5000)
    assert state._sampled is not None and len(state._sampled) <= state.members.k + 1


def test_key_state_round_trips_beyond_the_cap() -> None:
    stage = LinkStage(LinkParams())
    state = _fleet_key(stage, "tls:t", 200, 300)
    again = KeyState.from_bytes(state.to_bytes())
    assert again.to_bytes() == state.to_bytes()
    assert again.concentration(64, T0) == state.concentration(64, T0) > 64 / 500


def test_key_state_of_the_previous_release_still_reads() -> None:
    """A checkpoint written before the sample marks existed restores (without them)."""
    stage = LinkStage(LinkParams())
    state = _fleet_key(stage, "tls:t", 10, 5)
    members, suspects, *_ = orjson.loads(state.to_bytes())
    again = KeyState.from_bytes(orjson.dumps([members, suspects]))
    assert list(again.suspects.items()) == list(state.suspects.items())
    assert again.concentration() == state.concentration()


# --- undecided members: first impressions below the bar ------------------------------------

UNDECIDED = 0.49  # just under the suspect bar, as a harness's human-looking first prompt


def test_first_impressions_below_the_bar_count_as_half_a_member() -> None:
    """A fleet's exclusive fingerprint: half its accounts look harvest-like on their
    first request, the other half score just under the bar. Until those are judged
    (their fourth request) they count as half a member each, not as ordinary users."""
    params = LinkParams()
    stage = LinkStage(params)
    feed(stage, [upd("tls:harness", f"bot-{i}", T0 + i, events=1) for i in range(10)])
    feed(stage, [upd("tls:harness", f"new-{i}", T0 + 20 + i, UNDECIDED, 1) for i in range(10)])
    state = stage.keys["tls:harness"]
    horizon = T0 - params.member_ttl_ms
    assert state.concentration(0, horizon, params.undecided_weight) == pytest.approx(10 / 15)
    assert state.concentration(0, horizon) == pytest.approx(10 / 20)  # counted whole
    (first, *_) = stage.process(upd("tls:harness", "bot-0", T0 + MINUTE, events=2))
    assert first.weight == round(KIND_WEIGHTS["tls"] * (10 / 15) * support(10), 4)
    # Judged on their fourth request, still ordinary: full members from then on.
    later = T0 + 2 * MINUTE
    feed(stage, [upd("tls:harness", f"new-{i}", later + i, NORMAL, 4) for i in range(10)])
    assert state.concentration(0, horizon, params.undecided_weight) == pytest.approx(10 / 20)


def test_an_identity_keys_first_impressions_count_whole() -> None:
    """An enterprise's 200 keys on one card: each new key's first requests dilute the card
    in full (identity links on its own weight; nothing re-announces it on judgement)."""
    params = LinkParams()
    stage = LinkStage(params)
    feed(stage, [upd("pay:corp", f"bot-{i}", T0 + i, events=1) for i in range(5)])
    feed(stage, [upd("pay:corp", f"new-{i}", T0 + 10 + i, UNDECIDED, 1) for i in range(5)])
    state = stage.keys["pay:corp"]
    assert state.concentration(0, T0, params.undecided_weight) == pytest.approx(5 / 10)


def test_a_popular_sdks_judged_users_keep_diluting_it() -> None:
    """Developers who have shown what they do (four requests or more) are full members;
    so are accounts that arrived before the key's first suspect (nothing marks them)."""
    params = LinkParams()
    stage = LinkStage(params)
    feed(stage, [upd("tls:sdk", f"early-{i}", T0 + i, UNDECIDED, 1) for i in range(20)])
    feed(stage, [upd("tls:sdk", f"dev-{i}", T0 + 100 + i, NORMAL, 12) for i in range(40)])
    feed(stage, [upd("tls:sdk", f"bot-{i}", T0 + 200 + i) for i in range(3)])
    state = stage.keys["tls:sdk"]
    horizon = T0 - params.member_ttl_ms
    assert state.concentration(0, horizon, params.undecided_weight) == pytest.approx(3 / 63)


@pytest.mark.parametrize(("suspects", "undecided", "judged"), [(100, 100, 100), (60, 300, 600)])
def test_beyond_the_sketch_undecided_members_are_estimated_from_the_sample(
    suspects: int, undecided: int, judged: int
) -> None:
    params = LinkParams()
    stage = LinkStage(params)
    key = "tls:t"
    feed(stage, [upd(key, "bot-first", T0)])  # the key has a suspect from the start
    feed(stage, [upd(key, f"bot-{i}", T0 + 1 + i) for i in range(suspects - 1)])
    feed(stage, [upd(key, f"new-{i}", T0 + 1_000 + i, UNDECIDED, 2) for i in range(undecided)])
    feed(stage, [upd(key, f"dev-{i}", T0 + 5_000 + i, NORMAL, 9) for i in range(judged)])
    state = stage.keys[key]
    truth = suspects / (suspects + judged + params.undecided_weight * undecided)
    estimate = state.concentration(params.max_suspects, T0, params.undecided_weight)
    assert estimate == pytest.approx(truth, abs=0.2)
    assert state._undecided is not None and len(state._undecided) <= state.members.k + 1


def test_undecided_marks_round_trip_and_older_checkpoints_still_read() -> None:
    params = LinkParams()
    stage = LinkStage(params)
    feed(stage, [upd("tls:t", f"bot-{i}", T0 + i, events=1) for i in range(5)])
    feed(stage, [upd("tls:t", f"new-{i}", T0 + 10 + i, UNDECIDED, 1) for i in range(5)])
    state = stage.keys["tls:t"]
    again = KeyState.from_bytes(state.to_bytes())
    assert again.to_bytes() == state.to_bytes()
    weighted = state.concentration(0, T0, params.undecided_weight)
    assert again.concentration(0, T0, params.undecided_weight) == weighted == pytest.approx(5 / 7.5)
    members, suspects, sampled, *_ = orjson.loads(state.to_bytes())
    previous = KeyState.from_bytes(orjson.dumps([members, suspects, sampled]))
    assert previous.concentration(0, T0, params.undecided_weight) == pytest.approx(5 / 10)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 199), st.floats(0.0, 1.0), st.integers(1, 6)),
        min_size=1,
        max_size=400,
    )
)
def test_any_stream_keeps_the_marks_bounded_and_the_share_a_share(
    stream: list[tuple[int, float, int]],
) -> None:
    params = LinkParams()
    stage = LinkStage(params)
    for i, (account, raw, events) in enumerate(stream):
        stage.process(upd("tls:t", f"acct-{account}", T0 + i * MINUTE, raw, events))
    state = stage.keys["tls:t"]
    k = state.members.k
    assert len(state._sampled or {}) <= k + 1 and len(state._undecided or {}) <= k + 1
    horizon = T0 + len(stream) * MINUTE - params.member_ttl_ms
    for weight in (0.0, params.undecided_weight, 1.0):
        assert 0.0 <= state.concentration(params.max_suspects, horizon, weight) <= 1.0
    assert state.concentration(0, horizon, 0.5) >= state.concentration(0, horizon, 1.0)


def test_an_announcement_that_changes_nothing_rewrites_nothing() -> None:
    """An ordinary account judged on its fourth request re-announces its card: nothing
    on the key changes, so its checkpoint is not written again (at 100,000 light
    accounts rewriting every card key cost about 100 bytes of RSS each)."""
    stage = LinkStage(LinkParams())
    feed(stage, [upd("pay:card-1", "a", T0, NORMAL, 1)])
    assert [key for key, _ in stage.drain_changes()] == ["pay:card-1"]
    feed(stage, [upd("pay:card-1", "a", T0 + HOUR, NORMAL, 4)])
    assert stage.drain_changes() == []
    feed(stage, [upd("pay:card-1", "a", T0 + 2 * HOUR, SUSPECT, 5)])  # a suspect now
    assert [key for key, _ in stage.drain_changes()] == ["pay:card-1"]


def test_spilled_bytes_read_back_unchanged_are_still_checkpointed() -> None:
    small = LinkStage(LinkParams(hot_keys=1))
    big = LinkStage(LinkParams())
    updates = [
        upd("pay:1", "a", T0, NORMAL, 1),
        upd("pay:2", "b", T0 + 1, NORMAL, 1),  # "pay:1" spills, not yet checkpointed
        upd("pay:1", "a", T0 + 2, NORMAL, 4),  # read back, nothing changes
        upd("pay:2", "b", T0 + 3, NORMAL, 4),  # "pay:1" spills again
    ]
    feed(small, updates)
    feed(big, updates)
    assert dict(small.drain_changes()) == dict(big.drain_changes())


def _stream(seed: int, n: int) -> list[LinkUpdate]:
    rnd = random.Random(seed)
    keys = ["pay:c1", "pay:c2", "tls:t1", "net:10.0.0", "ua:x", "wake:1", "tpl:ab"]
    out = []
    for i in range(n):
        raw = rnd.choice([0.1, 0.3, 0.5, 0.7, 0.9])
        out.append(upd(rnd.choice(keys), f"acct-{rnd.randrange(12)}", T0 + i * MINUTE, raw, i))
    return out


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 199))
@example(seed=501, cut=2)  # a key that had lost its only suspect at the restart
def test_a_restarted_stage_gives_the_same_evidence(seed: int, cut: int) -> None:
    params = LinkParams(max_suspects=5, member_ttl_ms=60 * MINUTE)
    updates = _stream(seed, 200)
    whole = LinkStage(params)
    expected = feed(whole, updates)

    got, restarted = _restarted(params, updates[:cut])
    got += feed(restarted, updates[cut:])
    assert got == expected


def _restarted(
    params: LinkParams, before: list[LinkUpdate]
) -> tuple[list[PairEvidence], LinkStage]:
    """The evidence of a stage that processed ``before``, and a stage restored from its
    checkpoint."""
    first = LinkStage(params)
    found = feed(first, before)
    store: dict[str, bytes] = {}
    _apply(store, first.drain_changes())
    return found, LinkStage(params, loader=store.get)


def test_a_key_that_lost_its_suspect_restores_as_one_that_had_one() -> None:
    """Once a key has had a suspect it counts first impressions as undecided (half a
    member); that must survive a checkpoint taken while it holds no suspect."""
    params = LinkParams()
    before = [upd("tls:t", "bot", T0, SUSPECT, 50), upd("tls:t", "bot", T0 + 1, NORMAL, 50)]
    after = [upd("tls:t", f"new-{i}", T0 + 10 + i, UNDECIDED, 1) for i in range(4)]
    after += [upd("tls:t", f"bot-{i}", T0 + 20 + i, SUSPECT, 50) for i in range(2)]
    whole = LinkStage(params)
    feed(whole, before)
    expected = feed(whole, after)
    assert expected  # the two bots link
    assert feed(_restarted(params, before)[1], after) == expected


def _apply(store: dict[str, bytes], changes: list[tuple[str, bytes | None]]) -> None:
    for key, blob in changes:
        if blob is None:
            store.pop(key, None)
        else:
            store[key] = blob


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 10**6),
    st.integers(1, 4),
    st.integers(3, 8),
    st.lists(st.integers(1, 299), max_size=6),
)
def test_a_small_hot_set_gives_the_same_evidence_and_checkpoints(
    seed: int, hot: int, max_keys: int, checkpoints: list[int]
) -> None:
    """Spilling keys to bytes and reading them back changes nothing a user sees: the same
    pair evidence, the same keys held, the same checkpointed state."""
    rnd = random.Random(seed)
    updates = [
        upd(
            f"{rnd.choice(['pay', 'tls', 'net'])}:{rnd.randrange(10)}",
            f"acct-{rnd.randrange(12)}",
            T0 + i * MINUTE,
            rnd.choice([0.1, 0.5, 0.7, 0.9]),
            i,
        )
        for i in range(300)
    ]
    params = LinkParams(max_keys=max_keys, max_suspects=4, member_ttl_ms=90 * MINUTE)
    all_hot = LinkStage(params)
    stores: tuple[dict[str, bytes], dict[str, bytes]] = ({}, {})
    small = LinkStage(dataclasses.replace(params, hot_keys=hot), loader=stores[1].get)
    for i, update in enumerate(updates):
        assert small.process(update) == all_hot.process(update)
        assert len(small.keys) <= hot and len(small) == len(all_hot) <= max_keys
        if i in checkpoints:
            _apply(stores[0], all_hot.drain_changes())
            _apply(stores[1], small.drain_changes())
            assert stores[0] == stores[1]
    _apply(stores[0], all_hot.drain_changes())
    _apply(stores[1], small.drain_changes())
    assert stores[0] == stores[1]
    assert set(stores[1]) == set(all_hot.keys)


def test_a_key_dropped_after_spilling_is_not_read_back_from_its_stale_checkpoint() -> None:
    store: dict[str, bytes] = {}
    stage = LinkStage(LinkParams(max_keys=2, hot_keys=1), loader=store.get)
    feed(stage, [upd("pay:1", "a"), upd("pay:1", "b", T0 + 1), upd("pay:2", "a", T0 + 2)])
    _apply(store, stage.drain_changes())
    assert "pay:1" in store and list(stage.keys) == ["pay:2"]  # pay:1 spilled
    stage.process(upd("pay:3", "c", T0 + 3))  # over max_keys: pay:1 (oldest) dropped
    assert "pay:1" not in stage
    # Before the next checkpoint pay:1 comes back: it starts over, "a" and "b" forgotten.
    assert stage.process(upd("pay:1", "d", T0 + 4)) == []
    assert stage.keys["pay:1"].members.estimate() == 1


def test_ordinary_accounts_on_a_campus_nat_keep_it_weak_evidence() -> None:
    """End to end: 40 developers behind one NAT, each of whose *first* request happened to
    look harvest-like (a single-turn step-by-step question with a long answer), then
    conversational; two harvesters behind the same NAT must not be linked by it."""
    nat: dict[str, Any] = {"ip": "198.51.100.10", "asn": 64501}
    events: list[ApiCall] = []
    for d in range(40):
        for i in range(10):
            first: dict[str, Any] = {}
            if i == 0:
                first = {"prompt": harvest_prompt(5_000 + d), "input_tokens": 120,
                         "output_tokens": 1_000, "turn": 1}  # fmt: skip
            ts = T0 + d * MINUTE + i * 7 * MINUTE
            events.append(developer_call(f"dev-{d}", i, ts_ms=ts, **{**nat, **first}))
    events.sort(key=lambda e: e.ts_ms)
    for i in range(60):
        for account in ("h1", "h2"):
            events.append(harvest_call(account, i, ts_ms=T0 + 2 * HOUR + i * MINUTE, **nat))
    detector = Detector(DetectorParams())
    stage = LinkStage(LinkParams())
    found: list[PairEvidence] = []
    for position, event in enumerate(events):
        detector.process(event, position)
        for update in detector.take_links():
            found += stage.process(update)
    between = [e.weight for e in found if e.key.startswith("net:") and {e.a, e.b} == {"h1", "h2"}]
    assert between, "the two harvesters do share the NAT"
    assert max(between) < 0.2 * KIND_WEIGHTS["net"]


@given(
    st.dictionaries(st.sampled_from(sorted(KINDS)), st.floats(0.0, 3.0), max_size=6),
    st.floats(1e-6, 1.0),
)
def test_link_strength_decays_like_its_evidence(reasons: dict[str, float], scale: float) -> None:
    """Strength of decayed evidence == strength computed with the decay factor (the graph
    decays lazily), never negative, never above the plain sum of the evidence."""
    strength = LinkStrength()
    decayed = {kind: w * scale for kind, w in reasons.items()}
    assert strength(reasons, scale) == pytest.approx(strength(decayed), rel=1e-9, abs=1e-12)
    assert 0.0 <= strength(decayed) <= sum(decayed.values()) + 1e-12


def test_a_full_stage_drops_its_oldest_spilled_keys_a_batch_at_a_time() -> None:
    stage = LinkStage(LinkParams(max_keys=128, hot_keys=4))
    feed(stage, [upd(f"pay:{i:03d}", "a", T0 + i, NORMAL) for i in range(129)])
    assert len(stage) == 126 and len(stage.keys) == 4
    assert not any(f"pay:{i:03d}" in stage for i in range(3))
    assert all(f"pay:{i:03d}" in stage for i in range(3, 129))
    dropped = sorted(k for k, blob in stage.drain_changes() if blob is None)
    assert dropped == ["pay:000", "pay:001", "pay:002"]
