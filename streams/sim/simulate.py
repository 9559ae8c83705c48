"""``simulate``: generate every population, merge, corrupt a few lines, write the files.

Deterministic: each population has its own RNG derived from the seed and its name, events
are merged by one sort on ``(ts, event_id)``, and the files are written byte-stably.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.core.timeutil import format_rfc3339_ms
from streams.sim.calls import Row
from streams.sim.identity import Account
from streams.sim.malformed import corrupt, plan
from streams.sim.populations import EXTRAS, POPULATIONS, Campaign, Context
from streams.sim.world import NEW_MODEL, START_MS, Period
from streams.sim.writer import write_campaigns, write_events, write_labels

__all__ = ["CampaignStats", "PopulationStats", "SimulationSummary", "simulate"]

EVENTS_FILE = "events.jsonl.gz"
LABELS_FILE = "labels.csv"
CAMPAIGNS_FILE = "campaigns.json"


@dataclass(frozen=True, slots=True)
class PopulationStats:
    """Accounts with at least one valid event, and those events, of one population."""

    population: str
    label: str
    accounts: int
    events: int


@dataclass(frozen=True, slots=True)
class CampaignStats:
    campaign_id: str
    tactic: str
    population: str
    description: str
    start_ts: str
    end_ts: str
    accounts: int
    events: int

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "tactic": self.tactic,
            "population": self.population,
            "start_ts": self.start_ts,
            "end_ts": self.end_ts,
            "accounts": self.accounts,
            "events": self.events,
            "description": self.description,
        }


@dataclass(frozen=True)
class SimulationSummary:
    """What ``simulate`` wrote, with per-population and per-campaign figures."""

    out_dir: Path
    events_path: Path
    labels_path: Path
    campaigns_path: Path
    seed: int
    scale: float
    days: int
    start_ts: str
    end_ts: str
    new_model: str
    release_ts: str
    events: int
    malformed: int
    malformed_by_reason: Mapping[str, int]
    accounts: int
    populations: tuple[PopulationStats, ...]
    campaigns: tuple[CampaignStats, ...]
    seconds: float

    @property
    def lines(self) -> int:
        return self.events + self.malformed

    def table(self) -> str:
        """A plain-text report for the terminal."""
        out = [
            f"simulated {self.start_ts} .. {self.end_ts} ({self.days} days), seed {self.seed},"
            f" scale {self.scale:g}: {self.events:,} events + {self.malformed:,} malformed lines"
            f" from {self.accounts:,} accounts in {self.seconds:.1f}s",
            f"new model {self.new_model} released {self.release_ts}",
            "",
            f"{'population':<20} {'label':<7} {'accounts':>9} {'events':>9} {'share':>7}",
        ]
        for p in self.populations:
            share = p.events / self.events if self.events else 0.0
            out.append(
                f"{p.population:<20} {p.label:<7} {p.accounts:>9,} {p.events:>9,} {share:>7.1%}"
            )
        attack = sum(p.events for p in self.populations if p.label == "attack")
        attack_accounts = sum(p.accounts for p in self.populations if p.label == "attack")
        out.append(
            f"{'total':<20} {'':<7} {self.accounts:>9,} {self.events:>9,}"
            f"   (attack: {attack_accounts:,} accounts, {attack:,} events)"
        )
        out += ["", f"{'campaign':<24} {'tactic':<30} {'start':<24} {'end':<24} {'accts':>6}"]
        for c in self.campaigns:
            out.append(
                f"{c.campaign_id:<24} {c.tactic:<30} {c.start_ts:<24} {c.end_ts:<24}"
                f" {c.accounts:>6,}"
            )
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.malformed_by_reason.items()))
        out += ["", f"malformed lines by reason: {reasons}"]
        out += [f"wrote {self.events_path}, {self.labels_path}, {self.campaigns_path}"]
        return "\n".join(out)


def simulate(
    out_dir: Path,
    seed: int = 1,
    scale: float = 1.0,
    days: int = 3,
    progress: Callable[[str], None] | None = None,
    extra: Sequence[str] = (),
) -> SimulationSummary:
    """Generate the labelled traffic and write ``events.jsonl.gz``, ``labels.csv`` and
    ``campaigns.json`` into ``out_dir`` (created if needed).

    ``scale`` multiplies account counts (volumes per account stay realistic); ``days`` is
    the simulated span starting 2026-11-19T00:00Z; ``extra``: opt-in populations
    (``EXTRAS``) added to the default ones. Same arguments, same bytes.
    """
    unknown = sorted(set(extra) - set(EXTRAS))
    if unknown:
        raise ValueError(f"unknown extra population(s) {unknown}; known: {sorted(EXTRAS)}")
    specs = (*POPULATIONS, *(EXTRAS[name] for name in dict.fromkeys(extra)))
    if not scale > 0:
        raise ValueError("scale must be positive")
    if days < 1:
        raise ValueError("days must be at least 1")
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    period = Period(START_MS, days)
    ctx = Context(seed, scale, period)

    rows: list[Row] = []
    accounts: dict[str, Account] = {}
    campaigns: list[Campaign] = []
    for spec in specs:
        t0 = time.perf_counter()
        out = spec.generate(ctx)
        for a in out.accounts:
            if a.population != spec.name or a.label != spec.label:
                raise AssertionError(f"{spec.name} produced a mislabelled account")
            if a.account_id in accounts:
                raise AssertionError(f"duplicate account id from {spec.name}")
            accounts[a.account_id] = a
        rows.extend(out.rows)
        if out.campaign is not None:
            campaigns.append(out.campaign)
        say(
            f"{spec.name}: {len(out.accounts):,} accounts, {len(out.rows):,} events"
            f" ({time.perf_counter() - t0:.1f}s)"
        )

    rows.sort(key=_sort_key)
    lines = [row[3] for row in rows]
    valid = [True] * len(rows)
    reasons: Counter[str] = Counter()
    bad_rng = random.Random(f"{seed}:malformed")
    for index, kind in plan(bad_rng, len(rows)):
        lines[index] = corrupt(bad_rng, lines[index], kind)
        valid[index] = False
        reasons[kind] += 1

    out_dir.mkdir(parents=True, exist_ok=True)
    events_path = out_dir / EVENTS_FILE
    say(f"writing {len(lines):,} lines to {events_path}")
    write_events(events_path, lines)

    per_account: Counter[str] = Counter()
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for (ts, _, account, _), ok in zip(rows, valid, strict=True):
        if not ok:
            continue
        per_account[account] += 1
        campaign = accounts[account].campaign_id
        if campaign is not None:
            first.setdefault(campaign, ts)
            last[campaign] = ts
    seen = sorted(per_account)
    labels_path = out_dir / LABELS_FILE
    write_labels(
        labels_path,
        [
            (a.account_id, a.label, a.campaign_id or "", a.population)
            for a in (accounts[account] for account in seen)
        ],
    )

    pop_stats = []
    for spec in specs:
        members = [a for a in seen if accounts[a].population == spec.name]
        pop_stats.append(
            PopulationStats(
                spec.name, spec.label, len(members), sum(per_account[a] for a in members)
            )
        )
    camp_stats = []
    for c in campaigns:
        members = [a for a in seen if accounts[a].campaign_id == c.campaign_id]
        camp_stats.append(
            CampaignStats(
                campaign_id=c.campaign_id,
                tactic=c.tactic,
                population=c.population,
                description=c.description,
                start_ts=format_rfc3339_ms(first[c.campaign_id]) if members else "",
                end_ts=format_rfc3339_ms(last[c.campaign_id]) if members else "",
                accounts=len(members),
                events=sum(per_account[a] for a in members),
            )
        )
    campaigns_path = out_dir / CAMPAIGNS_FILE
    write_campaigns(campaigns_path, [c.as_json() for c in camp_stats])

    summary = SimulationSummary(
        out_dir=out_dir,
        events_path=events_path,
        labels_path=labels_path,
        campaigns_path=campaigns_path,
        seed=seed,
        scale=scale,
        days=days,
        start_ts=format_rfc3339_ms(period.start_ms),
        end_ts=format_rfc3339_ms(period.end_ms),
        new_model=NEW_MODEL,
        release_ts=format_rfc3339_ms(period.release_ms),
        events=sum(valid),
        malformed=len(rows) - sum(valid),
        malformed_by_reason=dict(sorted(reasons.items())),
        accounts=len(seen),
        populations=tuple(pop_stats),
        campaigns=tuple(camp_stats),
        seconds=round(time.perf_counter() - started, 2),
    )
    say(f"done in {summary.seconds:.1f}s")
    return summary


def _sort_key(row: Row) -> tuple[int, str]:
    return row[0], row[1]
