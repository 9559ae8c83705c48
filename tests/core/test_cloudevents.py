"""CloudEvents 1.0 binary-mode Kafka headers of an alert record and of its OCSF mirror."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema
from rfc3339_validator import validate_rfc3339

from streams.core.alerts import Alert, Reason
from streams.core.cloudevents import (
    ALERT_DATASCHEMA,
    OCSF_DATASCHEMA,
    alert_headers,
    event_id,
    ocsf_headers,
    source,
)
from streams.core.detector import DetectorParams
from streams.core.ocsf import OCSF_VERSION
from streams.core.pipeline import PipelineParams
from streams.core.timeutil import format_rfc3339_ms
from streams.offline.backtest import run_backtest
from streams.offline.sources import file_records
from streams.sample import bundled_sample_path

ALERT_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "alert.schema.json"
APP_ID = "distillguard"
NAMES = [
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_dataschema",
    "ce_subject",
    "content-type",
]
# RFC 3986 URI characters, and a URN's "urn:<NID>:<NSS>" shape.
URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9\-._~!$&'()*+,;=:@/%]+")
T0 = 1_795_420_800_000


@pytest.fixture(scope="module")
def sample_alerts() -> list[dict[str, Any]]:
    """Every alert (account and campaign, several versions) of a bundled-sample backtest."""
    params = PipelineParams(
        detector=DetectorParams(account_threshold=0.35, account_min_requests=10)
    )
    result = run_backtest(file_records(bundled_sample_path(), 4), params, max_record_bytes=1 << 20)
    return result.alerts


def as_text(headers: list[tuple[str, bytes]]) -> dict[str, str]:
    assert all(isinstance(name, str) and isinstance(value, bytes) for name, value in headers)
    names = [name for name, _ in headers]
    assert len(names) == len(set(names)), names
    return {name: value.decode("utf-8") for name, value in headers}


def test_the_dataschemas_are_the_ids_of_the_schemas_they_name() -> None:
    assert json.loads(ALERT_SCHEMA.read_text(encoding="utf-8"))["$id"] == ALERT_DATASCHEMA
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(OCSF_VERSION)).get_class_schema(
        "detection_finding"
    )
    assert schema["$id"] == OCSF_DATASCHEMA


def test_headers_of_every_alert_and_its_mirror(sample_alerts: list[dict[str, Any]]) -> None:
    kinds = set()
    for alert in sample_alerts:
        kinds.add(alert["kind"])
        record, mirror = alert_headers(alert, APP_ID), ocsf_headers(alert, APP_ID)
        for headers in (record, mirror):
            assert [name for name, _ in headers] == NAMES
            text = as_text(headers)
            assert text["ce_specversion"] == "1.0"
            assert text["ce_source"] == "urn:distillguard:distillguard"
            assert text["ce_time"] == alert["emitted_at"]
            assert validate_rfc3339(text["ce_time"])
            assert text["content-type"] == "application/json"
            expected_subject = (
                alert["campaign_id"] if alert["kind"] == "campaign" else alert["account_ids"][0]
            )
            assert text["ce_subject"] == expected_subject

        one, other = as_text(record), as_text(mirror)
        assert one["ce_id"] == f"{alert['alert_id']}.{alert['version']}"
        assert other["ce_id"] == f"{alert['alert_id']}.{alert['version']}.ocsf"
        assert one["ce_type"] == f"dev.distillguard.alert.{alert['kind']}.v1"
        assert other["ce_type"] == "dev.distillguard.ocsf.detection_finding.v1"
        assert one["ce_dataschema"] == "https://distillguard.dev/schemas/v1/alert.schema.json"
        assert other["ce_dataschema"] == (
            "https://schema.ocsf.io/schema/1.5.0/classes/detection_finding"
        )
        assert alert_headers(alert, APP_ID) == record  # a retry: the same id, for de-dup
    assert kinds == {"account", "campaign"}


def test_ids_are_unique_over_every_record_of_a_run(sample_alerts: list[dict[str, Any]]) -> None:
    ids = [event_id(a) for a in sample_alerts] + [event_id(a, ocsf=True) for a in sample_alerts]
    assert len(ids) == len(set(ids)) == 2 * len(sample_alerts)


def test_closing_version_has_its_own_id() -> None:
    alert = account_alert()
    close = {**alert, "version": 2, "status": "closed", "resolution": "quiet"}
    ids = {event_id(alert), event_id(alert, ocsf=True), event_id(close), event_id(close, ocsf=True)}
    assert len(ids) == 4


def test_an_odd_app_id_is_percent_encoded_into_a_valid_urn() -> None:
    assert source("distillguard") == "urn:distillguard:distillguard"
    odd = source("team a/prod ☃?#")
    assert URN.fullmatch(odd), odd
    assert odd == "urn:distillguard:team%20a%2Fprod%20%E2%98%83%3F%23"
    with pytest.raises(ValueError):
        source("")


def test_no_subject_for_an_account_alert_about_several_accounts() -> None:
    alert = account_alert(account_ids=["a", "b"])
    assert "ce_subject" not in as_text(alert_headers(alert, APP_ID))


@pytest.mark.parametrize(
    "change",
    [
        {"emitted_at": "2026-11-23 10:15:02Z"},
        {"emitted_at": None},
        {"alert_id": ""},
        {"version": 0},
        {"version": "1"},
        {"kind": "group"},
    ],
)
def test_a_dict_that_breaks_the_contract_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        alert_headers({**account_alert(), **change}, APP_ID)


@settings(max_examples=200, deadline=None)
@given(
    alert_id=st.text(min_size=1, max_size=40),
    version=st.integers(1, (1 << 63) - 1),
    kind=st.sampled_from(["account", "campaign"]),
    subject=st.text(min_size=1, max_size=40),
    emitted_ms=st.integers(0, 253_402_300_799_999),
    app_id=st.text(min_size=1, max_size=30),
)
def test_any_alert_gets_well_formed_headers(
    alert_id: str, version: int, kind: str, subject: str, emitted_ms: int, app_id: str
) -> None:
    alert = account_alert(alert_id=alert_id, version=version, kind=kind)
    alert["emitted_at"] = format_rfc3339_ms(emitted_ms)
    if kind == "campaign":
        alert["campaign_id"] = subject
    else:
        alert["account_ids"] = [subject]
    record, mirror = as_text(alert_headers(alert, app_id)), as_text(ocsf_headers(alert, app_id))
    assert record["ce_id"] != mirror["ce_id"]
    assert record["ce_id"].startswith(alert_id) and mirror["ce_id"].endswith(".ocsf")
    for text in (record, mirror):
        assert text["ce_specversion"] == "1.0"
        assert text["ce_subject"] == subject
        assert validate_rfc3339(text["ce_time"]) and text["ce_time"] == alert["emitted_at"]
        assert URN.fullmatch(text["ce_source"])


def account_alert(**changes: Any) -> dict[str, Any]:
    alert = Alert(
        alert_id="acct-0123456789abcdef0123",
        version=1,
        kind="account",
        account_ids=("acct-1",),
        detected_at_ms=T0,
        score=0.75,
        severity="high",
        reasons=(Reason("output_heavy", "40 output tokens per input token", 0.6),),
        model_version="distillguard-0.1.0/harvest-v2",
    ).to_wire(T0 + 1_000)
    alert.update(changes)
    return alert
