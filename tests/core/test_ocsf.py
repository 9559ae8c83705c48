"""Alerts as OCSF 1.5.0 Detection Findings: schema-valid for every alert, lossless, no text leak.

Every finding is validated against the Detection Finding class schema the
``ocsf-json-schema`` package generates for OCSF 1.5.0 (draft 2020-12, closed objects:
an attribute the class does not define fails validation).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from streams import __version__
from streams.core.alerts import RESOLUTIONS as ALERT_RESOLUTIONS
from streams.core.alerts import Alert, Reason, closing
from streams.core.detector import DetectorParams
from streams.core.linking import KINDS
from streams.core.ocsf import (
    MAX_ACCOUNTS,
    MAX_KEYS_PER_KIND,
    OCSF_VERSION,
    activity_id,
    detection_finding,
    status_id,
)
from streams.core.ocsf import RESOLUTIONS as OCSF_RESOLUTIONS
from streams.core.pipeline import PipelineParams
from streams.core.scoring import SIGNALS
from streams.core.timeutil import MAX_MS, MIN_MS, format_rfc3339_ms, parse_rfc3339_ms
from streams.offline.backtest import run_backtest
from streams.offline.sources import file_records
from streams.sample import FLEET, bundled_sample_path

ALERT_SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "alert.schema.json"
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# The resolutions the alert contract defines (quiet, benign, merged at the time of writing).
RESOLUTIONS: tuple[str, ...] = tuple(
    json.loads(ALERT_SCHEMA.read_text(encoding="utf-8"))["properties"]["resolution"]["enum"]
)
# Text no contract field may carry into a finding (a space and a snowman: never hash-like).
MARKER = "PROMPT LEAK \u2603 7f1c"


@pytest.fixture(scope="module")
def finding_validator() -> Draft202012Validator:
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(OCSF_VERSION)).get_class_schema(
        "detection_finding"
    )
    assert schema["$schema"] == DRAFT_2020_12
    assert schema["properties"]["class_uid"]["const"] == 2004
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def alert_validator() -> Draft202012Validator:
    schema = json.loads(ALERT_SCHEMA.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def sample_alerts() -> list[dict[str, Any]]:
    """Every alert of a backtest of the bundled sample, with the lone-account threshold
    lowered so that account alerts (two versions) come out as well as the campaign's."""
    params = PipelineParams(
        detector=DetectorParams(account_threshold=0.35, account_min_requests=10)
    )
    result = run_backtest(file_records(bundled_sample_path(), 4), params, max_record_bytes=1 << 20)
    return result.alerts


def assert_valid(validator: Draft202012Validator, finding: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(finding), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{e.json_path}: {e.message[:300]}" for e in errors[:5]]


def closed(alert: dict[str, Any], resolution: str | None) -> dict[str, Any]:
    variant = {**alert, "version": alert["version"] + 1, "status": "closed"}
    if resolution is not None:
        variant["resolution"] = resolution
    return variant


def _all_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_all_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _all_strings(v)]
    return []


# --- the real alerts of a simulated run ----------------------------------------------------


def test_the_sample_run_gives_both_kinds_and_several_versions(
    sample_alerts: list[dict[str, Any]],
) -> None:
    kinds = {(a["kind"], a["version"]) for a in sample_alerts}
    assert {("account", 1), ("account", 2), ("campaign", 1), ("campaign", 2)} <= kinds


def test_every_alert_of_the_run_maps_to_a_valid_finding(
    sample_alerts: list[dict[str, Any]], finding_validator: Draft202012Validator
) -> None:
    for alert in sample_alerts:
        before = copy.deepcopy(alert)
        finding = detection_finding(alert)
        assert alert == before  # the alert is not modified
        assert_valid(finding_validator, finding)
        assert finding == detection_finding(alert)  # deterministic
        orjson.dumps(finding)  # what the worker will write

        first = alert["version"] == 1
        assert finding["class_uid"] == 2004 and finding["category_uid"] == 2
        assert finding["activity_id"] == (1 if first else 2)
        assert finding["type_uid"] == 200400 + finding["activity_id"]
        assert finding["status_id"] == (1 if first else 2)
        assert finding["status"] == ("New" if first else "In Progress")
        assert finding["is_alert"] is True
        severity = {"low": 2, "medium": 3, "high": 4, "critical": 5}[alert["severity"]]
        assert finding["severity_id"] == severity
        assert finding["severity"] == alert["severity"].capitalize()
        assert finding["confidence_score"] == round(alert["score"] * 100)
        assert finding["time"] == parse_rfc3339_ms(alert["detected_at"])

        info = finding["finding_info"]
        assert info["uid"] == alert["alert_id"]
        assert info["types"] == [f"distillation/{alert['kind']}"]
        assert info["analytic"]["version"] == alert["model_version"]
        assert info["desc"] == "; ".join(r["detail"] for r in alert["reasons"])
        assert ("created_time" in info) is first
        assert info["last_seen_time"] == finding["time"]

        meta = finding["metadata"]
        assert meta["version"] == "1.5.0"
        assert meta["product"] == {
            "name": "distillguard",
            "vendor_name": "distillguard",
            "version": __version__,
        }
        assert meta["uid"] == f"{alert['alert_id']}/{alert['version']}"
        assert meta["logged_time"] == parse_rfc3339_ms(alert["emitted_at"])

        accounts = [
            o["value"] for o in finding["observables"] if o["type_id"] == 35
        ]  # Account Object: uid
        assert accounts == alert["account_ids"]
        actors = [
            e["actor"]["user"]["account"]["uid"] for e in finding["evidences"] if "actor" in e
        ]
        assert actors == alert["account_ids"]
        unmapped = finding["unmapped"]
        assert unmapped["kind"] == alert["kind"]
        assert unmapped["version"] == alert["version"]
        assert unmapped["status"] == "open" and "resolution" not in unmapped
        assert unmapped["score"] == alert["score"]
        assert unmapped["reasons"] == alert["reasons"]
        figures = finding["evidences"][0]["data"]
        assert figures["reasons"] == [
            {"code": r["code"], "weight": r["weight"]} for r in alert["reasons"]
        ]


def test_a_campaign_finding_carries_its_id_and_shared_infrastructure(
    sample_alerts: list[dict[str, Any]],
) -> None:
    alert = next(a for a in sample_alerts if a["kind"] == "campaign")
    finding = detection_finding(alert)
    info = finding["finding_info"]
    assert info["uid_alt"] == alert["campaign_id"]
    members = len(alert["account_ids"])
    assert set(alert["account_ids"]) <= set(FLEET)
    assert info["title"] == f"Coordinated distillation campaign of {members} accounts"
    assert info["analytic"]["type_id"] == 3  # Statistical
    observed = {(o["type_id"], o["value"]) for o in finding["observables"]}
    shared = alert["evidence"]["shared_keys"]
    assert {(16, ua) for ua, _ in shared["ua"]} <= observed  # HTTP User-Agent
    assert {(8, tls) for tls, _ in shared["tls"]} <= observed  # Hash
    assert {(8, pay) for pay, _ in shared["pay"]} <= observed
    assert {(12, f"{net}.0/24") for net, _ in shared["net"]} <= observed  # Subnet
    keys = {
        (e["data"]["kind"], e["data"][e["data"]["kind"]], e["data"]["holders"])
        for e in finding["evidences"]
        if e["name"].startswith("shared_")
    }
    assert keys == {(kind, v, n) for kind, rows in shared.items() for v, n in rows}
    figures = finding["evidences"][0]["data"]
    assert figures["members"] == alert["evidence"]["members"]
    assert figures["link_strength_by_kind"] == alert["evidence"]["link_strength_by_kind"]


def test_an_account_finding_carries_its_figures_and_activity_span(
    sample_alerts: list[dict[str, Any]],
) -> None:
    alert = next(a for a in sample_alerts if a["kind"] == "account")
    finding = detection_finding(alert)
    evidence = alert["evidence"]
    figures = finding["evidences"][0]["data"]
    assert figures["signals"] == evidence["signals"]
    assert figures["raw_score"] == evidence["raw_score"]
    assert figures["profile"] == evidence["profile"]  # all figures, copied field by field
    assert finding["start_time"] == evidence["profile"]["first_seen_ms"]
    assert finding["end_time"] == evidence["profile"]["last_seen_ms"]
    assert finding["finding_info"]["analytic"]["type_id"] == 2  # Behavioral
    assert "uid_alt" not in finding["finding_info"]


# "abuse" stands for a resolution a later contract may add: closed, Resolved, generic detail.
@pytest.mark.parametrize("resolution", [*RESOLUTIONS, "abuse", None])
def test_closed_variants_of_every_alert_are_valid_close_findings(
    sample_alerts: list[dict[str, Any]],
    finding_validator: Draft202012Validator,
    resolution: str | None,
) -> None:
    for alert in sample_alerts:
        finding = detection_finding(closed(alert, resolution))
        assert_valid(finding_validator, finding)
        assert finding["activity_id"] == 3 and finding["activity_name"] == "Close"
        assert finding["type_uid"] == 200403
        expected = 3 if resolution == "benign" else 4
        assert finding["status_id"] == expected
        assert finding["status"] == {3: "Suppressed", 4: "Resolved"}[expected]
        assert finding["is_alert"] is False
        assert "last_seen_time" not in finding["finding_info"]
        assert "created_time" not in finding["finding_info"]
        assert finding["status_detail"].startswith("closed")
        assert finding["unmapped"]["status"] == "closed"
        assert finding["unmapped"].get("resolution") == resolution


@pytest.mark.parametrize("resolution", RESOLUTIONS)
def test_the_closing_version_the_detectors_emit_is_a_valid_close(
    sample_alerts: list[dict[str, Any]],
    finding_validator: Draft202012Validator,
    resolution: str,
) -> None:
    """``alerts.closing``, which the campaign stage uses, as its wire dict."""
    last = next(a for a in reversed(sample_alerts) if a["kind"] == "campaign")
    alert = closing(
        alert_id=last["alert_id"],
        version=last["version"],
        kind="campaign",
        account_ids=tuple(last["account_ids"]),
        ts_ms=parse_rfc3339_ms(last["detected_at"]) + 172_800_000,
        score=last["score"],
        severity=last["severity"],
        resolution=resolution,
        detail="no new evidence for 2 days",
        model_version=last["model_version"],
        campaign_id=last["campaign_id"],
    ).to_wire(T0)
    finding = detection_finding(alert)
    assert_valid(finding_validator, finding)
    assert finding["type_uid"] == 200403
    assert finding["status_id"] == (3 if resolution == "benign" else 4)
    assert finding["finding_info"]["uid"] == last["alert_id"]
    assert finding["metadata"]["sequence"] == last["version"] + 1
    assert finding["unmapped"]["reasons"] == alert["reasons"]


@pytest.mark.parametrize(
    ("version", "status", "resolution", "activity", "state"),
    [
        (1, None, None, 1, 1),
        (1, "open", None, 1, 1),
        (2, None, None, 2, 2),
        (7, "open", None, 2, 2),
        (1, "closed", "quiet", 3, 4),
        (3, "closed", "quiet", 3, 4),
        (3, "closed", "benign", 3, 3),
        (3, "closed", "merged", 3, 4),
        (3, "closed", "abuse", 3, 4),  # not (yet) in the contract: Resolved
        (3, "closed", None, 3, 4),
    ],
)
def test_activity_and_status_ids(
    finding_validator: Draft202012Validator,
    version: int,
    status: str | None,
    resolution: str | None,
    activity: int,
    state: int,
) -> None:
    alert = account_alert(version=version)
    if status is not None:
        alert["status"] = status
    if resolution is not None:
        alert["resolution"] = resolution
    assert activity_id(alert) == activity
    assert status_id(alert) == state
    finding = detection_finding(alert)
    assert (finding["activity_id"], finding["status_id"]) == (activity, state)
    assert finding["type_uid"] == 2004 * 100 + activity
    assert finding["type_name"] == f"Detection Finding: {finding['activity_name']}"
    assert_valid(finding_validator, finding)


@pytest.mark.parametrize(
    ("score", "confidence_id", "percent"),
    [(0.0, 1, 0), (0.4999, 1, 50), (0.5, 2, 50), (0.7999, 2, 80), (0.8, 3, 80), (1.0, 3, 100)],
)
def test_confidence_from_the_score(score: float, confidence_id: int, percent: int) -> None:
    finding = detection_finding(account_alert(score=score))
    assert finding["confidence_id"] == confidence_id
    assert finding["confidence"] == {1: "Low", 2: "Medium", 3: "High"}[confidence_id]
    assert finding["confidence_score"] == percent


def test_a_huge_campaign_lists_a_bounded_number_of_accounts(
    finding_validator: Draft202012Validator,
) -> None:
    members = [f"acct-{i:05d}" for i in range(MAX_ACCOUNTS * 3)]
    finding = detection_finding(campaign_alert(account_ids=members))
    assert_valid(finding_validator, finding)
    accounts = [o["value"] for o in finding["observables"] if o["type_id"] == 35]
    assert accounts == members[:MAX_ACCOUNTS]
    assert finding["unmapped"]["accounts"] == {"total": len(members), "listed": MAX_ACCOUNTS}
    title = finding["finding_info"]["title"]
    assert title == f"Coordinated distillation campaign of {len(members)} accounts"


def test_shared_keys_are_bounded_per_kind_and_malformed_rows_dropped() -> None:
    rows: list[Any] = [[f"t13d{i:04d}_aa", 2] for i in range(MAX_KEYS_PER_KIND + 5)]
    shared = {"tls": [["x", "two"], ["y"], 7, *rows], "net": [["not an ip", 3], ["10.1.2", 3]]}
    finding = detection_finding(campaign_alert(evidence={"shared_keys": shared}))
    tls = [o["value"] for o in finding["observables"] if o["name"] == "evidences.data.tls"]
    assert tls == [v for v, _ in rows[:MAX_KEYS_PER_KIND]]
    subnets = [o["value"] for o in finding["observables"] if o["type_id"] == 12]
    assert subnets == ["10.1.2.0/24"]  # the bad prefix stays evidence data, not a Subnet


def test_an_ipv6_prefix_is_a_slash_48_subnet() -> None:
    shared = {"net": [["2001:db8:1::", 4]]}
    finding = detection_finding(campaign_alert(evidence={"shared_keys": shared}))
    assert [o["value"] for o in finding["observables"] if o["type_id"] == 12] == ["2001:db8:1::/48"]


def test_offset_timestamps_become_utc_epoch_milliseconds() -> None:
    alert = account_alert()
    alert["detected_at"] = "2026-11-23T10:15:02.1149+01:00"
    alert["emitted_at"] = "2026-11-23t09:15:03z"
    finding = detection_finding(alert)
    assert finding["time"] == parse_rfc3339_ms("2026-11-23T09:15:02.114Z")
    assert finding["metadata"]["logged_time"] == parse_rfc3339_ms("2026-11-23T09:15:03.000Z")


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "group"},
        {"severity": "urgent"},
        {"status": "paused"},
        {"resolution": "quiet"},  # an open alert has no resolution
        {"status": "closed", "resolution": 3},
        {"version": 0},
        {"version": True},
        {"score": 1.5},
        {"account_ids": []},
        {"reasons": []},
        {"reasons": [{"code": "x", "detail": "y"}]},
        {"detected_at": "2026-11-23 10:15:02Z"},
        {"emitted_at": None},
        {"model_version": 3},
    ],
)
def test_a_dict_that_breaks_the_contract_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        detection_finding({**account_alert(), **change})


def test_every_resolution_of_the_contract_has_its_own_status_detail() -> None:
    assert set(RESOLUTIONS) == set(OCSF_RESOLUTIONS) == set(ALERT_RESOLUTIONS)
    for resolution, detail in OCSF_RESOLUTIONS.items():
        finding = detection_finding(closed(account_alert(), resolution))
        assert finding["status_detail"] == detail
        assert finding["unmapped"]["resolution"] == resolution
    finding = detection_finding(closed(account_alert(), "abuse"))
    assert finding["status_detail"] == "closed"
    assert finding["unmapped"]["resolution"] == "abuse"


def test_a_campaign_without_its_id_is_refused() -> None:
    alert = campaign_alert()
    del alert["campaign_id"]
    with pytest.raises(ValueError):
        detection_finding(alert)


def test_the_validator_rejects_what_ocsf_does_not_define(
    finding_validator: Draft202012Validator,
) -> None:
    """The tests above would pass vacuously with a lax schema: check it bites."""
    good = detection_finding(account_alert())
    bad = [
        {**good, "type_uid": 200404},
        {**good, "kind": "account"},  # not a class attribute
        {**good, "finding_info": {**good["finding_info"], "campaign_id": "c"}},
        {**good, "observables": [{"name": "x", "value": "y"}]},  # no type_id
        {**good, "evidences": [{"name": "figures"}]},  # none of the at-least-one attributes
        {k: v for k, v in good.items() if k != "metadata"},
    ]
    for finding in bad:
        assert not finding_validator.is_valid(finding)


# --- property: any contract-valid alert ---------------------------------------------------

_text = st.text(max_size=40)
_int64 = st.integers(-(1 << 63), (1 << 63) - 1)
_finite = st.floats(allow_nan=False, allow_infinity=False)
_number = st.one_of(_int64, _finite)
_figure = st.one_of(_number, st.integers(min_value=1 << 64), _text, st.none())
_timestamp = st.integers(MIN_MS, MAX_MS).map(format_rfc3339_ms)
_reason = st.fixed_dictionaries({"code": _text, "detail": _text, "weight": _number})
_accounts = st.lists(_text, min_size=1, max_size=4)
_key_value = st.one_of(_text, st.sampled_from(["192.0.2", "2001:db8::", "t13d_ab", "pf_01"]))
_shared_keys = st.dictionaries(
    st.sampled_from(sorted(KINDS)),
    st.lists(st.tuples(_key_value, st.integers(2, 10_000)).map(list), max_size=6),
    max_size=len(KINDS),
)
_profile = st.fixed_dictionaries(
    {},
    optional={
        "requests": _figure,
        "output_tokens": _figure,
        "first_seen_ms": _figure,
        "last_seen_ms": _figure,
        "confidence": _figure,
        "windows": st.dictionaries(
            st.sampled_from(["300s", "3600s", "86400s"]),
            st.dictionaries(st.sampled_from(["requests", "input_tokens"]), _figure),
        ),
    },
)
_evidence = st.fixed_dictionaries(
    {},
    optional={
        "signals": st.dictionaries(st.sampled_from(SIGNALS), _figure),
        "raw_score": _figure,
        "templated_share": _figure,
        "profile": _profile,
        "workload": st.fixed_dictionaries(
            {},
            optional={
                "system_prompt_hash": st.one_of(st.none(), _text),
                "system_prompt_hashes": st.lists(st.one_of(st.none(), _text), max_size=8),
                "requests": _figure,
                "share_of_requests": _figure,
            },
        ),
        "members": _figure,
        "undecided_members": _figure,
        "tied_members": _figure,
        "tied_account_ids": st.lists(_text, max_size=4),
        "pooled_raw_score": _figure,
        "requests": _figure,
        "link_strength_by_kind": st.dictionaries(st.sampled_from(sorted(KINDS)), _figure),
        "shared_keys": _shared_keys,
    },
)


@st.composite
def contract_alerts(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["account", "campaign"]))
    alert: dict[str, Any] = {
        "alert_id": draw(_text),
        "version": draw(st.integers(1, (1 << 63) - 1)),
        "kind": kind,
        "account_ids": draw(_accounts),
        "detected_at": draw(_timestamp),
        "emitted_at": draw(_timestamp),
        "score": draw(st.one_of(st.floats(0, 1), st.sampled_from([0, 1]))),
        "severity": draw(st.sampled_from(["low", "medium", "high", "critical"])),
        "reasons": draw(st.lists(_reason, min_size=1, max_size=5)),
        "model_version": draw(_text),
    }
    if kind == "campaign":
        alert["campaign_id"] = draw(_text)
    if draw(st.booleans()):
        alert["evidence"] = draw(_evidence)
    status = draw(st.sampled_from([None, "open", "closed"]))
    if status is not None:
        alert["status"] = status
    if status == "closed" and draw(st.booleans()):
        alert["resolution"] = draw(st.sampled_from(RESOLUTIONS))
    return alert


# Where text that is not a contract field could hide: unknown fields at every level, and
# known fields holding the wrong type.
LEAKS = (
    "top-level field",
    "reason field",
    "evidence field",
    "profile field",
    "window field",
    "unknown window",
    "profile figure as text",
    "unknown signal",
    "signal as text",
    "unknown link kind",
    "unknown key kind",
    "malformed key row",
    "system prompt as a key",
    "system prompt in a workload",
)


def leak(alert: dict[str, Any], site: str) -> None:
    """Put MARKER at ``site`` of ``alert``; the alert stays contract-valid."""
    evidence: dict[str, Any] = alert.setdefault("evidence", {})
    profile: dict[str, Any] = evidence.setdefault("profile", {}) if "profile" in site else {}
    if site == "top-level field":
        alert["note"] = MARKER
    elif site == "reason field":
        alert["reasons"][0]["prompt"] = MARKER
    elif site == "evidence field":
        evidence["sample_prompt"] = MARKER
    elif site == "profile field":
        profile["prompt"] = MARKER
    elif site == "profile figure as text":
        profile["requests"] = MARKER
    elif site == "window field":
        windows = evidence.setdefault("profile", {}).setdefault("windows", {})
        windows.setdefault("300s", {})["last_prompt"] = MARKER
    elif site == "unknown window":
        evidence.setdefault("profile", {}).setdefault("windows", {})[MARKER] = {"requests": 1}
    elif site == "unknown signal":
        evidence.setdefault("signals", {})[MARKER] = 0.5
    elif site == "signal as text":
        evidence.setdefault("signals", {})["output_heavy"] = MARKER
    elif site == "unknown link kind":
        evidence.setdefault("link_strength_by_kind", {})[MARKER] = 1.0
    elif site == "unknown key kind":
        evidence.setdefault("shared_keys", {})["prompt"] = [[MARKER, 3]]
    elif site == "malformed key row":
        evidence.setdefault("shared_keys", {}).setdefault("tls", []).insert(0, [MARKER, "3"])
    elif site == "system prompt as a key":
        evidence.setdefault("shared_keys", {}).setdefault("sys", []).insert(0, [MARKER, 3])
    elif site == "system prompt in a workload":
        evidence["workload"] = {"system_prompt_hash": MARKER, "requests": 3, "text": MARKER}
    else:
        raise AssertionError(site)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    alert=contract_alerts(),
    leaks=st.lists(st.sampled_from(LEAKS), max_size=len(LEAKS), unique=True),
)
def test_any_contract_valid_alert_maps_to_a_valid_finding_without_foreign_text(
    finding_validator: Draft202012Validator,
    alert_validator: Draft202012Validator,
    alert: dict[str, Any],
    leaks: list[str],
) -> None:
    assert not [s for s in _all_strings(alert) if MARKER in s]  # never made by chance
    for site in leaks:
        leak(alert, site)
    assert_valid(alert_validator, alert)  # still a contract-valid alert

    finding = detection_finding(alert)
    assert_valid(finding_validator, finding)
    orjson.dumps(finding)
    assert not [s for s in _all_strings(finding) if MARKER in s], leaks

    # What is copied is copied whole: every listed account, the exact score, the reasons.
    listed = alert["account_ids"][:MAX_ACCOUNTS]
    assert [o["value"] for o in finding["observables"] if o["type_id"] == 35] == listed
    assert finding["unmapped"]["accounts"]["total"] == len(alert["account_ids"])
    assert finding["unmapped"]["score"] == alert["score"]
    assert [r["detail"] for r in finding["unmapped"]["reasons"]] == [
        r["detail"] for r in alert["reasons"]
    ]
    assert finding["finding_info"]["uid"] == alert["alert_id"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    alert=contract_alerts(),
    members=st.integers(1, 3 * MAX_ACCOUNTS),
    odd=st.lists(_text, min_size=1, max_size=5),
)
def test_any_number_of_accounts_gives_a_valid_bounded_finding(
    finding_validator: Draft202012Validator, alert: dict[str, Any], members: int, odd: list[str]
) -> None:
    """Kept apart from the property above, whose failures shrink faster on small lists."""
    alert["account_ids"] = [*odd, *(f"acct-{i}" for i in range(members))]
    finding = detection_finding(alert)
    assert_valid(finding_validator, finding)
    total = len(alert["account_ids"])
    listed = min(total, MAX_ACCOUNTS)
    assert finding["unmapped"]["accounts"] == {"total": total, "listed": listed}
    actors = [e for e in finding["evidences"] if e.get("name") == "account"]
    assert len(actors) == listed
    accounts = [o["value"] for o in finding["observables"] if o["type_id"] == 35]
    assert accounts == alert["account_ids"][:MAX_ACCOUNTS]
    if alert["kind"] == "campaign":
        assert str(total) in finding["finding_info"]["title"]


# --- builders -----------------------------------------------------------------------------

T0 = 1_795_420_800_000


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
        evidence={"signals": {"output_heavy": 40.0}, "raw_score": 0.9},
    ).to_wire(T0 + 1_000)
    alert.update(changes)
    return alert


def campaign_alert(**changes: Any) -> dict[str, Any]:
    alert = Alert(
        alert_id="camp-0123456789abcdef0123",
        version=1,
        kind="campaign",
        campaign_id="camp-1795420800000-0123456789ab",
        account_ids=("acct-1", "acct-2", "acct-3"),
        detected_at_ms=T0,
        score=0.6,
        severity="medium",
        reasons=(Reason("coordinated_harvesting", "3 accounts acting together", 0.5),),
        model_version="distillguard-0.1.0/campaign-v2",
        evidence={"members": 3, "shared_keys": {"tls": [["t13d_ab", 3]]}},
    ).to_wire(T0 + 1_000)
    alert.update(changes)
    return alert


def test_a_campaigns_undecided_and_tied_member_counts_reach_the_soc() -> None:
    evidence: dict[str, Any] = {"members": 5, "undecided_members": 1, "tied_members": 2}
    evidence["tied_account_ids"] = ["acct-2", "acct-3"]
    figures = detection_finding(campaign_alert(evidence=evidence))["evidences"][0]["data"]
    assert figures["undecided_members"] == 1 and figures["tied_members"] == 2


def test_each_pooled_workloads_system_prompt_is_an_observable() -> None:
    workload = {
        "system_prompt_hash": "sp-heavy",
        "system_prompt_hashes": ["sp-heavy", "sp-light", None],
        "requests": 120,
        "share_of_requests": 0.2,
    }
    finding = detection_finding(account_alert(evidence={"workload": workload}))
    hashes = [
        o["value"]
        for o in finding["observables"]
        if o["name"] == "evidences.data.workload.system_prompt_hash"
    ]
    assert hashes == ["sp-heavy", "sp-light"]
    single = dict(workload, system_prompt_hashes=None)
    del single["system_prompt_hashes"]
    finding = detection_finding(account_alert(evidence={"workload": single}))
    assert [o["value"] for o in finding["observables"] if o["type_id"] == 8] == ["sp-heavy"]
