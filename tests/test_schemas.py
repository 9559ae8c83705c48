"""The alert and feedback schemas encode the wire contract: accept valid, reject invalid.

Validation is with format assertion (``format_checker=FORMAT_CHECKER``), as consumers are
told to validate; ``date-time`` needs the ``rfc3339-validator`` package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
DROP = object()  # marks a field to delete in a variant


def load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return schema


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load(name), format_checker=FORMAT_CHECKER)


def variant(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    doc = {**base, **changes}
    return {k: v for k, v in doc.items() if v is not DROP}


def test_date_time_format_is_checked() -> None:
    assert "date-time" in FORMAT_CHECKER.checkers, "pip install rfc3339-validator"


@pytest.mark.parametrize(
    "name", ["api-call-event.schema.json", "alert.schema.json", "feedback.schema.json"]
)
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://distillguard.dev/schemas/v1/{name}"


def test_shared_date_time_definition_is_identical() -> None:
    """The three schemas are self-contained, so the RFC 3339 definition is copied: keep it equal."""
    pattern = load("api-call-event.schema.json")["$defs"]["rfc3339"]["pattern"]
    for name in ["alert.schema.json", "feedback.schema.json"]:
        assert load(name)["$defs"]["rfc3339"]["pattern"] == pattern


# --- alert ---------------------------------------------------------------------------------
ALERT: dict[str, Any] = {
    "alert_id": "al-7f3a",
    "version": 1,
    "kind": "account",
    "account_ids": ["acct-1"],
    "detected_at": "2026-11-23T10:15:02.114Z",
    "emitted_at": "2026-11-23T10:15:03.000Z",
    "score": 0.87,
    "severity": "high",
    "reasons": [{"code": "high_output_ratio", "detail": "output/input 9.1x", "weight": 0.4}],
    "model_version": "rules-v1+hst-2026.11",
}
CAMPAIGN = {
    **ALERT,
    "kind": "campaign",
    "campaign_id": "camp-19",
    "account_ids": ["acct-1", "acct-2", "acct-3"],
    "version": 4,
    "severity": "critical",
    "evidence": {"shared_payment_fingerprints": 1, "cluster_size": 3, "rates": [0.2, 0.4]},
}


@pytest.mark.parametrize(
    "doc",
    [
        ALERT,
        CAMPAIGN,
        variant(ALERT, {"score": 0}),
        variant(ALERT, {"score": 1}),
        variant(ALERT, {"score": 1.0, "version": 2.0}),  # 2.0 is an integer in 2020-12
        variant(ALERT, {"severity": "low"}),
        variant(ALERT, {"severity": "medium"}),
        variant(ALERT, {"campaign_id": "camp-1"}),  # allowed on an account alert too
        variant(ALERT, {"evidence": {}}),
        variant(ALERT, {"detected_at": "2026-11-23T11:15:02+01:00"}),
        variant(ALERT, {"reasons": [{"code": "c", "detail": "", "weight": -1, "extra": True}]}),
        variant(ALERT, {"future_field": [1, 2]}),  # additive fields allowed
    ],
)
def test_alert_accepts(doc: dict[str, Any]) -> None:
    validator("alert.schema.json").validate(doc)


@pytest.mark.parametrize(
    "changes",
    [
        {"alert_id": DROP},
        {"alert_id": 7},
        {"version": DROP},
        {"version": 0},
        {"version": 1.5},
        {"version": True},
        {"kind": "group"},
        {"kind": DROP},
        {"kind": "campaign"},  # campaign without campaign_id
        {"kind": "campaign", "campaign_id": None},
        {"campaign_id": 5},
        {"account_ids": []},
        {"account_ids": "acct-1"},
        {"account_ids": ["acct-1", 2]},
        {"account_ids": DROP},
        {"detected_at": "2026-02-30T00:00:00Z"},
        {"detected_at": "2026-11-23 10:15:02Z"},
        {"detected_at": 1_795_428_902_114},
        {"emitted_at": "2026-11-23T10:15:03Z\n"},
        {"emitted_at": DROP},
        {"score": 1.01},
        {"score": -0.01},
        {"score": "0.5"},
        {"score": False},
        {"severity": "High"},
        {"severity": DROP},
        {"reasons": []},
        {"reasons": DROP},
        {"reasons": ["high_output_ratio"]},
        {"reasons": [{"code": "c", "detail": "d"}]},
        {"reasons": [{"code": "c", "weight": 1}]},
        {"reasons": [{"detail": "d", "weight": 1}]},
        {"reasons": [{"code": 1, "detail": "d", "weight": 1}]},
        {"reasons": [{"code": "c", "detail": "d", "weight": "1"}]},
        {"evidence": "none"},
        {"evidence": None},
        {"model_version": DROP},
        {"model_version": 3},
    ],
)
def test_alert_rejects(changes: dict[str, Any]) -> None:
    assert not validator("alert.schema.json").is_valid(variant(ALERT, changes))


def test_campaign_requires_campaign_id() -> None:
    assert not validator("alert.schema.json").is_valid(variant(CAMPAIGN, {"campaign_id": DROP}))


def test_alert_rejects_non_object() -> None:
    assert not validator("alert.schema.json").is_valid([ALERT])


# --- feedback ------------------------------------------------------------------------------
FEEDBACK: dict[str, Any] = {
    "account_id": "acct-1",
    "verdict": "abuse",
    "analyst": "soc-alice",
    "ts": "2026-11-24T08:00:00Z",
    "note": "confirmed with billing",
}


@pytest.mark.parametrize(
    "doc",
    [
        FEEDBACK,
        variant(FEEDBACK, {"verdict": "benign", "analyst": DROP, "note": DROP}),
        variant(FEEDBACK, {"account_id": DROP, "campaign_id": "camp-19"}),
        variant(FEEDBACK, {"campaign_id": "camp-19"}),  # both
        variant(FEEDBACK, {"ts": "2026-11-24t08:00:00.5+05:30"}),
        variant(FEEDBACK, {"alert_id": "al-7f3a"}),  # additive fields allowed
    ],
)
def test_feedback_accepts(doc: dict[str, Any]) -> None:
    validator("feedback.schema.json").validate(doc)


@pytest.mark.parametrize(
    "changes",
    [
        {"account_id": DROP},  # neither account_id nor campaign_id
        {"account_id": DROP, "campaign_id": None},
        {"account_id": 1},
        {"campaign_id": 1},
        {"verdict": DROP},
        {"verdict": "fraud"},
        {"verdict": "Abuse"},
        {"ts": DROP},
        {"ts": "yesterday"},
        {"ts": "2026-02-29T00:00:00Z"},  # 2026 is not a leap year
        {"ts": 1_795_428_902_114},
        {"analyst": 5},
        {"note": ["x"]},
    ],
)
def test_feedback_rejects(changes: dict[str, Any]) -> None:
    assert not validator("feedback.schema.json").is_valid(variant(FEEDBACK, changes))
