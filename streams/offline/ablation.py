"""Ablation: what each signal contributes, measured by switching it off and backtesting.

Every run is the ordinary backtest with one entry of ``disabled_signals`` set (an account
signal or a link kind); the table compares each with the full detector on the same file.
Runs are independent, so they spread over worker processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from streams.config import Settings
from streams.core.pipeline import params_from_settings, switchable
from streams.offline.backtest import run_backtest
from streams.offline.evaluation import Tally, evaluate, first_alert_times, load_labels
from streams.offline.sources import file_records

FULL = "(none)"


@dataclasses.dataclass(frozen=True)
class AblationRow:
    disabled: str
    recall: float
    false_positive_rate: float
    worst_hard_negative: float  # highest flagged share among the named benign populations
    worst_time_to_alert: float  # highest share of a caught campaign's exchanges before its 1st
    mean_time_to_alert: float  # mean of those shares over the caught campaigns
    campaigns_missed: int


def run_one(
    path: str, labels_path: str, settings: Settings, disabled: str, hard_negatives: tuple[str, ...]
) -> AblationRow:
    """One backtest with ``disabled`` switched off (``FULL``: nothing off)."""
    run_settings = dataclasses.replace(
        settings, disabled_signals="" if disabled == FULL else disabled
    )
    tally = Tally(load_labels(Path(labels_path)))
    result = run_backtest(
        file_records(Path(path), settings.partitions),
        params_from_settings(run_settings),
        max_record_bytes=settings.max_record_bytes,
        tally=tally,
    )
    report = evaluate(tally, first_alert_times(result.alerts))
    return row_from_report(disabled, report, hard_negatives)


def row_from_report(
    disabled: str, report: Mapping[str, Any], hard_negatives: Iterable[str]
) -> AblationRow:
    accounts = report["accounts"]
    populations = report["populations"]
    worst_negative = max(
        (populations[p]["flagged_share"] for p in hard_negatives if p in populations),
        default=0.0,
    )
    caught = [c for c in report["campaigns"].values() if c["first_alert"] is not None]
    shares = [c["share_before_first_alert"] for c in caught]
    missed = len(report["campaigns"]) - len(caught)
    return AblationRow(
        disabled=disabled,
        recall=accounts["recall"] or 0.0,
        false_positive_rate=accounts["false_positive_rate"] or 0.0,
        worst_hard_negative=worst_negative,
        worst_time_to_alert=max(shares, default=0.0),
        mean_time_to_alert=sum(shares) / len(shares) if shares else 0.0,
        campaigns_missed=missed,
    )


def ablate(
    path: Path,
    labels_path: Path,
    settings: Settings,
    signals: Iterable[str] | None = None,
    hard_negatives: tuple[str, ...] = (),
    jobs: int = 2,
) -> list[AblationRow]:
    """The full detector first, then one row per signal switched off."""
    names = [FULL, *(signals if signals is not None else switchable())]
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [
            pool.submit(run_one, str(path), str(labels_path), settings, name, hard_negatives)
            for name in names
        ]
        return [f.result() for f in futures]


def format_table(rows: list[AblationRow]) -> str:
    """A Markdown table; deltas against the first (full) row."""
    base = rows[0]
    lines = [
        "| switched off | recall | FPR | worst hard negative | share served before 1st alert "
        "(caught campaigns: worst / mean) | campaigns missed |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        delta = "" if row is base else f" ({(row.recall - base.recall) * 100:+.1f} pt)"
        lines.append(
            f"| {row.disabled} | {row.recall:.1%}{delta} | {row.false_positive_rate:.3%} "
            f"| {row.worst_hard_negative:.1%} "
            f"| {row.worst_time_to_alert:.1%} / {row.mean_time_to_alert:.1%} "
            f"| {row.campaigns_missed} |"
        )
    return "\n".join(lines) + "\n"
