"""The analyst commands (simulate, replay, backtest, tune) behind the CLI's flags."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import orjson

from streams.config import Settings
from streams.core.pipeline import params_from_settings
from streams.core.timeutil import parse_rfc3339_ms
from streams.kafka.io import print_send_problems
from streams.kafka.security import security_from_settings
from streams.offline.backtest import BacktestResult, ScoreRecorder, run_backtest
from streams.offline.evaluation import (
    Tally,
    evaluate,
    first_alert_times,
    format_report,
    load_labels,
)
from streams.offline.feedback import (
    current_findings,
    feedback_effect,
    format_effect,
    load_verdicts,
    reviewed_accounts,
    simulate_verdicts,
    write_verdicts,
)
from streams.offline.progress import Progress
from streams.offline.sources import OfflineRecord, file_records, topic_records


def parse_time(text: str | None) -> int | None:
    """An RFC 3339 time or epoch milliseconds, as epoch milliseconds."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    try:
        return parse_rfc3339_ms(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an RFC 3339 time or epoch ms: {text!r}") from None


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    from streams.sim import simulate

    summary = simulate(
        Path(args.out),
        seed=args.seed,
        scale=args.scale,
        days=args.days,
        progress=lambda msg: print(msg, file=sys.stderr) if sys.stderr.isatty() else None,
        extra=[name.strip() for name in (args.extra or "").split(",") if name.strip()],
    )
    print(summary.table())
    return 0


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from streams.offline.replay import replay_file

    path = Path(args.file)
    if _missing(path):
        return 2
    report = replay_file(
        settings.bootstrap_servers,
        settings.topic_api_calls,
        path,
        speed=args.speed,
        since_ms=parse_time(args.since),
        until_ms=parse_time(args.until),
        progress=Progress("replay"),
        security=security_from_settings(settings),
    )
    print(
        f"replayed {report.sent:,} records to {settings.topic_api_calls} in "
        f"{report.seconds:.1f} s ({report.sent / max(report.seconds, 1e-9):,.0f}/s); "
        f"{report.skipped:,} outside --since/--until"
    )
    print_send_problems(
        report.too_large, report.expiring, settings.topic_api_calls, report.retention_ms
    )
    return 0


def _records(args: argparse.Namespace, settings: Settings) -> Iterator[OfflineRecord]:
    if args.from_topic:
        return topic_records(
            settings.bootstrap_servers,
            args.from_topic,
            since_ms=parse_time(args.since),
            until_ms=parse_time(args.until),
            security=security_from_settings(settings),
        )
    if not args.file:
        raise SystemExit("error: give a FILE or --from-topic TOPIC")
    path = Path(args.file)
    if not path.is_file():
        raise SystemExit(f"error: no such file: {path}")
    return file_records(path, settings.partitions)


def cmd_backtest(args: argparse.Namespace, settings: Settings) -> int:
    labels = load_labels(Path(args.labels)) if args.labels else None
    tally = Tally(labels) if labels is not None else None
    verdicts: list[tuple[int, bytes]] = []
    if args.feedback:
        if _missing(Path(args.feedback)):
            return 2
        verdicts = load_verdicts(Path(args.feedback))
    with ExitStack() as stack:
        alerts_out = (
            stack.enter_context(Path(args.alerts_out).open("wb")) if args.alerts_out else None
        )
        ocsf_out = stack.enter_context(Path(args.ocsf_out).open("wb")) if args.ocsf_out else None
        result = run_backtest(
            _records(args, settings),
            params_from_settings(settings),
            max_record_bytes=settings.max_record_bytes,
            source_topic=args.from_topic or settings.topic_api_calls,
            tally=tally,
            alerts_out=alerts_out,
            ocsf_out=ocsf_out,
            progress=Progress("backtest"),
            feedback=verdicts,
            partitions=settings.partitions,
        )
    print(summary_line(result))
    if verdicts:
        print(f"replayed {len(verdicts):,} verdicts from {args.feedback}")
    report: dict[str, object] = {"run": run_figures(result)}
    if tally is not None:
        evaluation = evaluate(tally, first_alert_times(result.alerts))
        report.update(evaluation)
        print()
        print(format_report(evaluation))
    if tally is not None and labels is not None and verdicts:
        # The same run without the verdicts, both judged on the accounts nobody reviewed.
        baseline_tally = Tally(labels)
        baseline = run_backtest(
            _records(args, settings),
            params_from_settings(settings),
            max_record_bytes=settings.max_record_bytes,
            source_topic=args.from_topic or settings.topic_api_calls,
            tally=baseline_tally,
            progress=Progress("baseline"),
            partitions=settings.partitions,
        )
        reviewed = reviewed_accounts(verdicts, [*baseline.alerts, *result.alerts])
        # What consumers act on in the end (the latest version of each finding), and
        # what the verdicts taught about the accounts nobody reviewed.
        current = feedback_effect(
            evaluate(baseline_tally, current_findings(baseline.alerts)),
            evaluate(tally, current_findings(result.alerts)),
            HARD_NEGATIVES,
        )
        unreviewed = feedback_effect(
            evaluate(baseline_tally, first_alert_times(baseline.alerts), reviewed),
            evaluate(tally, first_alert_times(result.alerts), reviewed),
            HARD_NEGATIVES,
        )
        report["feedback_effect"] = {
            "verdicts": len(verdicts),
            "reviewed_accounts": len(reviewed),
            "current_findings": current,
            "unreviewed_accounts": unreviewed,
        }
        print()
        print("feedback effect, all accounts, as the latest version of each finding names them:")
        print(format_effect(current, "all accounts"))
        print()
        print(f"feedback effect on the accounts nobody reviewed ({len(reviewed):,} left out):")
        print(format_effect(unreviewed, "unreviewed accounts"))
    if args.report_out:
        Path(args.report_out).write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    return 0


def summary_line(result: BacktestResult) -> str:
    dead = sum(result.dead_letters.values())
    return (
        f"backtest: {result.records:,} records in {result.seconds:.1f} s "
        f"({result.events_per_second:,.0f}/s); {dead:,} dead letters; "
        f"{len(result.alerts):,} alert records on {len(result.flagged_accounts):,} accounts"
    )


def run_figures(result: BacktestResult) -> dict[str, object]:
    return {
        "records": result.records,
        "events": result.events,
        "seconds": round(result.seconds, 3),
        "events_per_second": round(result.events_per_second),
        "dead_letters": result.dead_letters,
        "alert_records": len(result.alerts),
        "flagged_accounts": len(result.flagged_accounts),
        "tracked_accounts": result.tracked_accounts,
    }


def cmd_tune(args: argparse.Namespace, settings: Settings) -> int:
    from streams.offline.tune import (
        markdown_report,
        recommend,
        sweep,
        sweep_json,
        threshold_grid,
        write_plots,
    )

    labels = load_labels(Path(args.labels))
    tally = Tally(labels)
    recorder = ScoreRecorder()
    result = run_backtest(
        _records(args, settings),
        params_from_settings(settings),
        max_record_bytes=settings.max_record_bytes,
        tally=tally,
        recorder=recorder,
        progress=Progress("recording scores"),
    )
    print(summary_line(result))
    points = sweep(tally, recorder, threshold_grid(recorder, args.points))
    chosen = recommend(points, args.target_fpr)
    out = Path(args.out)
    plots = write_plots(points, out, chosen)
    setting = "account_threshold"
    report = markdown_report(points, chosen, args.target_fpr, setting, settings.account_threshold)
    (out / "tuning.md").write_text(report)
    (out / "sweep.json").write_bytes(
        orjson.dumps(sweep_json(points, chosen), option=orjson.OPT_INDENT_2)
    )
    if chosen is None:
        print(
            f"no threshold meets a false-positive rate of {args.target_fpr:.3%} "
            "while catching any attack account"
        )
    else:
        print(
            f"recommended {setting} = {chosen.threshold:.3f}: recall {chosen.recall:.1%}, "
            f"FPR {chosen.false_positive_rate:.3%}, {chosen.flagged_per_day:,.1f} accounts/day"
        )
    print("wrote " + ", ".join(str(p) for p in [*plots, out / "tuning.md", out / "sweep.json"]))
    return 0


HARD_NEGATIVES = (
    "campus_nat",
    "enterprise",
    "benchmark_customer",
    "reseller_legit",
    "hackathon",
    "licensed_partner",  # opt-in (simulate --extra); reported when present
    "reasoning_benchmark",  # opt-in too
)


def cmd_ablate(args: argparse.Namespace, settings: Settings) -> int:
    from streams.offline.ablation import ablate, format_table

    path, labels = Path(args.file), Path(args.labels)
    if _missing(path, labels):
        return 2
    signals = [s.strip() for s in args.signals.split(",") if s.strip()] if args.signals else None
    rows = ablate(
        path,
        labels,
        settings,
        signals=signals,
        hard_negatives=tuple(args.hard_negatives.split(",")),
        jobs=args.jobs,
    )
    table = format_table(rows)
    print(table, end="")
    if args.out:
        Path(args.out).write_text(table)
    return 0


def cmd_simulate_verdicts(args: argparse.Namespace, settings: Settings) -> int:
    """Play an analyst deciding the first alerts of a run from the labels."""
    alerts_path, labels_path = Path(args.alerts), Path(args.labels)
    if _missing(alerts_path, labels_path):
        return 2
    with alerts_path.open("rb") as lines:
        alerts = [orjson.loads(line) for line in lines if line.strip()]
    verdicts = simulate_verdicts(
        alerts, load_labels(labels_path), args.first, int(args.delay_s * 1000)
    )
    n = write_verdicts(Path(args.out), verdicts)
    abuse = sum(1 for v in verdicts if v["verdict"] == "abuse")
    print(f"wrote {n} verdicts ({abuse} abuse, {n - abuse} benign) to {args.out}")
    return 0


def _missing(*paths: Path) -> bool:
    """Say which of ``paths`` is not a file (the first one), if any."""
    for path in paths:
        if not path.is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return True
    return False
