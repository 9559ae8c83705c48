"""Properties of one small simulated run: the contract, the labels, the populations."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

from streams.core.timeutil import parse_rfc3339_ms
from streams.sim import simulate
from streams.sim.populations import ATTACKS, HARD_NEGATIVES, POPULATIONS
from streams.sim.world import HOUR_MS, MINUTE_MS, NEW_MODEL
from tests.sim.conftest import SimRun

FILES = ("events.jsonl.gz", "labels.csv", "campaigns.json")


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        simulate(tmp_path / name, seed=seed, scale=0.03, days=1)
    for file in FILES:
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    assert (tmp_path / "a" / FILES[0]).read_bytes() != (tmp_path / "c" / FILES[0]).read_bytes()
    assert (tmp_path / "a" / FILES[1]).read_bytes() != (tmp_path / "c" / FILES[1]).read_bytes()


def test_gzip_header_is_stable(sim: SimRun) -> None:
    head = sim.summary.events_path.read_bytes()[:10]
    assert head[:4] == b"\x1f\x8b\x08\x00"  # no FNAME flag
    assert head[4:8] == b"\x00\x00\x00\x00"  # mtime 0


def test_valid_lines_parse_and_malformed_fail_for_the_planned_reasons(sim: SimRun) -> None:
    s = sim.summary
    assert len(sim.events) == s.events
    assert len(sim.failures) == s.malformed == sum(s.malformed_by_reason.values())
    assert Counter(f.reason for f in sim.failures) == Counter(s.malformed_by_reason)
    assert 0.0005 < s.malformed / s.lines < 0.003
    assert {"not_json", "missing_field", "wrong_type", "bad_ts", "too_large"} <= set(
        s.malformed_by_reason
    )


def test_events_are_sorted_by_ts_and_ids_unique(sim: SimRun) -> None:
    times = [e.ts_ms for e in sim.events]
    assert times == sorted(times)
    assert len({e.event_id for e in sim.events}) == len(sim.events)
    period_start = parse_rfc3339_ms(sim.summary.start_ts)
    period_end = parse_rfc3339_ms(sim.summary.end_ts)
    assert period_start <= times[0] and times[-1] < period_end


def test_labels_cover_exactly_the_accounts_with_events(sim: SimRun) -> None:
    assert set(sim.labels) == {e.account_id for e in sim.events}
    assert len(sim.labels) == sim.summary.accounts
    for row in sim.labels.values():
        assert row["label"] in ("attack", "benign")
        assert (row["campaign_id"] != "") == (row["label"] == "attack")
    header = sim.summary.labels_path.read_text().splitlines()[0]
    assert header == "account_id,label,campaign_id,population"


def test_every_population_and_campaign_is_present(sim: SimRun) -> None:
    populations = Counter(row["population"] for row in sim.labels.values())
    assert set(populations) == {p.name for p in POPULATIONS}
    by_pop = {p.population: p for p in sim.summary.populations}
    for name in populations:
        assert by_pop[name].accounts == populations[name]
        assert by_pop[name].events == len(sim.of(name))
    campaign_ids = {row["campaign_id"] for row in sim.labels.values() if row["campaign_id"]}
    assert {c["campaign_id"] for c in sim.campaigns} == campaign_ids
    assert len(sim.campaigns) == len(ATTACKS)
    assert {c["population"] for c in sim.campaigns} == set(ATTACKS)
    for c in sim.campaigns:
        assert c["accounts"] > 0 and c["events"] > 0 and c["tactic"] and c["description"]
        assert c["start_ts"] < c["end_ts"]
    starts = [c["start_ts"] for c in sim.campaigns]
    assert len(set(starts)) == len(starts)


def test_table_lists_every_population(sim: SimRun) -> None:
    table = sim.summary.table()
    for p in POPULATIONS:
        assert p.name in table
    for c in sim.campaigns:
        assert c["campaign_id"] in table


def test_campus_class_shares_one_nat_ip_and_signed_up_within_an_hour(sim: SimRun) -> None:
    events = sim.of("campus_nat")
    assert {e.ip for e in events} == {events[0].ip}
    created = {e.account_created_ms for e in events if e.account_created_ms is not None}
    assert len(created) == len({e.account_id for e in events}) >= 3
    assert max(created) - min(created) <= HOUR_MS
    assert {e.signup_channel for e in events} == {"edu"}


def test_enterprise_shares_one_org_and_one_card(sim: SimRun) -> None:
    events = sim.of("enterprise")
    assert len({e.account_id for e in events}) >= 3
    assert len({e.payment_fingerprint for e in events}) == 1
    assert len({e.org_id for e in events}) == 1
    assert len({e.ip for e in events}) <= 5


def test_benchmark_customer_is_templated_deterministic_and_stable(sim: SimRun) -> None:
    events = sim.of("benchmark_customer")
    assert {e.temperature for e in events} == {0.0}
    assert {e.turn for e in events} == {None}
    per_account = defaultdict(set)
    for e in events:
        per_account[e.account_id].add(e.ip)
    assert all(len(ips) == 1 for ips in per_account.values())


def test_hydra_rotates_ips_per_request(sim: SimRun) -> None:
    ips = defaultdict(list)
    for e in sim.of("hydra_proxy"):
        ips[e.account_id].append(e.ip)
    ratios = [len(set(v)) / len(v) for v in ips.values() if len(v) >= 5]
    assert ratios and statistics.median(ratios) > 0.6
    assert len({e.asn for e in sim.of("hydra_proxy")}) >= 15


def test_fleet_blatant_shares_cards_and_one_hosting_asn(sim: SimRun) -> None:
    events = sim.of("fleet_blatant")
    accounts = {e.account_id for e in events}
    cards = {e.payment_fingerprint for e in events}
    assert len(cards) < len(accounts)
    assert len({e.asn for e in events}) == 1


def test_nobody_calls_the_new_model_before_release_and_the_fleet_pivots(sim: SimRun) -> None:
    release = parse_rfc3339_ms(sim.summary.release_ts)
    new = [e for e in sim.events if e.model == NEW_MODEL]
    assert new and min(e.ts_ms for e in new) >= release
    pivot = [e for e in sim.of("release_pivot") if e.model == NEW_MODEL]
    assert min(e.ts_ms for e in pivot) - release < HOUR_MS
    first_by_account: dict[str, int] = {}
    for e in pivot:
        first_by_account.setdefault(e.account_id, e.ts_ms)
    assert max(first_by_account.values()) - release < HOUR_MS + 30 * MINUTE_MS
    after = [e for e in sim.of("release_pivot") if e.ts_ms > release + HOUR_MS]
    assert sum(e.model == NEW_MODEL for e in after) / len(after) > 0.85
    # Benign users adopt gradually: some early, most not within the first hour.
    devs = sim.of("developer")
    early = {e.account_id for e in devs if e.model == NEW_MODEL and e.ts_ms < release + HOUR_MS}
    later = {e.account_id for e in devs if e.model == NEW_MODEL}
    assert len(early) < len(later)


def test_prompts_are_varied(sim: SimRun) -> None:
    floors = {"developer": 0.9, "saas_app": 0.7, "enterprise": 0.9, "hydra_proxy": 0.95}
    for population, floor in floors.items():
        # First turns: what a template grammar must make varied (follow-ups such as "ok",
        # "why?" legitimately repeat).
        first = [e.prompt for e in sim.of(population) if e.prompt and (e.turn or 1) == 1]
        assert len(set(first)) / len(first) > floor, population
        every = [e.prompt for e in sim.of(population) if e.prompt]
        assert len(set(every)) / len(every) > floor - 0.25, population
    assert len({e.prompt for e in sim.of("developer")}) > 2000


def test_reasoning_phrases_are_not_attack_only(sim: SimRun) -> None:
    needles = ("step by step", "show your work", "explain your reasoning")
    benign_hits: Counter[str] = Counter()
    for e in sim.events:
        if e.prompt and sim.labels[e.account_id]["label"] == "benign":
            text = e.prompt.lower()
            for needle in needles:
                if needle in text:
                    benign_hits[sim.labels[e.account_id]["population"]] += 1
    assert len(benign_hits) >= 3, benign_hits


def test_no_single_field_names_the_attack(sim: SimRun) -> None:
    attack = [e for e in sim.events if sim.labels[e.account_id]["label"] == "attack"]
    benign = [e for e in sim.events if sim.labels[e.account_id]["label"] == "benign"]
    assert {e.model for e in attack} <= {e.model for e in benign}
    assert {e.signup_channel for e in attack} <= {e.signup_channel for e in benign}
    assert {e.endpoint for e in attack} <= {e.endpoint for e in benign}
    families = {(e.user_agent or "").split("/")[0] for e in benign}
    assert {(e.user_agent or "").split("/")[0] for e in attack} <= families
    for e in attack:
        assert "attack" not in (e.user_agent or "").lower()


def test_server_side_fields_are_consistent(sim: SimRun) -> None:
    statuses = Counter(e.status for e in sim.events)
    assert statuses[200] / len(sim.events) > 0.95
    assert statuses[429] and statuses[400] and (statuses[500] or statuses[503])
    for e in sim.events:
        if e.status != 200:
            assert e.output_tokens == 0 and e.stop_reason is None
        elif e.max_tokens is not None and e.stop_reason is not None:
            assert (e.stop_reason == "max_tokens") == (e.output_tokens >= e.max_tokens)
        if e.stop_reason == "tool_use":
            assert (e.tool_calls or 0) > 0
    ok = [e for e in sim.events if e.status == 200 and e.latency_ms is not None]
    short = [e.latency_ms or 0 for e in ok if e.output_tokens < 200]
    long = [e.latency_ms or 0 for e in ok if e.output_tokens > 2000]
    assert statistics.median(long) > 3 * statistics.median(short)
    assert any(":" in (e.ip or "") for e in sim.events)  # some IPv6
    assert all(e.tls_fingerprint and e.tls_fingerprint.startswith("t13d") for e in sim.events)


def test_conversations_grow_their_input(sim: SimRun) -> None:
    turns: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for e in sim.of("developer"):
        if e.conversation_id and e.status == 200:
            turns[e.conversation_id].append((e.turn or 1, e.input_tokens))
    multi = [sorted(v) for v in turns.values() if len(v) >= 3]
    assert len(multi) > 10
    growing = sum(all(a[1] < b[1] for a, b in itertools.pairwise(v)) for v in multi)
    assert growing / len(multi) > 0.9
    assert any((e.tool_calls or 0) > 0 for e in sim.events)


def test_hard_negatives_and_attacks_are_registered() -> None:
    names = {p.name for p in POPULATIONS}
    assert set(HARD_NEGATIVES) <= names
    assert set(ATTACKS) == {
        "fleet_blatant",
        "hydra_proxy",
        "reseller_mixed",
        "low_and_slow",
        "release_pivot",
    }


def test_a_sample_of_events_validates_against_the_json_schema(sim: SimRun) -> None:
    schema = orjson.loads(
        (
            Path(__file__).resolve().parents[2] / "schemas" / "api-call-event.schema.json"
        ).read_bytes()
    )
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    step = max(1, len(sim.docs) // 400)
    for doc in sim.docs[::step]:
        validator.validate(doc)
