"""The demo's bundled sample: ordinary accounts, one distillation fleet, three bad lines.

The last tests run the real detection over it (``distillguard backtest``): the fleet, and
only the fleet, is caught as a campaign, early in its run.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from streams.cli import main
from streams.core.event import InvalidEvent, parse_event
from streams.core.text import prompt_features
from streams.core.timeutil import parse_rfc3339_ms
from streams.kafka.io import format_alert_line
from streams.sample import FLEET, bundled_sample_path, write_sample

SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "api-call-event.schema.json"


def _lines() -> list[bytes]:
    with gzip.open(bundled_sample_path()) as lines:
        return [line.rstrip(b"\n") for line in lines]


def _events() -> list[dict[str, Any]]:
    docs = []
    for line in _lines():
        try:
            parse_event(line)
        except InvalidEvent:
            continue
        docs.append(orjson.loads(line))
    return docs


def _by_account() -> dict[str, list[dict[str, Any]]]:
    accounts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in _events():
        accounts[doc["account_id"]].append(doc)
    return accounts


def test_bundled_sample_is_what_the_generator_writes(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl.gz"
    write_sample(out)
    assert out.read_bytes() == bundled_sample_path().read_bytes()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.gz", tmp_path / "b.gz", tmp_path / "c.gz"
    write_sample(a, seed=11)
    write_sample(b, seed=11)
    write_sample(c, seed=12)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_sample_has_a_fleet_many_normal_accounts_and_some_bad_lines() -> None:
    accounts = set()
    bad = 0
    for line in _lines():
        try:
            accounts.add(parse_event(line).account_id)
        except InvalidEvent:
            bad += 1
    assert set(FLEET) <= accounts
    assert 8 <= len(FLEET) <= 12
    assert len(accounts - set(FLEET)) > 100
    assert bad == 3


def test_every_wellformed_line_follows_the_wire_contract() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    events = _events()
    assert len(events) == len(_lines()) - 3
    for doc in events:
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, (doc["event_id"], errors)
    assert len({doc["event_id"] for doc in events}) == len(events)


def test_sample_is_in_event_time_order() -> None:
    times = [parse_rfc3339_ms(doc["ts"]) for doc in _events()]
    assert len(times) > 1000
    assert times == sorted(times)


def test_the_fleet_shares_identity_and_harvests() -> None:
    accounts = _by_account()
    fleet = [doc for account in FLEET for doc in accounts[account]]
    created = {parse_rfc3339_ms(doc["account_created_at"]) for doc in fleet}
    assert max(created) - min(created) < 3_600_000  # signed up within one hour
    assert len({doc["payment_fingerprint"] for doc in fleet}) <= 2
    assert len({doc["tls_fingerprint"] for doc in fleet}) == 1
    assert len({doc["user_agent"] for doc in fleet}) == 1
    assert {doc["turn"] for doc in fleet} == {1}
    assert len({doc["temperature"] for doc in fleet}) == 1
    hit = sum(doc["stop_reason"] == "max_tokens" for doc in fleet)
    assert hit > 0.15 * len(fleet)
    assert sum(doc["output_tokens"] for doc in fleet) > 15 * sum(
        doc["input_tokens"] for doc in fleet
    )
    features = [prompt_features(doc["prompt"]) for doc in fleet]
    assert all(max(f.cot, f.rubric) > 0.5 for f in features)
    assert len({f.topic for f in features}) >= 10  # a sweep of capability domains
    # Worded differently: an account hardly ever sends the same text twice.
    for account in FLEET:
        prompts = [doc["prompt"] for doc in accounts[account]]
        assert len(set(prompts)) >= 0.9 * len(prompts)
    # No single fleet account is busy enough to stand out on volume.
    assert max(len(accounts[a]) for a in FLEET) < 80


def test_normal_accounts_converse_and_never_ask_for_reasoning_or_grading() -> None:
    accounts = _by_account()
    normal = {a: docs for a, docs in accounts.items() if a not in FLEET}
    shared = {doc["tls_fingerprint"] for account in FLEET for doc in accounts[account]}
    follow_ups = 0
    total = 0
    for docs in normal.values():
        for doc in docs:
            total += 1
            follow_ups += doc["turn"] > 1
            features = prompt_features(doc["prompt"])
            assert features.cot == 0.0 and features.rubric == 0.0, doc["prompt"]
            assert doc["tls_fingerprint"] not in shared
        assert len({doc["payment_fingerprint"] for doc in docs}) == 1
    assert follow_ups > 0.4 * total
    cards = [docs[0]["payment_fingerprint"] for docs in normal.values()]
    assert len(set(cards)) == len(cards)


@pytest.fixture(scope="module")
def sample_alerts(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("backtest") / "alerts.jsonl"
    assert main(["backtest", str(bundled_sample_path()), "--alerts-out", str(out)]) == 0
    return [orjson.loads(line) for line in out.read_bytes().splitlines()]


def test_backtest_flags_the_whole_fleet_as_one_campaign_and_nobody_else(
    sample_alerts: list[dict[str, Any]],
) -> None:
    assert sample_alerts
    assert {a for alert in sample_alerts for a in alert["account_ids"]} == set(FLEET)
    assert {alert["kind"] for alert in sample_alerts} == {"campaign"}
    assert len({alert["campaign_id"] for alert in sample_alerts}) == 1
    assert set(sample_alerts[-1]["account_ids"]) == set(FLEET)
    versions = [alert["version"] for alert in sample_alerts]
    assert versions == list(range(1, len(versions) + 1))


def test_the_first_alert_comes_early_in_the_fleets_run(
    sample_alerts: list[dict[str, Any]],
) -> None:
    fleet_times = [parse_rfc3339_ms(doc["ts"]) for doc in _events() if doc["account_id"] in FLEET]
    first_alert = parse_rfc3339_ms(sample_alerts[0]["detected_at"])
    run = max(fleet_times) - min(fleet_times)
    assert first_alert - min(fleet_times) < 20 * 60_000
    assert first_alert - min(fleet_times) < run / 3
    assert len(sample_alerts[0]["account_ids"]) >= 3


def test_a_campaign_alert_prints_as_one_readable_line(
    sample_alerts: list[dict[str, Any]],
) -> None:
    alert = sample_alerts[0]
    line = format_alert_line(alert)
    assert "\n" not in line
    assert f"campaign {alert['campaign_id']} ({len(alert['account_ids'])} accounts)" in line
    assert alert["severity"].upper() in line
    assert f"score={alert['score']:.2f}" in line
    assert f"v{alert['version']}" in line
    assert "coordinated_harvesting, shared_" in line
    assert "acct-" not in line  # members are counted, not listed
    assert "tied" not in line  # the sample's fleet is all strong links


def test_a_campaign_line_counts_its_tied_members(sample_alerts: list[dict[str, Any]]) -> None:
    alert = {**sample_alerts[0], "evidence": {**sample_alerts[0]["evidence"], "tied_members": 2}}
    members = len(alert["account_ids"])
    assert f"({members} accounts, 2 tied)" in format_alert_line(alert)
