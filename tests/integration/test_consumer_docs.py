"""The examples of docs/consumers.md, run against the real broker and a real worker.

The code blocks are read out of the doc: each example is preceded by a marker line,
``<!-- tested: NAME -->`` (python and sh blocks, run here) or ``<!-- checked: NAME -->``
(JSON examples, checked against the schemas and the OCSF mapping). The python blocks run
with this interpreter, the sh blocks with ``bash -euo pipefail``, in a scratch directory,
pointed at private topics through the variables they read: ``BOOTSTRAP``, ``ALERTS``,
``ALERTS_OCSF``, ``FEEDBACK``, ``GROUP``, ``ACCOUNT_ID``, ``CAMPAIGN_ID`` (and, on the
secure broker, ``SASL_USERNAME``, ``SASL_PASSWORD_FILE``, ``SSL_CAFILE``). What they print
or write is compared with what is on the topics, so the doc and the code cannot drift.

One worker reads two lone harvesters and a fleet in three waves (an account alert each,
a campaign updated over versions); one alert record is then sent a second time (an
at-least-once redelivery) and a foreign record lands on the OCSF topic. The kcat examples
need ``kcat`` on PATH and are skipped, saying so, without it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator
from kafka import KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from streams.config import Settings
from streams.core.cloudevents import alert_headers
from streams.core.ocsf import detection_finding
from streams.core.verdicts import parse_feedback
from streams.kafka.broker import LocalBroker, SecureMaterial
from streams.kafka.security import kafka_python_kwargs
from streams.kafka.topics import TopicSpec, create_topics
from streams.worker.process import WorkerProcess
from tests.core.test_detector import harvest_prompt
from tests.integration.conftest import HOME_PREFIX, make_broker
from tests.integration.pipeline import (
    keyed,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
    wait_for,
)
from tests.integration.test_campaign_live import send_by_hour
from tests.integration.test_lifecycle_live import solo_harvester

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "consumers.md"
SCHEMAS = REPO / "schemas"
TESTED = {
    "consume-alerts",
    "kcat-headers",
    "kcat-json",
    "kcat-route",
    "kcat-siem",
    "feedback-cli",
    "kcat-verdict",
    "secure-python",
    "secure-kcat",
}
CHECKED = {"alert-example", "ocsf-excerpt", "feedback-example"}
RUNNABLE = ("python", "sh")
SNIPPET_TIMEOUT_S = 60
KCAT_MISSING = (
    "kcat is not on PATH, so the doc's kcat examples cannot run: install it "
    "(apt-get install kcat; brew install kcat)"
)
ALERT_SCHEMA_ID = "https://distillguard.dev/schemas/v1/alert.schema.json"
OCSF_SCHEMA_URL = "https://schema.ocsf.io/schema/1.5.0/classes/detection_finding"
OCSF_TYPE = "dev.distillguard.ocsf.detection_finding.v1"
FOREIGN_TYPE = "com.example.heartbeat.v1"
SCRAM_FIXED_IN = (2, 6, 1)  # librdkafka: SCRAM against Kafka 4 brokers (edenhill/kcat#462)

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
_MARKER = re.compile(r"<!-- (tested|checked): ([\w-]+) -->")


# --- the doc's code blocks --------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    marker: str | None  # "tested", "checked" or None (an unmarked block)
    name: str | None


def doc_blocks() -> list[Block]:
    """Every fenced block of the doc, with the marker on the line right before it."""
    text = DOC.read_text()
    blocks = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _MARKER.fullmatch(before)
        blocks.append(
            Block(
                lang=match.group(1),
                code=match.group(2),
                marker=marker.group(1) if marker else None,
                name=marker.group(2) if marker else None,
            )
        )
    return blocks


@cache
def block(name: str) -> Block:
    found = [b for b in doc_blocks() if b.name == name]
    assert len(found) == 1, f"{DOC.name} has {len(found)} blocks named {name!r}"
    return found[0]


def doc_json(name: str) -> Any:
    return json.loads(block(name).code)


def base_env(**values: str) -> dict[str, str]:
    """This environment without distillguard's settings, the venv's scripts first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(values)
    return env


def run_block(
    name: str, cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run one tested block of the doc as it is written there."""
    example = block(name)
    assert example.marker == "tested" and example.lang in RUNNABLE
    cwd.mkdir(parents=True, exist_ok=True)
    if example.lang == "python":
        script = cwd / f"{name}.py"
        script.write_text(example.code)
        command = [sys.executable, str(script)]
    else:
        command = ["bash", "-euo", "pipefail", "-c", example.code]
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=SNIPPET_TIMEOUT_S,
        check=False,
    )
    if check:
        assert done.returncode == 0, (
            f"the doc's {name!r} example failed (exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


def need_kcat() -> str:
    kcat = shutil.which("kcat")
    if kcat is None:
        pytest.skip(KCAT_MISSING)
    return kcat


def librdkafka_version() -> tuple[int, ...]:
    said = subprocess.run(
        ["kcat", "-V"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    found = re.search(r"librdkafka (\d+)\.(\d+)\.(\d+)", said)
    assert found, f"kcat -V does not name its librdkafka: {said!r}"
    return tuple(int(x) for x in found.groups())


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers}


def assert_subset(part: Any, whole: Any, path: str = "finding") -> None:
    """Every field the doc shows has the value the code gives (lists compare whole)."""
    if isinstance(part, dict):
        assert isinstance(whole, dict), f"{path} is not an object in the code's finding"
        for key, value in part.items():
            assert key in whole, f"{path}.{key} is in the doc, not in the code's finding"
            assert_subset(value, whole[key], f"{path}.{key}")
    else:
        assert part == whole, f"{path}: the doc says {part!r}, the code gives {whole!r}"


def validator(schema_file: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / schema_file).read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# --- the doc itself ---------------------------------------------------------------------


def test_every_example_in_the_doc_is_run_or_checked() -> None:
    blocks = doc_blocks()
    runnable = [b for b in blocks if b.lang in RUNNABLE]
    unmarked = [b.code[:60] for b in runnable if b.marker != "tested"]
    assert not unmarked, f"python/sh blocks this test does not run: {unmarked}"
    assert {b.name for b in runnable} == TESTED
    assert len(runnable) == len(TESTED), "two blocks share a name"
    checked = [b for b in blocks if b.marker == "checked"]
    assert {b.name for b in checked} == CHECKED and all(b.lang == "json" for b in checked)
    assert all(b.lang in (*RUNNABLE, "json", "text") for b in blocks)


def test_the_json_examples_hold_to_the_contract_and_the_ocsf_mapping() -> None:
    alert = doc_json("alert-example")
    validator("alert.schema.json").validate(alert)
    assert_subset(doc_json("ocsf-excerpt"), detection_finding(alert))
    verdict = doc_json("feedback-example")
    validator("feedback.schema.json").validate(verdict)
    parsed = parse_feedback(orjson.dumps(verdict))
    assert (parsed.account_id, parsed.abuse) == (verdict["account_id"], False)


# --- a live worker and its topics -------------------------------------------------------


def second_solo() -> list[dict[str, Any]]:
    """Another lone harvester, on its own card, client, address and prompts."""
    events = []
    for event in solo_harvester():
        n = int(event["event_id"].rsplit("-", 1)[1])
        events.append(
            {
                **event,
                "event_id": f"solo-77-{n}",
                "account_id": "solo-77",
                "payment_fingerprint": "pf-solo-77",
                "tls_fingerprint": "t13d-solo-77",
                "ip": "203.0.113.77",
                "prompt": harvest_prompt(5000 + n),
            }
        )
    return events


@dataclass(frozen=True)
class Live:
    settings: Settings
    worker: WorkerProcess
    tmp: Path
    duplicates: list[dict[str, Any]]  # the alert records sent a second time, in order

    def env(self, **values: str) -> dict[str, str]:
        s = self.settings
        return base_env(
            BOOTSTRAP=s.bootstrap_servers,
            ALERTS=s.topic_alerts,
            ALERTS_OCSF=s.topic_alerts_ocsf,
            FEEDBACK=s.topic_feedback,
            GROUP=f"{s.app_id}-{uuid.uuid4().hex[:6]}",
            **values,
        )

    def caught_up(self) -> None:
        wait_caught_up(self.settings, self.worker, timeout_s=60)

    def alerts(self) -> list[ConsumerRecord]:
        return read_all(self.settings.bootstrap_servers, self.settings.topic_alerts)

    def findings(self) -> list[ConsumerRecord]:
        return read_all(self.settings.bootstrap_servers, self.settings.topic_alerts_ocsf)

    def latest(self) -> dict[str, dict[str, Any]]:
        """The highest version of every alert on the topic."""
        latest: dict[str, dict[str, Any]] = {}
        for record in self.alerts():
            alert = orjson.loads(record.value)
            held = latest.get(alert["alert_id"])
            if held is None or alert["version"] > held["version"]:
                latest[alert["alert_id"]] = alert
        return latest


@pytest.fixture(scope="module")
def live(kafka_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    tmp = tmp_path_factory.mktemp("consumer-docs")
    settings = pipeline_settings(
        kafka_broker.bootstrap, f"consumer-docs-{uuid.uuid4().hex[:8]}", tmp
    )
    boot = settings.bootstrap_servers
    # The lone harvesters' hours come first, as in test_lifecycle_live.
    solos = sorted(solo_harvester() + second_solo(), key=lambda e: (e["ts"], e["event_id"]))
    send(boot, settings.topic_api_calls, keyed(solos))
    with WorkerProcess(settings, tmp / "worker.log") as worker:
        wait_caught_up(settings, worker)
        send_by_hour(settings, worker)
        records = sorted(
            read_all(boot, settings.topic_alerts), key=lambda r: (r.partition, r.offset)
        )
        alerts = [orjson.loads(r.value) for r in records]
        flagged = {tuple(a["account_ids"]) for a in alerts if a["kind"] == "account"}
        assert {("solo-99",), ("solo-77",)} <= flagged, alerts
        assert any(a["kind"] == "campaign" and a["version"] >= 2 for a in alerts), alerts
        # At least once: a worker that crashed after sending a campaign's last two versions
        # but before committing sends them again.
        campaign = next(a["alert_id"] for a in alerts if a["kind"] == "campaign")
        again = [r for r, a in zip(records, alerts, strict=True) if a["alert_id"] == campaign]
        assert len(again) >= 2, "the campaign was updated"
        again = again[-2:]
        findings = sorted(
            read_all(boot, settings.topic_alerts_ocsf), key=lambda r: (r.partition, r.offset)
        )
        producer = KafkaProducer(bootstrap_servers=boot, acks="all")
        for record in again:
            producer.send(
                settings.topic_alerts,
                key=record.key,
                value=record.value,
                headers=list(record.headers),
                partition=record.partition,
            )
        # Something that is not a finding on the OCSF topic, behind a real one.
        producer.send(
            settings.topic_alerts_ocsf,
            key=b"heartbeat",
            value=b'{"heartbeat": 1}',
            headers=[
                ("ce_specversion", b"1.0"),
                ("ce_id", b"hb-1"),
                ("ce_source", b"urn:example:monitor"),
                ("ce_type", FOREIGN_TYPE.encode()),
                ("content-type", b"application/json"),
            ],
            partition=findings[0].partition,
        )
        producer.flush()
        producer.close()
        yield Live(settings, worker, tmp, [orjson.loads(r.value) for r in again])


# --- reading alerts ---------------------------------------------------------------------


def test_the_python_consumer_handles_each_version_once(live: Live) -> None:
    live.caught_up()
    done = run_block("consume-alerts", live.tmp / "consume", live.env())
    records = live.alerts()
    on_topic = {
        (a["alert_id"], a["version"]): a for a in map(orjson.loads, (r.value for r in records))
    }
    assert len(records) == len(on_topic) + 2, "exactly two records are on the topic twice"

    lines = done.stdout.splitlines()
    duplicates = [line for line in lines if line.startswith("duplicate ")]
    # The older version and the latest one, both dropped.
    assert duplicates == [f"duplicate {a['alert_id']} v{a['version']}" for a in live.duplicates]
    handled: dict[str, list[int]] = {}
    for line in lines:
        if line.startswith("duplicate "):
            continue
        alert_id, version, kind, status, resolution, severity, accounts = line.split()
        alert = on_topic[(alert_id, int(version.removeprefix("v")))]
        assert [kind, status, resolution, severity, int(accounts)] == [
            alert["kind"],
            alert["status"],
            alert.get("resolution", "-"),
            alert["severity"],
            len(alert["account_ids"]),
        ]
        handled.setdefault(alert_id, []).append(alert["version"])
    expected: dict[str, list[int]] = {}
    for alert_id, version in sorted(on_topic):
        expected.setdefault(alert_id, []).append(version)
    assert handled == expected, "every version once, in order, per alert"


def test_kcat_shows_the_cloudevents_headers(live: Live) -> None:
    need_kcat()
    live.caught_up()
    done = run_block("kcat-headers", live.tmp / "headers", live.env())
    records = live.alerts()
    expected = [
        f"{r.key.decode()} " + ",".join(f"{k}={v.decode()}" for k, v in r.headers) for r in records
    ]
    assert sorted(done.stdout.splitlines()) == sorted(expected)
    for record in records:
        alert = orjson.loads(record.value)
        subject = alert.get("campaign_id") or alert["account_ids"][0]
        assert record.key == alert["alert_id"].encode()
        assert headers_of(record) == {
            "ce_specversion": "1.0",
            "ce_id": f"{alert['alert_id']}.{alert['version']}",
            "ce_source": f"urn:distillguard:{live.settings.app_id}",
            "ce_type": f"dev.distillguard.alert.{alert['kind']}.v1",
            "ce_time": alert["emitted_at"],
            "ce_dataschema": ALERT_SCHEMA_ID,
            "ce_subject": subject,
            "content-type": "application/json",
        }


def test_kcat_json_envelopes_carry_the_headers(live: Live) -> None:
    need_kcat()
    live.caught_up()
    done = run_block("kcat-json", live.tmp / "json", live.env())
    envelopes = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(envelopes) == len(live.findings())
    types = []
    for envelope in envelopes:
        flat = envelope["headers"]
        headers = dict(zip(flat[::2], flat[1::2], strict=True))
        types.append(headers["ce_type"])
        if headers["ce_type"] != OCSF_TYPE:
            continue
        finding = json.loads(envelope["payload"])
        uid = finding["finding_info"]["uid"]
        assert envelope["key"] == uid
        assert headers["ce_id"] == f"{uid}.{finding['metadata']['sequence']}.ocsf"
        assert headers["ce_dataschema"] == OCSF_SCHEMA_URL
        assert headers["ce_source"] == f"urn:distillguard:{live.settings.app_id}"
    assert types.count(FOREIGN_TYPE) == 1 and types.count(OCSF_TYPE) == len(types) - 1


def test_kcat_routes_on_ce_type_without_parsing_bodies(live: Live) -> None:
    need_kcat()
    live.caught_up()
    where = live.tmp / "route"
    run_block("kcat-route", where, live.env())
    by_kind: dict[str, list[str]] = {"campaign": [], "account": []}
    for record in live.alerts():
        by_kind[orjson.loads(record.value)["kind"]].append(record.value.decode())
    assert by_kind["campaign"] and by_kind["account"]
    for kind, file in (("campaign", "campaigns.jsonl"), ("account", "accounts.jsonl")):
        routed = (where / file).read_text().splitlines()
        assert sorted(routed) == sorted(by_kind[kind])

    run_block("kcat-siem", where, live.env())
    forwarded = (where / "findings.jsonl").read_text().splitlines()
    findings = [r.value.decode() for r in live.findings() if headers_of(r)["ce_type"] == OCSF_TYPE]
    assert len(findings) == len(live.findings()) - 1  # the heartbeat is not forwarded
    assert sorted(forwarded) == sorted(findings)
    assert all(json.loads(line)["class_uid"] == 2004 for line in forwarded)


# --- sending verdicts -------------------------------------------------------------------


def test_the_feedback_cli_closes_one_alert_and_confirms_a_campaign(live: Live) -> None:
    live.caught_up()
    before = live.latest()
    campaigns = sorted(
        (a for a in before.values() if a["kind"] == "campaign" and a["status"] == "open"),
        key=lambda a: (-len(a["account_ids"]), a["alert_id"]),
    )
    assert campaigns, "the fleet's campaign is open"
    campaign = campaigns[0]
    solo = next(a for a in before.values() if a["account_ids"] == ["solo-99"])
    assert solo["status"] == "open"

    done = run_block(
        "feedback-cli",
        live.tmp / "cli",
        live.env(ACCOUNT_ID="solo-99", CAMPAIGN_ID=campaign["campaign_id"]),
    )
    assert "sent: benign verdict on account solo-99" in done.stdout
    assert f"sent: abuse verdict on campaign {campaign['campaign_id']}" in done.stdout

    def reacted() -> bool:
        latest = live.latest()
        return bool(
            latest[solo["alert_id"]]["status"] == "closed"
            and latest[campaign["alert_id"]]["severity"] == "critical"
        )

    wait_for(reacted, 60, "the worker to apply both verdicts", live.worker)
    latest = live.latest()
    closed = latest[solo["alert_id"]]
    assert closed["version"] == solo["version"] + 1
    assert (closed["resolution"], closed["reasons"][0]["code"]) == ("benign", "closed_benign")
    confirmed = latest[campaign["alert_id"]]
    assert confirmed["version"] > campaign["version"] and confirmed["status"] == "open"
    assert confirmed["score"] == 1.0
    assert confirmed["reasons"][0]["code"] == "analyst_confirmed"

    # The OCSF side, as the doc's table says: a benign close is Close / Suppressed.
    live.caught_up()
    last: dict[str, list[dict[str, Any]]] = {}
    for record in live.findings():
        finding = orjson.loads(record.value)
        if finding.get("class_uid") == 2004:
            last.setdefault(finding["finding_info"]["uid"], []).append(finding)
    steps = last[solo["alert_id"]]
    updates = [(2, 200402, 2)] * (len(steps) - 2)
    assert [(f["activity_id"], f["type_uid"], f["status_id"]) for f in steps] == [
        (1, 200401, 1),
        *updates,
        (3, 200403, 3),
    ]
    assert steps[-1]["unmapped"]["resolution"] == "benign"
    upgrade = last[campaign["alert_id"]][-1]
    assert (upgrade["activity_id"], upgrade["severity_id"], upgrade["confidence_id"]) == (2, 5, 3)
    assert upgrade["finding_info"]["uid_alt"] == campaign["campaign_id"]


def test_a_verdict_produced_with_kcat_closes_the_alert(live: Live) -> None:
    need_kcat()
    live.caught_up()
    solo = next(a for a in live.latest().values() if a["account_ids"] == ["solo-77"])
    assert solo["status"] == "open"
    run_block("kcat-verdict", live.tmp / "verdict", live.env(ACCOUNT_ID="solo-77"))
    wait_for(
        lambda: bool(live.latest()[solo["alert_id"]]["status"] == "closed"),
        60,
        "the kcat verdict to close solo-77's alert",
        live.worker,
    )
    closed = live.latest()[solo["alert_id"]]
    assert (closed["version"], closed["resolution"]) == (solo["version"] + 1, "benign")
    verdicts = read_all(live.settings.bootstrap_servers, live.settings.topic_feedback)
    sent = [r for r in verdicts if r.key == b"solo-77"]
    assert len(sent) == 1
    record = json.loads(sent[0].value)
    validator("feedback.schema.json").validate(record)
    assert (record["account_id"], record["verdict"]) == ("solo-77", "benign")


# --- a secure cluster -------------------------------------------------------------------


@dataclass(frozen=True)
class Secure:
    bootstrap: str
    topic: str
    material: SecureMaterial
    expected: list[str]  # "<key> <ce_id>" per record, in order (one key, one partition)

    def env(self) -> dict[str, str]:
        return base_env(
            BOOTSTRAP=self.bootstrap,
            ALERTS=self.topic,
            GROUP=f"{self.topic}-{uuid.uuid4().hex[:6]}",
            SASL_USERNAME=self.material.username,
            SASL_PASSWORD_FILE=str(self.material.password_file),
            SSL_CAFILE=str(self.material.ca_file),
        )


@pytest.fixture(scope="module")
def secure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secure]:
    """A SASL_SSL broker of its own holding the doc's example alert, a later version of
    it and the first version again."""
    home = tmp_path_factory.mktemp(HOME_PREFIX)
    (home / "owner.pid").write_text(f"{os.getpid()}\n")  # conftest reaps it after a crash
    broker = make_broker(home, secure=True)
    try:
        broker.start(timeout=180)
        material = broker.material()
        assert material is not None
        security = material.client_security()
        topic = f"consumer-docs-secure-{uuid.uuid4().hex[:8]}"
        create_topics(broker.bootstrap, [TopicSpec(topic, 2)], security=security)
        first = doc_json("alert-example")
        closed = {
            **first,
            "version": 2,
            "status": "closed",
            "resolution": "benign",
            "reasons": [
                {"code": "closed_benign", "detail": "an analyst's benign verdict", "weight": 0.0}
            ],
        }
        sent = [first, closed, first]
        producer = KafkaProducer(
            bootstrap_servers=broker.bootstrap, acks="all", **kafka_python_kwargs(security)
        )
        for alert in sent:
            producer.send(
                topic,
                key=alert["alert_id"].encode(),
                value=orjson.dumps(alert),
                headers=alert_headers(alert, "distillguard"),
            )
        producer.flush()
        producer.close()
        expected = [f"{a['alert_id']} {a['alert_id']}.{a['version']}" for a in sent]
        yield Secure(broker.bootstrap, topic, material, expected)
    finally:
        broker.stop(timeout=10)


def test_the_secure_python_consumer_logs_in_with_scram(secure: Secure, tmp_path: Path) -> None:
    done = run_block("secure-python", tmp_path, secure.env())
    assert done.stdout.splitlines() == secure.expected


def test_the_secure_kcat_example(secure: Secure, tmp_path: Path) -> None:
    need_kcat()
    done = run_block("secure-kcat", tmp_path, secure.env(), check=False)
    assert (tmp_path / "kcat-sasl.conf").stat().st_mode & 0o077 == 0, "password file private"
    if done.returncode == 0:
        shown = []
        for line in done.stdout.splitlines():
            key, headers = line.split(" ", 1)
            ce_id = dict(h.split("=", 1) for h in headers.split(","))["ce_id"]
            shown.append(f"{key} {ce_id}")
        assert shown == secure.expected
        return
    version = librdkafka_version()
    refused = "invalid credentials with SASL mechanism SCRAM-SHA-256" in done.stderr
    assert version < SCRAM_FIXED_IN and refused, (
        f"kcat (librdkafka {'.'.join(map(str, version))}) failed otherwise than the doc "
        f"says:\n{done.stderr[-3000:]}"
    )
    pytest.skip(
        f"kcat's librdkafka {'.'.join(map(str, version))} < 2.6.1 cannot log in with SCRAM "
        "to a Kafka 4 broker (edenhill/kcat#462): it got through TLS and was refused, as "
        "docs/consumers.md warns"
    )
