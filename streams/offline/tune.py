"""Threshold tuning: one recorded backtest, every threshold evaluated from the record.

The backtest records, per account, when its detection statistic reached new highs
(``ScoreRecorder``). An account is flagged at threshold T exactly when its statistic
reaches T, so each point of the sweep is a lookup, not another run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.offline.backtest import ScoreRecorder
from streams.offline.evaluation import Tally, evaluate


@dataclass(frozen=True, slots=True)
class SweepPoint:
    threshold: float
    recall: float
    false_positive_rate: float
    precision: float | None
    flagged_per_day: float
    attack_flagged: int
    benign_flagged: int
    worst_share_before_first_alert: float | None


def threshold_grid(recorder: ScoreRecorder, points: int = 120) -> list[float]:
    """Log-spaced thresholds across the range of recorded maxima."""
    maxima = [m for m in recorder.maxima() if m > 0]
    if not maxima:
        return []
    low, high = min(maxima), max(maxima) * 1.01
    if high <= low:
        return [low]
    step = math.log(high / low) / (points - 1)
    return [low * math.exp(step * i) for i in range(points)]


def sweep(tally: Tally, recorder: ScoreRecorder, thresholds: Sequence[float]) -> list[SweepPoint]:
    result = []
    for threshold in thresholds:
        report = evaluate(tally, recorder.first_reached(threshold))
        acc = report["accounts"]
        shares = [
            c["share_before_first_alert"]
            for c in report["campaigns"].values()
            if c["share_before_first_alert"] is not None
        ]
        result.append(
            SweepPoint(
                threshold=threshold,
                recall=acc["recall"] or 0.0,
                false_positive_rate=acc["false_positive_rate"] or 0.0,
                precision=acc["precision"],
                flagged_per_day=acc["flagged_per_day"] or 0.0,
                attack_flagged=acc["attack_flagged"],
                benign_flagged=acc["benign_flagged"],
                worst_share_before_first_alert=max(shares) if shares else None,
            )
        )
    return result


def recommend(points: Sequence[SweepPoint], target_fpr: float) -> SweepPoint | None:
    """The threshold with the best recall whose false-positive rate meets the target
    (the highest such threshold among equals: fewer alerts for the same recall)."""
    meeting = [p for p in points if p.false_positive_rate <= target_fpr]
    if not meeting:
        return None
    best_recall = max(p.recall for p in meeting)
    if best_recall == 0:
        return None  # quiet, but only because it catches nothing: not a recommendation
    return max((p for p in meeting if p.recall == best_recall), key=lambda p: p.threshold)


def write_plots(
    points: Sequence[SweepPoint], out_dir: Path, chosen: SweepPoint | None
) -> list[Path]:
    """Precision-recall curve and alerts-per-day versus recall, as PNG files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    precision = _plot(
        points,
        [p.precision if p.precision is not None else 1.0 for p in points],
        chosen,
        path=out_dir / "precision_recall.png",
        title="Precision vs recall across thresholds",
        ylabel="precision (flagged accounts that are attacks)",
        chosen_label=None if chosen is None else f"recommended: threshold {chosen.threshold:,.0f}",
        legend="lower left",
        log_y=False,
    )
    volume = _plot(
        points,
        [p.flagged_per_day for p in points],
        chosen,
        path=out_dir / "alerts_per_day_vs_recall.png",
        title="Alert volume vs recall across thresholds",
        ylabel="accounts alerted per day",
        chosen_label=None
        if chosen is None
        else f"recommended: {chosen.flagged_per_day:,.1f} accounts/day",
        legend="upper left",
        log_y=True,
    )
    return [precision, volume]


def _plot(
    points: Sequence[SweepPoint],
    ys: Sequence[float],
    chosen: SweepPoint | None,
    *,
    path: Path,
    title: str,
    ylabel: str,
    chosen_label: str | None,
    legend: str,
    log_y: bool,
) -> Path:
    """One curve of ``ys`` against recall, thresholds labelled, the recommendation marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recall = [p.recall for p in points]
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    ax.plot(recall, ys, marker=".", linewidth=1.5, color="#1f77b4")
    _label_thresholds(ax, points, recall, ys)
    if chosen is not None:
        chosen_y = ys[list(points).index(chosen)]
        ax.scatter([chosen.recall], [chosen_y], s=90, color="#d62728", zorder=3, label=chosen_label)
        ax.legend(loc=legend)  # type: ignore[call-overload]  # stubs lack the loc string form
    ax.set_xlabel("attack-account recall")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.set_xlim(-0.02, 1.02)
    if log_y:
        ax.set_yscale("symlog", linthresh=1)
    else:
        ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _label_thresholds(
    ax: Any, points: Sequence[SweepPoint], xs: Sequence[float], ys: Sequence[float]
) -> None:
    """Write a handful of threshold values next to their points, so the curve can be read."""
    if not points:
        return
    for i in sorted({round(k * (len(points) - 1) / 5) for k in range(6)}):
        ax.annotate(
            f"{points[i].threshold:,.0f}",
            (xs[i], ys[i]),
            textcoords="offset points",
            xytext=(6, 4),
            fontsize=8,
            color="#555555",
        )


def markdown_report(
    points: Sequence[SweepPoint],
    chosen: SweepPoint | None,
    target_fpr: float,
    setting: str,
    current: float,
) -> str:
    lines = [
        "# Threshold tuning",
        "",
        f"Swept `{setting}` over {len(points)} thresholds from one recorded backtest; "
        f"target benign false-positive rate: {target_fpr:.3%}.",
        "",
    ]
    if chosen is None:
        lines.append(
            "No threshold both meets the target false-positive rate and catches any attack "
            "account on this data: the detector, not its threshold, has to change."
        )
    else:
        lines += [
            f"**Recommended: {setting} = {chosen.threshold:,.0f}** "
            f"(now {current:,.0f}): recall {chosen.recall:.1%}, "
            f"false-positive rate {chosen.false_positive_rate:.3%}, "
            f"precision {_pct(chosen.precision)}, {chosen.flagged_per_day:,.1f} accounts "
            f"alerted per day.",
            "",
            f"Set it with `DISTILLGUARD_{setting.upper()}={chosen.threshold:.0f}` or "
            f"`--{setting.replace('_', '-')} {chosen.threshold:.0f}`.",
        ]
    lines += [
        "",
        "| threshold | recall | FPR | precision | accounts/day "
        "| worst campaign share served before 1st alert |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for p in _spread(points, 15):
        lines.append(
            f"| {p.threshold:,.0f} | {p.recall:.1%} | {p.false_positive_rate:.3%} | "
            f"{_pct(p.precision)} | {p.flagged_per_day:,.1f} | "
            f"{_pct(p.worst_share_before_first_alert)} |"
        )
    lines += [
        "",
        "![precision vs recall](precision_recall.png)",
        "",
        "![alerts per day vs recall](alerts_per_day_vs_recall.png)",
        "",
    ]
    return "\n".join(lines)


def _spread(points: Sequence[SweepPoint], count: int) -> list[SweepPoint]:
    if len(points) <= count:
        return list(points)
    step = (len(points) - 1) / (count - 1)
    return [points[round(i * step)] for i in range(count)]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def sweep_json(points: Sequence[SweepPoint], chosen: SweepPoint | None) -> dict[str, Any]:
    return {
        "points": [_as_dict(p) for p in points],
        "recommended": None if chosen is None else _as_dict(chosen),
    }


def _as_dict(point: SweepPoint) -> dict[str, Any]:
    return {name: getattr(point, name) for name in SweepPoint.__slots__}
