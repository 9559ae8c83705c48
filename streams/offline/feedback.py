"""Analysts' verdicts offline: a simulated analyst, verdict files, and their effect.

``simulate_verdicts`` plays an analyst who reviews the first alerts of a run and decides
each from the labels (a campaign is abuse when most of its members are attackers), some
time after the alert. ``backtest --feedback`` replays such a file (or real verdicts)
through the same code the worker runs; ``feedback_effect`` compares the runs without and
with the verdicts on the accounts the analyst did *not* review: what the verdicts taught
the detector about the others (the reviewed accounts were flagged in both runs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from streams.core.event import InvalidEvent
from streams.core.timeutil import format_rfc3339_ms, parse_rfc3339_ms
from streams.core.verdicts import parse_feedback
from streams.offline.evaluation import Label


def simulate_verdicts(
    alerts: Iterable[Mapping[str, Any]],
    labels: Mapping[str, Label],
    first: int,
    delay_ms: int,
    analyst: str = "simulated-analyst",
) -> list[dict[str, Any]]:
    """Verdicts on the first ``first`` findings (by first detection) that labels can
    decide, each ``delay_ms`` after the finding was raised; in time order."""
    opened: dict[str, Mapping[str, Any]] = {}
    for alert in alerts:
        if alert.get("status", "open") == "open" and alert["alert_id"] not in opened:
            opened[alert["alert_id"]] = alert
    findings = sorted(
        opened.values(), key=lambda a: (parse_rfc3339_ms(a["detected_at"]), a["alert_id"])
    )
    verdicts: list[dict[str, Any]] = []
    for alert in findings:
        if len(verdicts) >= first:
            break
        known = [labels[a].label for a in alert["account_ids"] if a in labels]
        if not known:
            continue  # nothing to decide it by
        abuse = known.count("attack") * 2 > len(known)
        ts = parse_rfc3339_ms(alert["detected_at"]) + delay_ms
        verdict: dict[str, Any] = {
            "verdict": "abuse" if abuse else "benign",
            "analyst": analyst,
            "ts": format_rfc3339_ms(ts),
        }
        if alert["kind"] == "campaign":
            verdict["campaign_id"] = alert["campaign_id"]
        else:
            verdict["account_id"] = alert["account_ids"][0]
        verdicts.append(verdict)
    verdicts.sort(key=lambda v: parse_rfc3339_ms(v["ts"]))
    return verdicts


def load_verdicts(path: Path) -> list[tuple[int, bytes]]:
    """(event time, record) of every non-blank line; a line that is not a valid verdict
    is kept at the start, so the run dead-letters it with its reason."""
    verdicts: list[tuple[int, bytes]] = []
    with path.open("rb") as lines:
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                ts = parse_feedback(line).ts_ms
            except InvalidEvent:
                ts = -(1 << 62)
            verdicts.append((ts, line))
    return verdicts


def reviewed_accounts(
    verdicts: Sequence[tuple[int, bytes]], alerts: Iterable[Mapping[str, Any]]
) -> set[str]:
    """Accounts the verdicts were about: named ones, and the members a campaign had in
    its alerts up to the verdict."""
    accounts: set[str] = set()
    campaigns: dict[str, int] = {}
    for _, raw in verdicts:
        try:
            verdict = parse_feedback(raw)
        except InvalidEvent:
            continue
        if verdict.account_id is not None:
            accounts.add(verdict.account_id)
        if verdict.campaign_id is not None:
            campaigns[verdict.campaign_id] = max(
                campaigns.get(verdict.campaign_id, 0), verdict.ts_ms
            )
    for alert in alerts:
        until = campaigns.get(alert.get("campaign_id") or "")
        if until is not None and parse_rfc3339_ms(alert["detected_at"]) <= until:
            accounts.update(alert["account_ids"])
    return accounts


def write_verdicts(path: Path, verdicts: Iterable[Mapping[str, Any]]) -> int:
    n = 0
    with path.open("wb") as out:
        for verdict in verdicts:
            out.write(orjson.dumps(verdict) + b"\n")
            n += 1
    return n


def feedback_effect(
    before: Mapping[str, Any], after: Mapping[str, Any], hard_negatives: Sequence[str]
) -> dict[str, Any]:
    """Figures of two evaluations (without, with verdicts) side by side."""

    def figures(report: Mapping[str, Any]) -> dict[str, Any]:
        acc = report["accounts"]
        pops = report["populations"]
        return {
            "recall": acc["recall"],
            "false_positive_rate": acc["false_positive_rate"],
            "benign_flagged": acc["benign_flagged"],
            "attack_flagged": acc["attack_flagged"],
            "hard_negatives_flagged": {p: pops[p]["flagged"] for p in hard_negatives if p in pops},
        }

    return {"without_feedback": figures(before), "with_feedback": figures(after)}


def format_effect(effect: Mapping[str, Any]) -> str:
    """The comparison as a small table."""
    before, after = effect["without_feedback"], effect["with_feedback"]

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.2f} %"

    rows = [
        ("recall", pct(before["recall"]), pct(after["recall"])),
        (
            "false-positive rate",
            pct(before["false_positive_rate"]),
            pct(after["false_positive_rate"]),
        ),
        ("attack accounts flagged", str(before["attack_flagged"]), str(after["attack_flagged"])),
        ("benign accounts flagged", str(before["benign_flagged"]), str(after["benign_flagged"])),
    ]
    for population, n in before["hard_negatives_flagged"].items():
        rows.append(
            (
                f"  {population} flagged",
                str(n),
                str(after["hard_negatives_flagged"].get(population, 0)),
            )
        )
    width = max(len(r[0]) for r in rows)
    lines = [f"{'unreviewed accounts':<{width}}  {'without':>10}  {'with verdicts':>13}"]
    lines += [f"{name:<{width}}  {a:>10}  {b:>13}" for name, a, b in rows]
    return "\n".join(lines)
