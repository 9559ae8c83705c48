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
from streams.offline.evaluation import Label, first_alert_times


def simulate_verdicts(
    alerts: Iterable[Mapping[str, Any]],
    labels: Mapping[str, Label],
    first: int,
    delay_ms: int,
    analyst: str = "simulated-analyst",
) -> list[dict[str, Any]]:
    """The verdicts of an analyst who reviews the first ``first`` alert records (every
    version, in detection order), each ``delay_ms`` after it was raised: an account
    alert gets a verdict on its account; a campaign alert one on the campaign (abuse
    when most members it lists are attackers, once per campaign), and every member an
    abusive campaign lists that the labels call benign is cleared with a benign verdict
    on that account. Records labels cannot decide are skipped. Returned in time order."""
    records = sorted(
        (a for a in alerts if a.get("status", "open") == "open"),
        key=lambda a: (parse_rfc3339_ms(a["detected_at"]), a["alert_id"], a["version"]),
    )
    decided: set[tuple[str, str]] = set()
    verdicts: list[dict[str, Any]] = []

    def say(field: str, target: str, abuse: bool, ts: int) -> None:
        if (field, target) in decided:
            return
        decided.add((field, target))
        verdicts.append(
            {
                field: target,
                "verdict": "abuse" if abuse else "benign",
                "analyst": analyst,
                "ts": format_rfc3339_ms(ts),
            }
        )

    for alert in records[:first]:
        known = {a: labels[a].label for a in alert["account_ids"] if a in labels}
        if not known:
            continue  # nothing to decide it by
        ts = parse_rfc3339_ms(alert["detected_at"]) + delay_ms
        if alert["kind"] == "account":
            account = alert["account_ids"][0]
            if account in known:
                say("account_id", account, known[account] == "attack", ts)
            continue
        attackers = sum(1 for label in known.values() if label == "attack")
        abuse = attackers * 2 > len(known)
        say("campaign_id", alert["campaign_id"], abuse, ts)
        if abuse:
            for account, label in sorted(known.items()):
                if label == "benign":
                    say("account_id", account, False, ts)
    verdicts.sort(key=lambda v: parse_rfc3339_ms(v["ts"]))
    return verdicts


def current_findings(alerts: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Account -> first alert time, for the accounts the findings name in the end: the
    last version of each alert, unless an analyst's benign verdict closed it (what a
    consumer that keeps the latest version per alert acts on)."""
    alerts = list(alerts)
    latest: dict[str, Mapping[str, Any]] = {}
    for alert in alerts:
        held = latest.get(alert["alert_id"])
        if held is None or alert["version"] > held["version"]:
            latest[alert["alert_id"]] = alert
    named = {
        account
        for alert in latest.values()
        if alert.get("resolution") != "benign"
        for account in alert["account_ids"]
    }
    return {a: t for a, t in first_alert_times(alerts).items() if a in named}


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


def format_effect(effect: Mapping[str, Any], scope: str) -> str:
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
    width = max(width, len(scope))
    lines = [f"{scope:<{width}}  {'without':>10}  {'with verdicts':>13}"]
    lines += [f"{name:<{width}}  {a:>10}  {b:>13}" for name, a, b in rows]
    return "\n".join(lines)
