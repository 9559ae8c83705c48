"""An alert as an OCSF 1.5.0 Detection Finding (class 2004), for SIEM and SOC tooling.

Platform teams read the wire contract's alert; security tooling speaks OCSF. This module
maps one alert (the dict ``Alert.to_wire`` returns, ``schemas/alert.schema.json``) to one
finding, purely: same alert, same finding, no I/O, no clock.

Where each wire field goes:

* ``alert_id`` -> ``finding_info.uid`` (stable across versions, so a SIEM folds the
  versions of one alert into one finding); ``campaign_id`` -> ``finding_info.uid_alt``;
  ``model_version`` -> ``finding_info.analytic.version``; ``version`` ->
  ``metadata.sequence`` and ``metadata.uid`` (``<alert_id>/<version>``).
* ``detected_at`` (event time) -> ``time``; ``emitted_at`` (wall clock) ->
  ``metadata.logged_time``. ``finding_info.created_time``/``first_seen_time`` only on the
  first version (later versions do not carry the first detection time);
  ``last_seen_time`` while the alert is open; an account's first/last request seen by the
  detector (its evidence profile) -> ``start_time``/``end_time``.
* ``version``/``status``/``resolution`` -> ``activity_id`` (1 Create: open, version 1;
  2 Update: open, later versions; 3 Close: closed) and ``status_id`` (1 New, 2 In
  Progress, 3 Suppressed: closed as benign, 4 Resolved: closed otherwise, i.e. quiet,
  merged or a resolution added later); ``resolution`` is spelled out in ``status_detail``.
* ``severity`` -> ``severity_id`` (2 Low .. 5 Critical); ``score`` ->
  ``confidence_score`` (percent) and ``confidence_id`` (Low < 0.5 <= Medium < 0.8 <= High).
* ``reasons`` -> ``finding_info.desc`` (their details) and ``evidences[0].data``
  (codes and weights, with the evidence figures).
* ``account_ids`` -> one ``evidences`` entry per account (``actor.user.account.uid``) and
  an observable of type 35 (Account Object: uid); at most ``MAX_ACCOUNTS`` are listed,
  ``unmapped.accounts`` says how many there were.
* a campaign's shared keys -> one ``evidences`` entry per key (``data.<kind>`` and the
  holder count), and observables: network prefixes as 12 Subnet (CIDR), user agents as
  16 HTTP User-Agent (also ``http_request.user_agent``), TLS and payment fingerprints and
  system prompt hashes as 8 Hash.
* ``kind``, ``version``, ``status``, ``resolution``, the exact ``score`` and the
  ``reasons`` list -> ``unmapped``, so nothing of the alert is lost.

Only fields the contract defines are copied, each by name and type: evidence figures are
numbers, shared keys are the key kinds of ``streams.core.linking.KINDS``, and a system
prompt hash that does not look like a hash is dropped. An unknown field,
at any depth, is dropped rather than copied, so text that some future producer put there
(prompt text above all) can never reach the finding. A dict that breaks the contract
(unknown kind, severity or status, a resolution on an open alert, a bad timestamp, a
missing field) raises ValueError.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Mapping
from typing import Any, Final

from streams import __version__
from streams.core.linking import KINDS
from streams.core.scoring import SIGNALS
from streams.core.timeutil import parse_rfc3339_ms
from streams.core.windows import METRICS, WINDOWS_S
from streams.core.workloads import MAX_WORKLOADS

__all__ = [
    "CLASS_UID",
    "MAX_ACCOUNTS",
    "MAX_KEYS_PER_KIND",
    "OCSF_VERSION",
    "RESOLUTIONS",
    "activity_id",
    "detection_finding",
    "status_id",
]

OCSF_VERSION: Final = "1.5.0"
CLASS_UID: Final = 2004  # Detection Finding
CATEGORY_UID: Final = 2  # Findings
# A campaign can have thousands of members; a finding lists this many (the first, in the
# alert's order) so one record stays well under Kafka's default 1 MB message limit.
MAX_ACCOUNTS: Final = 500
MAX_KEYS_PER_KIND: Final = 20  # shared keys listed per key kind (the detector lists 5)

PRODUCT: Final = "distillguard"
API_ACCOUNT: Final = "Model API account"  # account.type of the alerted accounts (type_id 99)
STATUSES: Final = ("open", "closed")
# status_detail of a closed finding, by resolution; any other resolution a later contract
# adds is Resolved with a generic detail (an additive change must not break the mirror).
RESOLUTIONS: Final[dict[str, str]] = {
    "quiet": "closed: no new evidence for the configured event-time quiet period",
    "benign": "closed: an analyst's benign verdict (a false positive); suppressed",
    "merged": "closed: its members now belong to another campaign",
}

_ACTIVITIES: Final = {1: "Create", 2: "Update", 3: "Close"}
_STATUSES: Final = {1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved"}
_SEVERITIES: Final = {
    "low": (2, "Low"),
    "medium": (3, "Medium"),
    "high": (4, "High"),
    "critical": (5, "Critical"),
}
_CONFIDENCES: Final = {1: "Low", 2: "Medium", 3: "High"}

# The detectors: analytic uid, name and OCSF analytic type (2 Behavioral: one account's
# actions against the harvesting pattern; 3 Statistical: accounts correlated through
# weighted, decaying shared-key evidence and a pooled score).
_ANALYTICS: Final = {
    "account": ("distillguard/account", "Distillation harvesting by one account", 2, "Behavioral"),
    "campaign": ("distillguard/campaign", "Coordinated distillation campaign", 3, "Statistical"),
}

# Observable type ids of OCSF 1.5.0 (observable.type_id) and their captions.
_OBS_HASH: Final = (8, "Hash")
_OBS_SUBNET: Final = (12, "Subnet")
_OBS_USER_AGENT: Final = (16, "HTTP User-Agent")
_OBS_ACCOUNT_UID: Final = (35, "Account Object: uid")
# Key kinds that become observables (the others stay in the evidence data only).
_KIND_OBSERVABLE: Final = {"pay": _OBS_HASH, "tls": _OBS_HASH, "sys": _OBS_HASH}

# The contract's evidence figures, by name (all numbers).
_ACCOUNT_FIGURES: Final = ("raw_score", "templated_share")
_CAMPAIGN_FIGURES: Final = (
    "members",
    "pooled_raw_score",
    "requests",
    "undecided_members",
    "tied_members",
)
_PROFILE_FIGURES: Final = (
    "requests",
    "input_tokens",
    "output_tokens",
    "errors",
    "distinct_ips",
    "distinct_asns",
    "account_age_s",
    "first_seen_ms",
    "last_seen_ms",
    "raw_score",
    "confidence",
)
_WINDOWS: Final = tuple(f"{w}s" for w in WINDOWS_S)
_WORKLOAD_FIGURES: Final = ("requests", "share_of_requests")
_INT64: Final = 1 << 63
# The one field named after a prompt is a hash by the event contract; a value that does
# not look like one (a producer's mistake) is dropped rather than copied.
_HASHLIKE: Final = re.compile(r"[0-9A-Za-z_.:+/=-]{1,256}")


def activity_id(alert: Mapping[str, Any]) -> int:
    """1 Create (open, version 1), 2 Update (open, later version), 3 Close (closed)."""
    if _status(alert) == "closed":
        return 3
    return 1 if _version(alert) == 1 else 2


def status_id(alert: Mapping[str, Any]) -> int:
    """1 New, 2 In Progress (open), 3 Suppressed (closed as benign), 4 Resolved."""
    if _status(alert) == "closed":
        return 3 if _resolution(alert) == "benign" else 4
    return 1 if _version(alert) == 1 else 2


def detection_finding(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The OCSF 1.5.0 Detection Finding of one wire-contract alert (see the module doc)."""
    alert_id = _str(alert, "alert_id")
    version = _version(alert)
    kind = _str(alert, "kind")
    if kind not in _ANALYTICS:
        raise ValueError("alert kind is neither account nor campaign")
    status = _status(alert)
    resolution = _resolution(alert)
    severity = _str(alert, "severity")
    if severity not in _SEVERITIES:
        raise ValueError("alert severity is not one of low, medium, high, critical")
    score = alert["score"]
    if not _is_number(score) or not 0 <= score <= 1:
        raise ValueError("alert score is not a number in 0..1")
    accounts = alert["account_ids"]
    if not isinstance(accounts, list) or not accounts:
        raise ValueError("alert account_ids is not a non-empty list")
    account_ids = [a for a in accounts if isinstance(a, str)]
    if len(account_ids) != len(accounts):
        raise ValueError("alert account_ids holds a non-string")
    campaign_id = alert.get("campaign_id")
    if kind == "campaign" and not isinstance(campaign_id, str):
        raise ValueError("campaign alert without a campaign_id")
    detected_ms = parse_rfc3339_ms(_str(alert, "detected_at"))
    emitted_ms = parse_rfc3339_ms(_str(alert, "emitted_at"))
    model_version = _str(alert, "model_version")
    reasons = _reasons(alert.get("reasons"))
    raw_evidence = alert.get("evidence")
    evidence: Mapping[str, Any] = raw_evidence if isinstance(raw_evidence, Mapping) else {}

    activity, state = activity_id(alert), status_id(alert)
    severity_id, severity_name = _SEVERITIES[severity]
    confidence_id = 1 if score < 0.5 else 2 if score < 0.8 else 3
    title = _title(kind, len(account_ids))
    analytic_uid, analytic_name, analytic_type_id, analytic_type = _ANALYTICS[kind]

    finding_info: dict[str, Any] = {
        "uid": alert_id,
        "title": title,
        "desc": "; ".join(r["detail"] for r in reasons),
        "types": [f"distillation/{kind}"],
        "analytic": {
            "uid": analytic_uid,
            "name": analytic_name,
            "type_id": analytic_type_id,
            "type": analytic_type,
            "version": model_version,
        },
        "modified_time": detected_ms,
    }
    if kind == "campaign":
        finding_info["uid_alt"] = campaign_id
    if activity == 1:
        finding_info["created_time"] = detected_ms
        finding_info["first_seen_time"] = detected_ms
    if status == "open":
        finding_info["last_seen_time"] = detected_ms

    listed = account_ids[:MAX_ACCOUNTS]
    key_evidences, key_observables = _shared_keys(evidence.get("shared_keys"))
    figures = _figures(evidence)
    figures_evidence: dict[str, Any] = {
        "name": "figures",
        "data": {"reasons": [{"code": r["code"], "weight": r["weight"]} for r in reasons]}
        | figures,
    }
    account_evidences = [{"name": "account", "actor": _actor(a)} for a in listed]
    observables = [
        _observable("evidences.actor.user.account.uid", _OBS_ACCOUNT_UID, a) for a in listed
    ]
    observables += key_observables
    workload = figures.get("workload")
    if isinstance(workload, dict):
        # One alerted workload's system-prompt hash, or each of several pooled ones.
        hashes = workload.get("system_prompt_hashes")
        if not isinstance(hashes, list):
            hashes = [workload.get("system_prompt_hash")]
        observables += [
            _observable("evidences.data.workload.system_prompt_hash", _OBS_HASH, h)
            for h in hashes
            if isinstance(h, str)
        ]

    unmapped: dict[str, Any] = {
        "kind": kind,
        "version": version,
        "status": status,
        "score": score,
        "reasons": reasons,
        "accounts": {"total": len(account_ids), "listed": len(listed)},
    }
    if resolution is not None:
        unmapped["resolution"] = resolution

    finding: dict[str, Any] = {
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "activity_id": activity,
        "activity_name": _ACTIVITIES[activity],
        "type_uid": CLASS_UID * 100 + activity,
        "type_name": f"Detection Finding: {_ACTIVITIES[activity]}",
        "time": detected_ms,
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": state,
        "status": _STATUSES[state],
        "confidence_id": confidence_id,
        "confidence": _CONFIDENCES[confidence_id],
        "confidence_score": round(score * 100),
        "is_alert": status == "open",
        "message": title if status == "open" else f"{title}, closed",
        "finding_info": finding_info,
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": PRODUCT, "vendor_name": PRODUCT, "version": __version__},
            "uid": f"{alert_id}/{version}",
            "sequence": version,
            "logged_time": emitted_ms,
        },
        "observables": observables,
        "evidences": [figures_evidence, *key_evidences, *account_evidences],
        "unmapped": unmapped,
    }
    if status == "closed":
        finding["status_detail"] = RESOLUTIONS.get(resolution or "", "closed")
    profile = figures.get("profile")
    if isinstance(profile, dict):
        if isinstance(profile.get("first_seen_ms"), int):
            finding["start_time"] = profile["first_seen_ms"]
        if isinstance(profile.get("last_seen_ms"), int):
            finding["end_time"] = profile["last_seen_ms"]
    return finding


# --- reading the wire dict ---------------------------------------------------------------


def _str(alert: Mapping[str, Any], name: str) -> str:
    value = alert.get(name)
    if not isinstance(value, str):
        raise ValueError(f"alert {name} is missing or not a string")
    return value


def _version(alert: Mapping[str, Any]) -> int:
    version = alert.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError("alert version is not an integer >= 1")
    return version


def _status(alert: Mapping[str, Any]) -> str:
    status = alert.get("status", "open")
    if status not in STATUSES:
        raise ValueError("alert status is neither open nor closed")
    return str(status)


def _resolution(alert: Mapping[str, Any]) -> str | None:
    """The resolution of a closed alert (None if it gave none); an open alert has none."""
    resolution = alert.get("resolution")
    if resolution is None:
        return None
    if _status(alert) != "closed":
        raise ValueError("an open alert has no resolution")
    if not isinstance(resolution, str):
        raise ValueError("alert resolution is not a string")
    return resolution


def _reasons(raw: Any) -> list[dict[str, Any]]:
    """The contract's reasons, each as exactly ``{code, detail, weight}``."""
    if not isinstance(raw, list) or not raw:
        raise ValueError("alert reasons is not a non-empty list")
    reasons = []
    for reason in raw:
        if not (
            isinstance(reason, Mapping)
            and isinstance(reason.get("code"), str)
            and isinstance(reason.get("detail"), str)
            and _is_number(reason.get("weight"))
        ):
            raise ValueError("an alert reason is not {code, detail, weight}")
        reasons.append(
            {"code": reason["code"], "detail": reason["detail"], "weight": reason["weight"]}
        )
    return reasons


def _is_number(value: Any) -> bool:
    """A JSON number orjson can write: finite, and an int within 64 bits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    return isinstance(value, float) and math.isfinite(value)


def _numbers(source: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named number fields of ``source`` (nothing else, never a string)."""
    if not isinstance(source, Mapping):
        return {}
    return {n: source[n] for n in names if _is_number(source.get(n))}


def _figures(evidence: Mapping[str, Any]) -> dict[str, Any]:
    """The evidence figures the contract defines, field by field (shared keys apart)."""
    figures = _numbers(evidence, _ACCOUNT_FIGURES + _CAMPAIGN_FIGURES)
    signals = _numbers(evidence.get("signals"), SIGNALS)
    if signals:
        figures["signals"] = signals
    strengths = _numbers(evidence.get("link_strength_by_kind"), tuple(KINDS))
    if strengths:
        figures["link_strength_by_kind"] = strengths
    raw_profile = evidence.get("profile")
    if isinstance(raw_profile, Mapping):
        profile = _numbers(raw_profile, _PROFILE_FIGURES)
        raw_windows = raw_profile.get("windows")
        if isinstance(raw_windows, Mapping):
            windows = {w: _numbers(raw_windows.get(w), METRICS) for w in _WINDOWS}
            profile["windows"] = {w: counts for w, counts in windows.items() if counts}
        figures["profile"] = profile
    raw_workload = evidence.get("workload")
    if isinstance(raw_workload, Mapping):
        workload = _numbers(raw_workload, _WORKLOAD_FIGURES)
        prompt_hash = raw_workload.get("system_prompt_hash")
        if isinstance(prompt_hash, str) and _HASHLIKE.fullmatch(prompt_hash):
            workload["system_prompt_hash"] = prompt_hash
        pooled = raw_workload.get("system_prompt_hashes")
        if isinstance(pooled, list):  # several workloads alerted together
            workload["system_prompt_hashes"] = [
                h for h in pooled[:MAX_WORKLOADS] if isinstance(h, str) and _HASHLIKE.fullmatch(h)
            ]
        figures["workload"] = workload
    return figures


# --- shared keys -> evidences and observables -------------------------------------------


def _shared_keys(raw: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One evidence per listed shared key, and the observables of the kinds that have one.

    ``shared_keys`` is ``{kind: [[key value, holders], ...]}``; kinds outside KINDS and
    malformed rows are dropped.
    """
    evidences: list[dict[str, Any]] = []
    observables: list[dict[str, Any]] = []
    if not isinstance(raw, Mapping):
        return evidences, observables
    for kind in KINDS:
        rows = raw.get(kind)
        if not isinstance(rows, list):
            continue
        listed = 0
        for row in rows:
            if listed >= MAX_KEYS_PER_KIND:
                break
            if not (
                isinstance(row, list)
                and len(row) == 2
                and isinstance(row[0], str)
                and _is_number(row[1])
            ):
                continue
            value, holders = row
            if kind == "sys" and not _HASHLIKE.fullmatch(value):
                continue
            listed += 1
            data: dict[str, Any] = {"kind": kind, kind: value, "holders": holders}
            item: dict[str, Any] = {"name": f"shared_{kind}", "data": data}
            if kind == "net":
                subnet = _cidr(value)
                if subnet is not None:
                    data["subnet"] = subnet
                    observables.append(_observable("evidences.data.subnet", _OBS_SUBNET, subnet))
            elif kind == "ua":
                item["http_request"] = {"user_agent": value}
                observables.append(
                    _observable("evidences.http_request.user_agent", _OBS_USER_AGENT, value)
                )
            elif kind in _KIND_OBSERVABLE:
                observables.append(
                    _observable(f"evidences.data.{kind}", _KIND_OBSERVABLE[kind], value)
                )
            evidences.append(item)
    return evidences, observables


def _cidr(prefix: str) -> str | None:
    """A ``net`` key (``a.b.c`` for an IPv4 /24, an IPv6 /48 address) in CIDR notation."""
    text = f"{prefix}.0/24" if prefix.count(".") == 2 else f"{prefix}/48"
    try:
        return str(ipaddress.ip_network(text, strict=True))
    except ValueError:
        return None


def _actor(account_id: str) -> dict[str, Any]:
    """An alerted account as the actor of the finding (account type 99: a model API's)."""
    return {"user": {"account": {"uid": account_id, "type_id": 99, "type": API_ACCOUNT}}}


def _observable(name: str, kind: tuple[int, str], value: str) -> dict[str, Any]:
    type_id, caption = kind
    return {"name": name, "type_id": type_id, "type": caption, "value": value}


def _title(kind: str, accounts: int) -> str:
    if kind == "account":
        return "Distillation harvesting by one account"
    noun = "account" if accounts == 1 else "accounts"
    return f"Coordinated distillation campaign of {accounts} {noun}"
