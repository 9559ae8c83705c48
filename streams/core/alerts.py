"""Alerts as the wire contract defines them, built from detector findings.

The core decides everything about an alert except ``emitted_at`` (wall clock), which the
shell stamps when it sends: the core stays deterministic given the input order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

from streams.core.timeutil import format_rfc3339_ms

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")

# Lifecycle: an alert is open while its finding evolves (create, then updates); its last
# version closes it, saying why.
OPEN = "open"
CLOSED = "closed"
QUIET = "quiet"  # no activity for the configured event-time period
BENIGN = "benign"  # an analyst's verdict: a false positive (suppressed for a while)
MERGED = "merged"  # a campaign whose members now belong to another campaign
RESOLUTIONS: tuple[str, ...] = (QUIET, BENIGN, MERGED)


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    detail: str
    weight: float

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail, "weight": self.weight}


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    version: int
    kind: str
    account_ids: tuple[str, ...]
    detected_at_ms: int
    score: float
    severity: str
    reasons: tuple[Reason, ...]
    model_version: str
    evidence: dict[str, Any] = field(default_factory=dict)
    campaign_id: str | None = None
    status: str = OPEN
    resolution: str | None = None  # why it closed (closed alerts only)

    def to_wire(self, emitted_at_ms: int) -> dict[str, Any]:
        """The contract's JSON object; ``emitted_at_ms`` is the wall-clock send time."""
        wire: dict[str, Any] = {
            "alert_id": self.alert_id,
            "version": self.version,
            "kind": self.kind,
            "account_ids": list(self.account_ids),
            "detected_at": format_rfc3339_ms(self.detected_at_ms),
            "emitted_at": format_rfc3339_ms(emitted_at_ms),
            "score": self.score,
            "severity": self.severity,
            "reasons": [r.to_wire() for r in self.reasons],
            "evidence": self.evidence,
            "model_version": self.model_version,
        }
        if self.campaign_id is not None:
            wire["campaign_id"] = self.campaign_id
        wire["status"] = self.status
        if self.resolution is not None:
            wire["resolution"] = self.resolution
        return wire


def closing(
    *,
    alert_id: str,
    version: int,
    kind: str,
    account_ids: tuple[str, ...],
    ts_ms: int,
    score: float,
    severity: str,
    resolution: str,
    detail: str,
    model_version: str,
    campaign_id: str | None = None,
) -> Alert:
    """The last version of an alert: same id, ``version`` + 1, status closed and why."""
    return Alert(
        alert_id=alert_id,
        version=version + 1,
        kind=kind,
        account_ids=account_ids,
        detected_at_ms=ts_ms,
        score=round(score, 4),
        severity=severity,
        reasons=(Reason(f"closed_{resolution}", detail, 0.0),),
        model_version=model_version,
        campaign_id=campaign_id,
        status=CLOSED,
        resolution=resolution,
    )


def account_alert_id(account_id: str, detector: str, raised_ms: int) -> str:
    """Stable id of one finding: the same account, detector and first detection time."""
    digest = blake2b(f"{detector}\x1f{account_id}\x1f{raised_ms}".encode(), digest_size=10)
    return f"acct-{digest.hexdigest()}"
