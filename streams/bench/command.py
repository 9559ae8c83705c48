"""The ``bench`` subcommand: arguments in, table out."""

from __future__ import annotations

import argparse
from pathlib import Path

from streams.config import Settings


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--file", help="input events (JSON Lines[.gz]); default: simulated")
    p.add_argument("--seed", type=int, default=5, help="simulator seed")
    p.add_argument("--scale", type=float, default=0.3, help="simulator scale")
    p.add_argument("--days", type=int, default=2, help="simulated days")
    p.add_argument(
        "--latency-seconds", type=float, default=40.0, help="length of each latency run (e)"
    )
    p.add_argument(
        "--memory-accounts", type=int, default=100_000, help="accounts of measurement (f)"
    )
    p.add_argument(
        "--stall-seconds",
        type=float,
        default=120.0,
        help="report a drain as stalled after this long without a commit",
    )
    p.add_argument("--out", default="bench.json", help="JSON report path")


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from streams.bench.run import BenchOptions, format_table, run_bench

    options = BenchOptions(
        file=Path(args.file) if args.file else None,
        seed=args.seed,
        scale=args.scale,
        days=args.days,
        latency_s=args.latency_seconds,
        memory_accounts=args.memory_accounts,
        stall_s=args.stall_seconds,
        out=Path(args.out),
    )
    report = run_bench(settings, options, lambda m: print(f"==> {m}", flush=True))
    print()
    print(format_table(report))
    print(f"\nreport written to {options.out}")
    return 0
