"""Judging a run against labels: recall, false positives, per population and campaign.

Labels are read here and only here: detectors never see them.
"""

from __future__ import annotations

import bisect
import csv
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.core.timeutil import format_rfc3339_ms, parse_rfc3339_ms


@dataclass(frozen=True, slots=True)
class Label:
    label: str  # "attack" or "benign"
    campaign_id: str
    population: str


def load_labels(path: Path) -> dict[str, Label]:
    """The labels CSV of the contract: ``account_id,label,campaign_id,population``."""
    labels: dict[str, Label] = {}
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"account_id", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: labels file lacks column(s) {sorted(missing)}")
        for row in reader:
            label = (row.get("label") or "").strip()
            if label not in ("attack", "benign"):
                raise ValueError(f"{path}: label must be attack or benign, got {label!r}")
            labels[row["account_id"]] = Label(
                label,
                (row.get("campaign_id") or "").strip(),
                (row.get("population") or "").strip()
                or ("attack" if label == "attack" else "benign"),
            )
    return labels


@dataclass
class Tally:
    """What the evaluation needs of the stream itself: who was active, and when each
    campaign's exchanges were served (to count those served before its first alert)."""

    labels: Mapping[str, Label]
    events: int = 0
    accounts_seen: set[str] = field(default_factory=set)
    campaign_times: dict[str, list[int]] = field(default_factory=dict)
    first_ms: int | None = None
    last_ms: int | None = None

    def observe(self, account_id: str, ts_ms: int) -> None:
        self.events += 1
        self.accounts_seen.add(account_id)
        if self.first_ms is None or ts_ms < self.first_ms:
            self.first_ms = ts_ms
        if self.last_ms is None or ts_ms > self.last_ms:
            self.last_ms = ts_ms
        label = self.labels.get(account_id)
        if label is not None and label.campaign_id:
            times = self.campaign_times.setdefault(label.campaign_id, [])
            if times and ts_ms < times[-1]:
                bisect.insort(times, ts_ms)
            else:
                times.append(ts_ms)

    @property
    def days(self) -> float:
        if self.first_ms is None or self.last_ms is None:
            return 0.0
        return max((self.last_ms - self.first_ms) / 86_400_000, 1 / 24)


def first_alert_times(alerts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Account -> event time of the first alert naming it (any kind, any version; a
    closing version only repeats who was named)."""
    first: dict[str, int] = {}
    for alert in alerts:
        if alert.get("status") == "closed":
            continue
        ts = parse_rfc3339_ms(alert["detected_at"])
        for account in alert["account_ids"]:
            if account not in first or ts < first[account]:
                first[account] = ts
    return first


def evaluate(
    tally: Tally, first_alert: Mapping[str, int], exclude: Set[str] = frozenset()
) -> dict[str, Any]:
    """The report: account-level quality, per population, per campaign; ``exclude``:
    accounts left out (e.g. those analysts gave a verdict on, to measure what the
    verdicts taught about the others)."""
    labels = tally.labels
    seen = tally.accounts_seen - exclude
    flagged = {a for a in first_alert if a in seen}
    attack = {a for a in seen if a in labels and labels[a].label == "attack"}
    benign = {a for a in seen if a in labels and labels[a].label == "benign"}
    unlabelled = seen - attack - benign
    tp, fp = len(attack & flagged), len(benign & flagged)
    populations: dict[str, dict[str, Any]] = {}
    for account in sorted(attack | benign):
        label = labels[account]
        row = populations.setdefault(
            label.population, {"label": label.label, "accounts": 0, "flagged": 0}
        )
        row["accounts"] += 1
        row["flagged"] += account in flagged
    for row in populations.values():
        row["flagged_share"] = row["flagged"] / row["accounts"]
    return {
        "events": tally.events,
        "days": round(tally.days, 3),
        "accounts": {
            "attack": len(attack),
            "benign": len(benign),
            "unlabelled": len(unlabelled),
            "attack_flagged": tp,
            "benign_flagged": fp,
            "recall": tp / len(attack) if attack else None,
            "false_positive_rate": fp / len(benign) if benign else None,
            "precision": tp / (tp + fp) if tp + fp else None,
            "flagged_per_day": len(flagged) / tally.days if tally.days else None,
        },
        "populations": dict(sorted(populations.items())),
        "campaigns": _campaigns(tally, first_alert, attack),
    }


def _campaigns(
    tally: Tally, first_alert: Mapping[str, int], attack: set[str]
) -> dict[str, dict[str, Any]]:
    members: dict[str, list[str]] = {}
    for account in attack:
        members.setdefault(tally.labels[account].campaign_id, []).append(account)
    campaigns: dict[str, dict[str, Any]] = {}
    for campaign_id, accounts in sorted(members.items()):
        times = tally.campaign_times.get(campaign_id, [])
        alerted = [first_alert[a] for a in accounts if a in first_alert]
        first = min(alerted) if alerted else None
        before = bisect.bisect_right(times, first) if first is not None else len(times)
        start = times[0] if times else None
        campaigns[campaign_id or "(none)"] = {
            "accounts": len(accounts),
            "flagged": len(alerted),
            "recall": len(alerted) / len(accounts),
            "exchanges": len(times),
            "start": format_rfc3339_ms(start) if start is not None else None,
            "first_alert": format_rfc3339_ms(first) if first is not None else None,
            "time_to_first_alert_s": (
                (first - start) / 1000 if first is not None and start is not None else None
            ),
            "exchanges_before_first_alert": before,
            "share_before_first_alert": before / len(times) if times else None,
        }
    return campaigns


def format_report(report: Mapping[str, Any]) -> str:
    """The report as plain-text tables for a terminal."""
    acc = report["accounts"]
    lines = [
        f"events {report['events']:,} over {report['days']:.2f} days",
        "",
        f"attack accounts   {acc['attack']:>7,}  flagged {acc['attack_flagged']:>7,}  "
        f"recall {_pct(acc['recall'])}",
        f"benign accounts   {acc['benign']:>7,}  flagged {acc['benign_flagged']:>7,}  "
        f"FPR    {_pct(acc['false_positive_rate'], 3)}",
        f"precision {_pct(acc['precision'])}   flagged accounts/day {_num(acc['flagged_per_day'])}",
        "",
        f"{'population':24} {'label':7} {'accounts':>9} {'flagged':>8} {'share':>8}",
    ]
    for name, row in report["populations"].items():
        lines.append(
            f"{name:24} {row['label']:7} {row['accounts']:>9,} {row['flagged']:>8,} "
            f"{_pct(row['flagged_share']):>8}"
        )
    lines += [
        "",
        f"{'campaign':24} {'accounts':>8} {'recall':>7} {'exchanges':>10} "
        f"{'to 1st alert':>13} {'served before':>14} {'share':>7}",
    ]
    for name, row in report["campaigns"].items():
        ttd = row["time_to_first_alert_s"]
        lines.append(
            f"{name:24} {row['accounts']:>8,} {_pct(row['recall']):>7} {row['exchanges']:>10,} "
            f"{_duration(ttd):>13} {row['exchanges_before_first_alert']:>14,} "
            f"{_pct(row['share_before_first_alert']):>7}"
        )
    return "\n".join(lines)


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
