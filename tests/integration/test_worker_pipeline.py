"""The worker on the real broker: events in -> profile updated -> alert out."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from streams.kafka.broker import LocalBroker
from streams.worker.process import WorkerProcess
from tests.factories import wire_event
from tests.integration.pipeline import (
    keyed,
    latest_profiles,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
    wait_for,
)
from tests.integration.test_campaign_live import fleet_in_three_waves

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
CANARY = "CANARY-3f9b-do-not-leak"
FLEET = tuple(f"fleet-{k:02d}" for k in range(18))


def _ts(second: int) -> str:
    return f"2026-11-23T09:{second // 60:02d}:{second % 60:02d}.000Z"


def _traffic() -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for event in fleet_in_three_waves():  # harvesters on one card, next to light users
        event["prompt"] = f"{CANARY} {event['prompt']}"
        events.append(event)
    for a in range(5):  # light users
        for i in range(6):
            events.append(
                wire_event(
                    f"light-{a}",
                    _ts(i * 9 + a),
                    output_tokens=300,
                    prompt=CANARY,
                    event_id=f"l-{a}-{i}",
                    ip="203.0.113.9",
                )
            )
    return sorted(events, key=lambda e: (str(e["ts"]), str(e["event_id"])))


@pytest.fixture(scope="module")
def pipeline_run(kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One worker run over the traffic above; tests inspect what it left behind."""
    tmp = tmp_path_factory.mktemp("pipeline")
    settings = pipeline_settings(kafka_broker.bootstrap, "pipeline-e2e", tmp)
    events = _traffic()
    with WorkerProcess(settings, tmp / "worker.log") as worker:
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(events))
        wait_for(
            lambda: any(
                r.value for r in read_all(settings.bootstrap_servers, settings.topic_alerts)
            ),
            60,
            "an alert",
            worker,
        )
        wait_caught_up(settings, worker)
    return settings, events, worker


def test_campaign_alert_for_the_fleet_only_with_every_contract_field(pipeline_run) -> None:  # type: ignore[no-untyped-def]
    settings, _, _ = pipeline_run
    records = read_all(settings.bootstrap_servers, settings.topic_alerts)
    alerts = [orjson.loads(r.value) for r in records]
    flagged = {a for alert in alerts for a in alert["account_ids"]}
    assert flagged == set(FLEET)  # the fleet only: no light user, no conversational user
    assert {a["kind"] for a in alerts} == {"campaign"}
    validator = Draft202012Validator(json.loads((SCHEMAS / "alert.schema.json").read_text()))
    for record, alert in zip(records, alerts, strict=True):
        validator.validate(alert)
        assert record.key == alert["alert_id"].encode()
        for field in (
            "alert_id",
            "version",
            "kind",
            "account_ids",
            "detected_at",
            "emitted_at",
            "score",
            "severity",
            "reasons",
            "model_version",
        ):
            assert field in alert
    assert [a["version"] for a in alerts] == sorted(a["version"] for a in alerts)
    assert len({a["alert_id"] for a in alerts}) == 1


def test_profiles_reflect_every_event(pipeline_run) -> None:  # type: ignore[no-untyped-def]
    settings, events, _ = pipeline_run
    profiles = latest_profiles(settings)
    expected: dict[str, int] = {}
    for e in events:
        expected[str(e["account_id"])] = expected.get(str(e["account_id"]), 0) + 1
    assert {a: p.requests for a, p in profiles.items()} == expected
    harvester = profiles[FLEET[0]]
    assert harvester.output_tokens == 12 * 1500
    assert harvester.ips.estimate() == 1
    assert harvester.window_total(3600, "requests") == 12


def test_no_prompt_text_in_any_topic_or_log(pipeline_run, kafka_broker: LocalBroker) -> None:  # type: ignore[no-untyped-def]
    settings, _, worker = pipeline_run
    from streams.kafka.topics import describe_topics

    needle = b"CANARY-3f9b"
    topics = [t for t in describe_topics(kafka_broker.bootstrap) if t.startswith(settings.app_id)]
    assert settings.topic_alerts in topics and len(topics) >= 4
    for topic in topics:
        if topic == settings.topic_api_calls:
            continue  # the input itself, of course, has the prompts
        for record in read_all(settings.bootstrap_servers, topic):
            blob = (record.key or b"") + (record.value or b"")
            blob += b"".join(v for _, v in record.headers or [])
            assert needle not in blob, f"prompt text leaked into {topic}"
    assert needle.decode() not in worker.log_text()
