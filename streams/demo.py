"""``distillguard demo``: the whole pipeline on one machine, then everything stopped again.

Starts a private broker (free ports, temporary home), creates the topics, starts a worker
process, sends the bundled sample stream (normal accounts plus a distillation fleet) as a
live stream arrives, every partition in step (``SEND_SPEED``), prints alerts as they
arrive, and stops everything it started, also on Ctrl-C or SIGTERM.

The steps run in a helper thread while the main thread only waits: Python delivers signals
to the main thread, and client libraries (kafka-python among them) can swallow a
KeyboardInterrupt raised inside their network loops. Waiting on an event instead, the main
thread always sees the signal and always gets to clean up.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import orjson

from streams.config import Settings
from streams.kafka.broker import BrokerConfig, LocalBroker, default_cache_dir, free_ports
from streams.kafka.io import (
    consume,
    count_by_header,
    format_alert_line,
    group_is_stable,
    pipeline_lag,
)
from streams.kafka.pipeline import evidence_topic, links_topic, pipeline_topics
from streams.kafka.topics import create_topics
from streams.offline.replay import replay_file
from streams.sample import FLEET, bundled_sample_path
from streams.worker.process import WorkerProcess

PROCESSING_TIMEOUT_S = 180.0
# The sample's three hours are sent at this many times real time (about 11 s), as a live
# stream arrives: every partition fed as the clock goes. Sent all at once, a partition
# the producer happened to fill first ran minutes of event time ahead of one still
# empty, which the worker does not wait for (streams.worker.merge): the fleet's first
# campaign alert then came at 08:43 or 08:47 in two runs of seven instead of 08:31 to
# 08:36, stamped with the time the stage had reached.
SEND_SPEED = 1000.0


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


class Stopping(Exception):
    """The demo is shutting down; no new process may be started."""


@dataclass
class DemoProcesses:
    """What the demo started, guarded so cleanup never misses a process being spawned."""

    broker: LocalBroker
    worker: WorkerProcess | None = None
    stopping: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start_broker(self) -> None:
        with self.lock:
            if self.stopping:
                raise Stopping
            self.broker.start()

    def start_worker(self, settings: Settings, log_path: Path) -> WorkerProcess:
        with self.lock:
            if self.stopping:
                raise Stopping
            self.worker = WorkerProcess(settings, log_path).start()
            return self.worker

    def stop_all(self) -> None:
        with self.lock:  # waits for a spawn in progress to be recorded
            self.stopping = True
        if self.worker is not None:
            say("stopping the worker")
            self.worker.stop()
        say("stopping the broker")
        self.broker.stop()


def _tail(bootstrap: str, topic: str, stop: threading.Event, seen: list[dict[str, Any]]) -> None:
    for record in consume(bootstrap, topic, from_beginning=True, stop=stop.is_set):
        alert = orjson.loads(record.value)
        seen.append(alert)
        print("  ALERT " + format_alert_line(alert), flush=True)


def demo_settings(settings: Settings, workdir: Path) -> Settings:
    """Private ports, directories and group, so the demo never touches anything else."""
    port, controller_port = free_ports(2)
    return settings.with_overrides(
        {
            "bootstrap_servers": f"127.0.0.1:{port}",
            "kafka_home": str(workdir / "broker"),
            "kafka_port": port,
            "kafka_controller_port": controller_port,
            "data_dir": str(workdir / "worker-data"),
            "app_id": "distillguard-demo",
            "security_protocol": "PLAINTEXT",  # the demo's own broker is a plaintext one
        }
    )


def run_demo(settings: Settings) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="distillguard-demo-"))
    say(f"working in {workdir}")
    settings = demo_settings(settings, workdir)
    processes = DemoProcesses(
        LocalBroker(
            BrokerConfig(
                home=Path(settings.kafka_home),
                cache_dir=default_cache_dir(),
                kafka_version=settings.kafka_version,
                port=settings.kafka_port,
                controller_port=settings.kafka_controller_port,
            )
        )
    )
    interrupted = threading.Event()
    finished = threading.Event()
    outcome: dict[str, Any] = {}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        interrupted.set()

    def steps() -> None:
        try:
            outcome["code"] = _run_steps(settings, processes, workdir)
        except Stopping:
            pass
        except Exception as exc:  # reported by the main thread, which also cleans up
            outcome["error"] = exc
        finally:
            finished.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        threading.Thread(target=steps, name="demo-steps", daemon=True).start()
        while not finished.wait(0.2) and not interrupted.is_set():
            pass
    finally:
        for signum in previous:  # a second Ctrl-C must not cut the cleanup short
            signal.signal(signum, signal.SIG_IGN)
        if interrupted.is_set():
            say("interrupted; stopping everything")
        processes.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        say("done; nothing left running")
    if interrupted.is_set():
        return 130
    if "error" in outcome:
        say(f"the demo failed: {outcome['error']}")
        return 1
    code: int = outcome.get("code", 1)
    return code


def _run_steps(settings: Settings, processes: DemoProcesses, workdir: Path) -> int:
    say(
        f"starting a local Apache Kafka {settings.kafka_version} broker on "
        f"127.0.0.1:{settings.kafka_port}"
    )
    processes.start_broker()
    say("creating topics " + ", ".join(t.name for t in pipeline_topics(settings)))
    create_topics(settings.bootstrap_servers, pipeline_topics(settings))
    say("starting the worker")
    worker = processes.start_worker(settings, workdir / "worker.log")
    _wait_until_ready(settings, worker)
    alerts: list[dict[str, Any]] = []
    stop_tail = threading.Event()
    tail = threading.Thread(
        target=_tail,
        args=(settings.bootstrap_servers, settings.topic_alerts, stop_tail, alerts),
        daemon=True,
    )
    tail.start()
    try:
        sample = bundled_sample_path()
        say(
            f"sending the sample stream {sample.name} (normal accounts + a fleet of "
            f"{len(FLEET)}: {FLEET[0]} .. {FLEET[-1]}) at {SEND_SPEED:g}x real time; "
            "alerts as they arrive:"
        )
        started = time.monotonic()
        report = replay_file(
            settings.bootstrap_servers, settings.topic_api_calls, sample, speed=SEND_SPEED
        )
        say(f"sent {report.sent:,} events in {report.seconds:.1f} s")
        elapsed = _wait_until_processed(settings, worker, started)
        time.sleep(2.0)  # the last alerts are on their way
    finally:
        stop_tail.set()
        tail.join(timeout=5)
    dead = count_by_header(settings.bootstrap_servers, settings.topic_dead_letter, "dg-reason")
    return _summarise(alerts, report.sent, elapsed, dead)


def _check_alive(worker: WorkerProcess) -> None:
    if not worker.alive:
        tail = worker.log_text().splitlines()[-30:]
        raise RuntimeError("the worker exited early; its last log lines:\n" + "\n".join(tail))


def _wait_until_ready(settings: Settings, worker: WorkerProcess) -> None:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_S
    while not group_is_stable(settings.bootstrap_servers, settings.app_id):
        _check_alive(worker)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not join within {PROCESSING_TIMEOUT_S:.0f} s")
        time.sleep(0.3)


def _wait_until_processed(settings: Settings, worker: WorkerProcess, started: float) -> float:
    """Until the worker committed every input record and every record its stages passed
    on to the next (link updates, then pair evidence: campaign alerts come last)."""
    topics = [settings.topic_api_calls, links_topic(settings), evidence_topic(settings)]
    deadline = time.monotonic() + PROCESSING_TIMEOUT_S
    while time.monotonic() < deadline:
        _check_alive(worker)
        lag = pipeline_lag(settings.bootstrap_servers, settings.app_id, topics)
        if lag == 0:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"the worker did not finish within {PROCESSING_TIMEOUT_S:.0f} s")


def _summarise(
    alerts: list[dict[str, Any]], events: int, elapsed: float, dead: dict[str, int]
) -> int:
    flagged = sorted({a for alert in alerts for a in alert["account_ids"]})
    in_campaigns = {
        a for alert in alerts if alert.get("kind") == "campaign" for a in alert["account_ids"]
    }
    campaigns = sorted(
        {str(alert.get("campaign_id")) for alert in alerts if alert.get("kind") == "campaign"}
    )
    say(
        f"the worker processed {events:,} events in {elapsed:.1f} s from the first one sent "
        f"({events / elapsed:,.0f} events/s, paced by the sender)"
    )
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(dead.items()))
    say(f"{sum(dead.values())} malformed record(s) dead-lettered with reasons: {reasons or '-'}")
    say(f"{len(alerts)} alert record(s); flagged accounts: {', '.join(flagged) or 'none'}")
    if flagged == sorted(FLEET) and in_campaigns == set(FLEET):
        say(
            f"the distillation fleet ({len(FLEET)} accounts) was caught as "
            f"{'one campaign' if len(campaigns) == 1 else f'{len(campaigns)} campaigns'}"
            f" ({', '.join(campaigns)}) and no normal account was flagged"
        )
        return 0
    say(f"unexpected result: expected exactly the fleet {', '.join(FLEET)} to be flagged")
    return 1
