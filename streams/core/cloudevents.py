"""CloudEvents 1.0 binary-mode Kafka headers for the records an alert produces.

The record value stays the plain JSON document (the alert, or its OCSF finding); the
event's attributes travel as ``ce_``-prefixed headers (the CloudEvents Kafka protocol
binding, binary content mode), so consumers that know CloudEvents can route and
de-duplicate without parsing the value, and those that don't read the value unchanged.

Two kinds of records, one per topic:

=================  ================================================  ===========================
record             ``ce_type``                                       ``ce_id``
=================  ================================================  ===========================
alert (alerts)     ``dev.distillguard.alert.account.v1`` or          ``<alert_id>.<version>``
                   ``dev.distillguard.alert.campaign.v1``
OCSF mirror        ``dev.distillguard.ocsf.detection_finding.v1``    ``<alert_id>.<version>.ocsf``
(alerts-ocsf)
=================  ================================================  ===========================

Every emission of an alert has a new version (its closing one too), so the ids are unique
per record; a retry of the same record gets the same id, which is what CloudEvents'
``source`` + ``id`` de-duplication wants. The other attributes:

* ``ce_specversion``: ``1.0``;
* ``ce_source``: ``urn:distillguard:<app_id>`` (the worker's app id, percent-encoded);
* ``ce_time``: the alert's ``emitted_at`` (RFC 3339, wall clock of emission), as it is;
* ``ce_dataschema``: the alert schema's ``$id``, or the OCSF 1.5.0 Detection Finding
  class schema;
* ``ce_subject``: the campaign id, or the account of a lone-account alert;
* ``content-type``: ``application/json`` (the binding maps ``datacontenttype`` to it).

Header values are UTF-8 bytes, in the runtime's ``Headers`` shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import quote

from streams.core.ocsf import OCSF_VERSION
from streams.core.timeutil import parse_rfc3339_ms

__all__ = [
    "ALERT_DATASCHEMA",
    "CONTENT_TYPE",
    "OCSF_DATASCHEMA",
    "OCSF_TYPE",
    "SPECVERSION",
    "Headers",
    "alert_headers",
    "alert_type",
    "event_id",
    "ocsf_headers",
    "source",
]

Headers = list[tuple[str, bytes]]

SPECVERSION: Final = "1.0"
CONTENT_TYPE: Final = "application/json"
ALERT_DATASCHEMA: Final = "https://distillguard.dev/schemas/v1/alert.schema.json"
OCSF_DATASCHEMA: Final = f"https://schema.ocsf.io/schema/{OCSF_VERSION}/classes/detection_finding"
OCSF_TYPE: Final = "dev.distillguard.ocsf.detection_finding.v1"
_ALERT_TYPES: Final = {
    "account": "dev.distillguard.alert.account.v1",
    "campaign": "dev.distillguard.alert.campaign.v1",
}


def alert_headers(alert: Mapping[str, Any], app_id: str) -> Headers:
    """The headers of the alert record itself (the wire-contract JSON on ``alerts``)."""
    return _headers(alert, app_id, event_id(alert), alert_type(alert), ALERT_DATASCHEMA)


def ocsf_headers(alert: Mapping[str, Any], app_id: str) -> Headers:
    """The headers of the alert's OCSF mirror record, built from the alert it mirrors."""
    return _headers(alert, app_id, event_id(alert, ocsf=True), OCSF_TYPE, OCSF_DATASCHEMA)


def event_id(alert: Mapping[str, Any], *, ocsf: bool = False) -> str:
    """``<alert_id>.<version>[.ocsf]``: unique per record, equal across retries."""
    alert_id, version = alert.get("alert_id"), alert.get("version")
    if not isinstance(alert_id, str) or not alert_id:
        raise ValueError("alert_id is missing or empty")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("alert version is not an integer >= 1")
    return f"{alert_id}.{version}.ocsf" if ocsf else f"{alert_id}.{version}"


def alert_type(alert: Mapping[str, Any]) -> str:
    """``dev.distillguard.alert.<kind>.v1``."""
    kind = alert.get("kind")
    if kind not in _ALERT_TYPES:
        raise ValueError("alert kind is neither account nor campaign")
    return _ALERT_TYPES[kind]


def source(app_id: str) -> str:
    """``urn:distillguard:<app_id>``, the app id percent-encoded so the URN stays valid."""
    if not app_id:
        raise ValueError("app_id is empty")
    return "urn:distillguard:" + quote(app_id, safe="-._~")


def _headers(
    alert: Mapping[str, Any], app_id: str, ce_id: str, ce_type: str, dataschema: str
) -> Headers:
    emitted_at = alert.get("emitted_at")
    if not isinstance(emitted_at, str):
        raise ValueError("alert emitted_at is missing")
    parse_rfc3339_ms(emitted_at)  # ce_time must be RFC 3339: ValueError otherwise
    headers = [
        ("ce_specversion", SPECVERSION),
        ("ce_id", ce_id),
        ("ce_source", source(app_id)),
        ("ce_type", ce_type),
        ("ce_time", emitted_at),
        ("ce_dataschema", dataschema),
    ]
    subject = _subject(alert)
    if subject is not None:
        headers.append(("ce_subject", subject))
    headers.append(("content-type", CONTENT_TYPE))
    return [(name, value.encode("utf-8")) for name, value in headers]


def _subject(alert: Mapping[str, Any]) -> str | None:
    """The campaign id, or the one account of a lone-account alert; None otherwise."""
    campaign_id = alert.get("campaign_id")
    if alert.get("kind") == "campaign" and isinstance(campaign_id, str) and campaign_id:
        return campaign_id
    accounts = alert.get("account_ids")
    if (
        alert.get("kind") == "account"
        and isinstance(accounts, list)
        and len(accounts) == 1
        and isinstance(accounts[0], str)
        and accounts[0]
    ):
        return accounts[0]
    return None
