"""A campaign grows across alert versions on the real broker, through all three stages."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import orjson

from streams.config import Settings
from streams.core.timeutil import format_rfc3339_ms, parse_rfc3339_ms
from streams.kafka.broker import LocalBroker
from streams.worker.process import WorkerProcess
from tests.integration.pipeline import (
    keyed,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
)

T0 = 1_795_420_800_000  # 2026-11-23T08:00:00Z
QUESTIONS = (
    "prove that there are infinitely many primes",
    "write a function that parses ISO dates in Rust",
    "explain how a transformer's attention scales with context length",
    "derive the escape velocity of a planet",
    "summarise the causes of the 2008 financial crisis",
    "translate a paragraph on photosynthesis into Spanish",
    "diagnose why a Kubernetes pod is stuck in CrashLoopBackOff",
    "compare three sorting algorithms on nearly sorted input",
    "solve a system of three linear equations",
    "explain the legal doctrine of adverse possession",
    "design a schema for a library lending system",
    "analyse the themes of a Shakespeare sonnet",
)


def _harvest(account: str, ts_ms: int, n: int) -> dict[str, Any]:
    question = QUESTIONS[n % len(QUESTIONS)]
    return {
        "event_id": f"{account}-{n}",
        "ts": format_rfc3339_ms(ts_ms),
        "account_id": account,
        "model": "frontier-large",
        "input_tokens": 80,
        "output_tokens": 1500,
        "max_tokens": 1500,
        "stop_reason": "max_tokens",
        "temperature": 0.2,
        "turn": 1,
        "payment_fingerprint": "pf-shared-card",
        "tls_fingerprint": "t13d-fleet-harness",
        "ip": f"198.51.100.{10 + int(account[-2:])}",
        "prompt": f"Think step by step and show all of your reasoning, then {question}.",
    }


def _chat(account: str, ts_ms: int, n: int) -> dict[str, Any]:
    return {
        "event_id": f"{account}-{n}",
        "ts": format_rfc3339_ms(ts_ms),
        "account_id": account,
        "model": "frontier-large",
        "input_tokens": 900,
        "output_tokens": 300,
        "temperature": 0.7 if n % 2 else 1.0,
        "turn": 1 + n % 4,
        "conversation_id": f"{account}-c{n // 4}",
        "payment_fingerprint": f"pf-{account}",
        "tls_fingerprint": "t13d-common-sdk",
        "prompt": f"Can you help me tidy up this email to my team about item {n}?",
    }


def fleet_in_three_waves() -> list[dict[str, Any]]:
    """Six harvesters start each hour (all on one card and one client), next to light
    conversational users; every harvester sends twelve requests two minutes apart."""
    return [event for hour in fleet_by_hour() for event in hour]


def fleet_by_hour() -> list[list[dict[str, Any]]]:
    """The traffic of ``fleet_in_three_waves``, hour by hour of event time, as it reaches
    a live worker: a test that wants to see the campaign grow sends an hour, waits for the
    worker, then sends the next. Hours of traffic sent in one burst can cross the stages
    between two of their flushes, and the campaign is then raised once, already whole
    (a correct outcome, not the one such a test is about)."""
    events = []
    for wave in range(3):
        for k in range(6):
            account = f"fleet-{wave * 6 + k:02d}"
            start = T0 + wave * 3_600_000 + k * 7_000
            events += [_harvest(account, start + n * 120_000, n) for n in range(12)]
    for u in range(10):
        events += [_chat(f"user-{u:02d}", T0 + u * 60_000 + n * 600_000, n) for n in range(18)]
    hours: dict[int, list[dict[str, Any]]] = {}
    for event in sorted(events, key=lambda e: (e["ts"], e["event_id"])):
        hours.setdefault((parse_rfc3339_ms(event["ts"]) - T0) // 3_600_000, []).append(event)
    return [hours[h] for h in sorted(hours)]


def send_by_hour(settings: Settings, worker: WorkerProcess) -> None:
    """The fleet's traffic to a running worker an hour at a time, each hour processed
    before the next is sent."""
    for hour in fleet_by_hour():
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(hour))
        wait_caught_up(settings, worker)


def test_campaign_alert_grows_in_versions_as_members_join(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_broker.bootstrap, unique_name, tmp_path, partitions=2)
    with WorkerProcess(settings, tmp_path / "worker.log") as worker:
        send_by_hour(settings, worker)
    alerts = [
        orjson.loads(r.value) for r in read_all(settings.bootstrap_servers, settings.topic_alerts)
    ]
    campaigns = [a for a in alerts if a["kind"] == "campaign"]
    assert campaigns, f"no campaign alert among {len(alerts)} alerts"
    assert len({a["alert_id"] for a in campaigns}) == 1, "one fleet, one campaign"
    assert len({a["campaign_id"] for a in campaigns}) == 1
    versions = sorted(campaigns, key=lambda a: a["version"])
    assert [a["version"] for a in versions] == list(range(1, len(versions) + 1))
    assert len(versions) >= 2, "later waves must update the campaign, not open new ones"
    sizes = [len(a["account_ids"]) for a in versions]
    assert sizes == sorted(sizes) and sizes[-1] > sizes[0]
    for earlier, later in itertools.pairwise(versions):
        assert set(earlier["account_ids"]) <= set(later["account_ids"])
    flagged = {a for alert in alerts for a in alert["account_ids"]}
    assert {f"fleet-{i:02d}" for i in range(18)} <= flagged
    assert not any(a.startswith("user-") for a in flagged)
    last = versions[-1]
    assert {r["code"] for r in last["reasons"]} >= {"coordinated_harvesting", "shared_pay"}
    assert "Think step by step" not in orjson.dumps(alerts).decode()
