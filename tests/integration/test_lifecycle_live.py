"""Alert lifecycle, analysts' verdicts and the OCSF mirror on the real broker.

One worker: a fleet grows in three waves (campaign created, then updated), a lone
harvester is alerted and an analyst calls it benign with ``distillguard feedback`` (its
alert closes as benign), a second fleet arrives hours later (the first campaign, quiet
since, closes) and an analyst confirms it (critical, new version). Every alert has its
OCSF finding on ``alerts-ocsf``, schema-valid, with the matching activity, and both
topics carry CloudEvents headers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from streams.config import Settings, env_name
from streams.core.ocsf import OCSF_VERSION
from streams.kafka.broker import LocalBroker
from streams.worker.process import WorkerProcess, worker_env
from tests.core.test_detector import harvest_prompt
from tests.integration.pipeline import (
    keyed,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
    wait_for,
)
from tests.integration.test_campaign_live import T0, _harvest, send_by_hour

HOUR = 3_600_000


def solo_harvester() -> list[dict[str, Any]]:
    """A lone harvester on its own card and address: alerted alone, never in a campaign."""
    events = []
    for n in range(240):
        e = _harvest("solo-99", T0 - 5 * HOUR + n * 60_000, n)
        e.update(
            payment_fingerprint="pf-solo",
            tls_fingerprint="t13d-solo",
            ip="203.0.113.9",
            prompt=harvest_prompt(n),  # varied: not an evaluation harness replaying itself
        )
        events.append(e)
    return events


def second_fleet() -> list[dict[str, Any]]:
    """Six harvesters on another card, six hours after the first fleet; each comes back
    once two hours later, so that evidence moves the campaign stage's event time past
    the fleet's (it regroups at most once a minute of event time, on new evidence)."""
    events = []
    for k in range(6):
        account = f"later-{k:02d}"
        for n in range(13):
            ts = T0 + 6 * HOUR + k * 7_000 + (n * 120_000 if n < 12 else 2 * HOUR)
            e = _harvest(account, ts, n)
            # Its own card, client and prompts: nothing in common with the first fleet.
            e.update(
                payment_fingerprint="pf-second-card",
                tls_fingerprint="t13d-second-harness",
                ip=f"192.0.2.{10 + k}",
                prompt=harvest_prompt(1000 + n),
            )
            events.append(e)
    return sorted(events, key=lambda e: (e["ts"], e["event_id"]))


def alerts_of(settings: Settings) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    return [
        (orjson.loads(r.value), {k: v for k, v in r.headers})
        for r in read_all(settings.bootstrap_servers, settings.topic_alerts)
    ]


def feedback_cli(settings: Settings, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "streams", "feedback", *args],
        env={**worker_env(settings), env_name("log_level"): "warning"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_alerts_are_created_updated_and_closed_with_their_ocsf_findings(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(
        kafka_broker.bootstrap,
        unique_name,
        tmp_path,
        campaign_quiet_s=3600,  # a campaign quiet for an hour of event time closes
        account_min_requests=20,
    )
    # The lone harvester's hours come before the fleet's, and are sent first: a batch of
    # hours of traffic mixing both would let one partition's event time run hours ahead
    # of the other's (live, traffic arrives in time order).
    send(settings.bootstrap_servers, settings.topic_api_calls, keyed(solo_harvester()))
    with WorkerProcess(settings, tmp_path / "worker.log") as worker:
        wait_caught_up(settings, worker)
        send_by_hour(settings, worker)
        alerts = [a for a, _ in alerts_of(settings)]
        campaign = [a for a in alerts if a["kind"] == "campaign"]
        # Live, the stage may meet a wave before the links tying it to the others (the
        # partitions are read in no fixed order) and open a campaign for it that merges
        # later: the lifecycle must hold for every campaign the fleet got.
        first_ids = {a["alert_id"] for a in campaign}
        assert first_ids and all(m.startswith("fleet-") for a in campaign for m in a["account_ids"])
        assert any(a["version"] >= 2 for a in campaign), "the growing fleet updates its campaign"
        solo = [a for a in alerts if a["account_ids"] == ["solo-99"]]
        assert solo, alerts
        assert solo[0]["kind"] == "account" and solo[0]["status"] == "open"

        # An analyst calls the lone harvester benign: its alert closes as such.
        said = feedback_cli(settings, "solo-99", "--verdict", "benign", "--analyst", "test")
        assert "benign verdict on account solo-99" in said

        def solo_closed() -> bool:
            return any(
                a["account_ids"] == ["solo-99"] and a["status"] == "closed"
                for a, _ in alerts_of(settings)
            )

        wait_for(solo_closed, 60, "the benign verdict to close the solo alert", worker)

        # Hours later a second fleet: the first fleet's campaign, quiet since, closes.
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(second_fleet()))

        def first_closed() -> bool:
            closed = {a["alert_id"] for a, _ in alerts_of(settings) if a["status"] == "closed"}
            return first_ids <= closed

        wait_for(first_closed, 90, "the quiet campaign to close", worker)
        wait_caught_up(settings, worker)
        later = [
            a
            for a, _ in alerts_of(settings)
            if a["kind"] == "campaign" and a["alert_id"] not in first_ids
        ]
        assert later, "the second fleet is a campaign of its own"
        assert all(m.startswith("later-") for a in later for m in a["account_ids"])
        second = later[0]["campaign_id"]
        said = feedback_cli(settings, second, "--verdict", "abuse")
        assert f"abuse verdict on campaign {second}" in said

        def confirmed() -> bool:
            return any(
                a.get("campaign_id") == second
                and a["severity"] == "critical"
                and a["reasons"][0]["code"] == "analyst_confirmed"
                for a, _ in alerts_of(settings)
            )

        wait_for(confirmed, 60, "the abuse verdict to confirm the second campaign", worker)
        wait_caught_up(settings, worker)

    records = alerts_of(settings)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for alert, headers in records:
        by_id.setdefault(alert["alert_id"], []).append(alert)
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_id"] == f"{alert['alert_id']}.{alert['version']}".encode()
        assert headers["ce_type"] == f"dev.distillguard.alert.{alert['kind']}.v1".encode()
        assert headers["ce_time"] == alert["emitted_at"].encode()
        assert headers["ce_source"] == f"urn:distillguard:{settings.app_id}".encode()
    resolutions = []
    for alert_id in first_ids:
        versions = sorted(by_id[alert_id], key=lambda a: a["version"])
        assert [a["version"] for a in versions] == list(range(1, len(versions) + 1))
        assert versions[-1]["status"] == "closed"
        assert all(a["status"] == "open" for a in versions[:-1])
        resolutions.append(versions[-1]["resolution"])
    assert "quiet" in resolutions and set(resolutions) <= {"quiet", "merged"}
    quiet_id = next(i for i in first_ids if by_id[i][-1]["resolution"] == "quiet")
    solo_alerts = [a for a, _ in records if a["account_ids"] == ["solo-99"]]
    assert solo_alerts[-1]["resolution"] == "benign"

    # The OCSF mirror: one schema-valid finding per alert record, same uid, the activity
    # its lifecycle step calls for.
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(OCSF_VERSION)).get_class_schema(
        "detection_finding"
    )
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    findings = read_all(settings.bootstrap_servers, settings.topic_alerts_ocsf)
    assert len(findings) == len(records)
    activities: dict[str, list[int]] = {}
    for record in findings:
        finding = orjson.loads(record.value)
        validator.validate(finding)
        uid = finding["finding_info"]["uid"]
        activities.setdefault(uid, []).append(finding["activity_id"])
        headers = dict(record.headers)
        assert headers["ce_type"] == b"dev.distillguard.ocsf.detection_finding.v1"
        assert record.key == uid.encode()
    for alert_id in first_ids:
        steps = activities[alert_id]
        assert steps[0] == 1 and set(steps[1:-1]) <= {2} and steps[-1] == 3
    assert any(2 in activities[i] for i in first_ids), "create, update, close"
    assert activities[quiet_id][-1] == 3
    assert "Think step by step" not in b"".join(r.value for r in findings).decode()
