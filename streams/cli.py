"""The ``distillguard`` command line: a thin shell that parses flags and calls the library."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson

from streams import __version__
from streams.bench import command as bench_command
from streams.config import Settings, env_name, field_types, load_settings, printable


def _settings_parent() -> argparse.ArgumentParser:
    """Flags for every setting, derived from ``Settings`` (default: env, then built-in)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("settings (flag > environment variable > default)")
    types = field_types()
    for f in dataclasses.fields(Settings):
        group.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f"setting_{f.name}",
            type=types[f.name],
            default=None,
            metavar=types[f.name].__name__.upper(),
            help=f"{f.metadata['help']} [{env_name(f.name)}; default {f.default}]",
        )
    return parent


def settings_from_args(args: argparse.Namespace) -> Settings:
    overrides = {
        key.removeprefix("setting_"): value
        for key, value in vars(args).items()
        if key.startswith("setting_")
    }
    return load_settings(overrides=overrides)


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    """Print the effective configuration, with the variable that sets each knob."""
    if args.json:
        sys.stdout.write(orjson.dumps(printable(settings), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return 0
    for name, value in printable(settings).items():
        print(f"{name:28} = {value!s:40} ({env_name(name)})")
    return 0


def cmd_kafka(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.broker import LocalBroker

    broker = LocalBroker(broker_config(settings, secure=args.secure))
    if args.action == "start":
        status = broker.start()
        print(f"kafka running at {status.bootstrap} (pid {status.pid}, home {status.home})")
        material = broker.material() if args.secure else None
        if material is not None:
            print(
                f"SASL_SSL with SCRAM user {material.username!r}; the password is in "
                f"{material.password_file} (0600). Point clients at it with:"
            )
            for name, value in material.client_env(status.bootstrap).items():
                print(f"export {name}={value}")
            print(f"(also in {material.env_file}: `. {material.env_file}`)")
    elif args.action == "stop":
        broker.stop()
        print("kafka stopped")
    else:
        status = broker.status()
        state = "running" if status.running else "stopped"
        print(f"kafka {state} at {status.bootstrap} (home {status.home}) {status.detail}")
        return 0 if status.running else 3
    return 0


def broker_config(settings: Settings, secure: bool = False) -> Any:
    from streams.kafka.broker import BrokerConfig, default_cache_dir

    return BrokerConfig(
        home=Path(settings.kafka_home),
        cache_dir=default_cache_dir(),
        kafka_version=settings.kafka_version,
        port=settings.kafka_port,
        controller_port=settings.kafka_controller_port,
        secure=secure,
    )


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.pipeline import pipeline_topics
    from streams.kafka.security import security_from_settings
    from streams.kafka.topics import create_topics

    result = create_topics(
        settings.bootstrap_servers,
        pipeline_topics(settings),
        security=security_from_settings(settings),
    )
    for name, outcome in result.items():
        print(f"{name}: {outcome}")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from streams.worker.main import run_worker

    return run_worker(settings)


def cmd_produce(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.io import print_send_problems, produce_file
    from streams.kafka.security import security_from_settings

    path = Path(args.file)
    if not path.is_file():
        print(f"error: no such file: {path}", file=sys.stderr)
        return 2
    report = produce_file(
        settings.bootstrap_servers,
        settings.topic_api_calls,
        path,
        security=security_from_settings(settings),
    )
    print(
        f"sent {report.sent:,} records to {settings.topic_api_calls} in {report.seconds:.1f} s "
        f"({report.per_second:,.0f}/s)"
    )
    print_send_problems(
        report.too_large, report.expiring, settings.topic_api_calls, report.retention_ms
    )
    return 0


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.io import consume, format_alert_line
    from streams.kafka.security import security_from_settings

    shown = 0
    try:
        for record in consume(
            settings.bootstrap_servers,
            settings.topic_alerts,
            from_beginning=args.from_beginning,
            idle_timeout_s=args.idle_timeout,
            security=security_from_settings(settings),
        ):
            alert = orjson.loads(record.value)
            print(orjson.dumps(alert).decode() if args.json else format_alert_line(alert))
            sys.stdout.flush()
            shown += 1
            if args.max and shown >= args.max:
                break
    except KeyboardInterrupt:
        pass
    return 0


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka.feedback import feedback_record, looks_like_campaign, send_feedback
    from streams.kafka.security import security_from_settings

    campaign = args.campaign or (not args.account and looks_like_campaign(args.target))
    try:
        record = feedback_record(
            args.target, args.verdict, campaign=campaign, analyst=args.analyst, note=args.note
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    partition, offset = send_feedback(
        settings.bootstrap_servers,
        settings.topic_feedback,
        record,
        security=security_from_settings(settings),
    )
    what = "campaign" if campaign else "account"
    print(
        f"sent: {args.verdict} verdict on {what} {args.target} "
        f"({settings.topic_feedback}[{partition}]@{offset})"
    )
    return 0


def cmd_sample(args: argparse.Namespace, settings: Settings) -> int:
    from streams.sample import write_sample

    count = write_sample(Path(args.out), seed=args.seed)
    print(f"wrote {count:,} records to {args.out}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from streams.demo import run_demo

    return run_demo(settings)


def build_parser() -> argparse.ArgumentParser:
    common = _settings_parent()
    parser = argparse.ArgumentParser(
        prog="distillguard",
        description="Streaming detection of model-distillation fleets in LLM API traffic.",
    )
    parser.add_argument("--version", action="version", version=f"distillguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[..., int], help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = add("config", cmd_config, "print the effective configuration")
    p.add_argument("--json", action="store_true", help="as one JSON object")

    p = add("kafka", cmd_kafka, "start, stop or inspect the local single-node Kafka broker")
    p.add_argument("action", choices=("start", "stop", "status"))
    p.add_argument(
        "--secure",
        action="store_true",
        help="start: a SASL_SSL listener (SCRAM users, generated certificates) instead of "
        "PLAINTEXT; prints the client settings to use",
    )

    add("topics", cmd_topics, "create the pipeline's topics (idempotent)")
    add("worker", cmd_worker, "run the streaming worker (faust)")

    p = add("produce", cmd_produce, "send a JSON Lines(.gz) file of events to the input topic")
    p.add_argument("file")

    p = add("alerts", cmd_alerts, "tail the alerts topic, one readable line per alert")
    p.add_argument("--from-beginning", action="store_true", help="start at the oldest alert")
    p.add_argument("--max", type=int, default=0, help="stop after this many alerts")
    p.add_argument(
        "--idle-timeout", type=float, default=None, help="stop after this many idle seconds"
    )
    p.add_argument("--json", action="store_true", help="print the alert JSON instead")

    p = add("feedback", cmd_feedback, "send an analyst's verdict on an account or a campaign")
    p.add_argument("target", metavar="ACCOUNT|CAMPAIGN", help="account id or campaign id")
    p.add_argument("--verdict", required=True, choices=("abuse", "benign"))
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--account", action="store_true", help="the id is an account's")
    kind.add_argument(
        "--campaign",
        action="store_true",
        help="the id is a campaign's (default: when it looks like one, camp-<ms>-<hex>)",
    )
    p.add_argument("--analyst", help="who decided")
    p.add_argument("--note", help="free text (stays on the feedback topic)")

    p = add("sample", cmd_sample, "write the demo's sample event stream")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=7)

    add("demo", cmd_demo, "local broker + worker + sample traffic with an attack; print alerts")
    p = add("bench", bench_command.cmd_bench, "measure throughput, latency and memory (own broker)")
    bench_command.add_arguments(p)
    _add_analyst_commands(add)
    return parser


def _add_analyst_commands(add: Callable[..., argparse.ArgumentParser]) -> None:
    from streams.offline import commands

    p = add("simulate", commands.cmd_simulate, "write labelled simulated API traffic")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0, help="multiplies account counts")
    p.add_argument("--days", type=int, default=3)
    p.add_argument(
        "--extra",
        help="comma-separated opt-in populations to add (licensed_partner: a data-licensing "
        "partner that harvests by contract, for measuring analysts' feedback; stock_waves: "
        "a fleet in synchronized waves on stock clients, sharing no infrastructure; "
        "shift_workers: a fleet sharing nothing, not even timing, each account working "
        "human shifts through rotating residential addresses; canned_turns: a fleet "
        "sending every prompt as a second turn after a canned first one; "
        "reasoning_benchmark: twenty benchmark customers running only a reasoning suite)",
    )

    p = add(
        "replay", commands.cmd_replay, "send a recorded stream to the input topic in time order"
    )
    p.add_argument("file")
    p.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="0 = as fast as possible, 1 = real time, N = N times faster",
    )
    p.add_argument("--since", "--from", dest="since", help="first event time (RFC 3339 or ms)")
    p.add_argument("--until", help="last event time (RFC 3339 or ms)")

    p = add(
        "simulate-verdicts",
        commands.cmd_simulate_verdicts,
        "play an analyst deciding the first alerts of a run from the labels",
    )
    p.add_argument("--alerts", required=True, help="alerts JSON Lines (backtest --alerts-out)")
    p.add_argument("--labels", required=True, help="labels CSV")
    p.add_argument("--first", type=int, default=50, help="findings the analyst reviews")
    p.add_argument("--delay-s", type=float, default=3600.0, help="event time from alert to verdict")
    p.add_argument("--out", required=True, help="verdicts JSON Lines (backtest --feedback)")

    p = add("ablate", commands.cmd_ablate, "backtest with each signal switched off in turn")
    p.add_argument("file", help="JSON Lines(.gz) events")
    p.add_argument("--labels", required=True, help="labels CSV")
    p.add_argument("--signals", help="comma-separated subset (default: every switchable one)")
    p.add_argument(
        "--hard-negatives",
        default=",".join(commands.HARD_NEGATIVES),
        help="benign populations whose worst flagged share is reported",
    )
    p.add_argument("--jobs", type=int, default=2, help="backtests run in parallel")
    p.add_argument("--out", help="also write the Markdown table here")

    for name, func, text in (
        (
            "backtest",
            commands.cmd_backtest,
            "run the worker's detection in process over a file or topic",
        ),
        ("tune", commands.cmd_tune, "sweep the alert threshold over one recorded backtest"),
    ):
        p = add(name, func, text)
        p.add_argument("file", nargs="?", help="JSON Lines(.gz) events")
        p.add_argument("--from-topic", help="read a retained topic instead of a file")
        p.add_argument("--since", help="with --from-topic: first event time (RFC 3339 or ms)")
        p.add_argument("--until", help="with --from-topic: last event time (RFC 3339 or ms)")
        if name == "backtest":
            p.add_argument("--labels", help="labels CSV: report recall, FPR, time to detect")
            p.add_argument("--alerts-out", help="write the alerts as JSON Lines")
            p.add_argument("--ocsf-out", help="write the alerts as OCSF findings (JSON Lines)")
            p.add_argument(
                "--feedback",
                help="JSON Lines of verdicts to replay in event time; with --labels, also "
                "compare against a run without them on the accounts nobody reviewed",
            )
            p.add_argument("--report-out", help="write the figures as JSON")
        else:
            p.add_argument("--labels", required=True, help="labels CSV")
            p.add_argument("--out", required=True, help="directory for PNGs and report")
            p.add_argument(
                "--target-fpr",
                type=float,
                default=0.001,
                help="benign false-positive rate to meet (default 0.1%%)",
            )
            p.add_argument("--points", type=int, default=120, help="thresholds to sweep")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    from kafka.errors import KafkaError

    from streams.kafka.broker import BrokerError
    from streams.kafka.io import SendFailed

    try:
        result: int = args.func(args, settings)
    except KafkaError as exc:
        print(
            f"error: Kafka at {settings.bootstrap_servers}: {exc} "
            "(is the broker running? `distillguard kafka status`)",
            file=sys.stderr,
        )
        return 1
    except (BrokerError, SendFailed) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return result


if __name__ == "__main__":
    sys.exit(main())
