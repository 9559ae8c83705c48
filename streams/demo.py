"""``distillguard demo``: the whole pipeline on one machine, then everything stopped again.

Starts a private broker (free ports, temporary home), creates the topics, starts a worker
process, sends the bundled sample stream (normal accounts plus one harvester), prints
alerts as they arrive, and stops everything it started, also on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

import orjson

from streams.config import Settings
from streams.kafka.broker import BrokerConfig, LocalBroker, default_cache_dir
from streams.kafka.io import (
    committed_lag,
    consume,
    count_by_header,
    format_alert_line,
    group_is_stable,
    produce_file,
)
from streams.kafka.pipeline import pipeline_topics
from streams.kafka.topics import create_topics
from streams.sample import HARVESTER, bundled_sample_path
from streams.worker.process import WorkerProcess

PROCESSING_TIMEOUT_S = 180.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _tail(bootstrap: str, topic: str, stop: threading.Event, seen: list[dict[str, Any]]) -> None:
    for record in consume(bootstrap, topic, from_beginning=True, stop=stop.is_set):
        alert = orjson.loads(record.value)
        seen.append(alert)
        print("  ALERT " + format_alert_line(alert), flush=True)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_demo(settings: Settings, keep_running: bool = False) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="distillguard-demo-"))
    say(f"working in {workdir}")
    port, controller_port = free_port(), free_port()
    settings = settings.with_overrides(
        {
            "bootstrap_servers": f"127.0.0.1:{port}",
            "kafka_home": str(workdir / "broker"),
            "kafka_port": port,
            "kafka_controller_port": controller_port,
            "data_dir": str(workdir / "worker-data"),
            "app_id": "distillguard-demo",
        }
    )
    broker = LocalBroker(
        BrokerConfig(
            home=workdir / "broker",
            cache_dir=default_cache_dir(),
            kafka_version=settings.kafka_version,
            port=port,
            controller_port=controller_port,
        )
    )
    previous_term = signal.signal(signal.SIGTERM, _raise_interrupt)
    stop_tail = threading.Event()
    try:
        say(f"starting a local Apache Kafka {settings.kafka_version} broker on 127.0.0.1:{port}")
        broker.start()
        say("creating topics " + ", ".join(t.name for t in pipeline_topics(settings)))
        create_topics(settings.bootstrap_servers, pipeline_topics(settings))
        log_path = workdir / "worker.log"
        say("starting the worker")
        with WorkerProcess(settings, log_path) as worker:
            _wait_until_ready(settings, worker)
            alerts: list[dict[str, Any]] = []
            tail = threading.Thread(
                target=_tail,
                args=(settings.bootstrap_servers, settings.topic_alerts, stop_tail, alerts),
                daemon=True,
            )
            tail.start()
            sample = bundled_sample_path()
            say(f"sending the sample stream {sample.name} (normal accounts + {HARVESTER})")
            started = time.monotonic()
            report = produce_file(settings.bootstrap_servers, settings.topic_api_calls, sample)
            say(f"sent {report.sent:,} events in {report.seconds:.1f} s; alerts as they arrive:")
            elapsed = _wait_until_processed(settings, worker, started)
            time.sleep(2.0)  # the last alerts are on their way
            stop_tail.set()
            tail.join(timeout=5)
            dead = count_by_header(
                settings.bootstrap_servers, settings.topic_dead_letter, "dg-reason"
            )
            return _summarise(alerts, report.sent, elapsed, dead)
    except KeyboardInterrupt:
        say("interrupted; stopping everything")
        return 130
    finally:
        stop_tail.set()
        say("stopping the broker")
        broker.stop()
        signal.signal(signal.SIGTERM, previous_term)
        shutil.rmtree(workdir, ignore_errors=True)
        say("done; nothing left running")


def _wait_until_ready(settings: Settings, worker: WorkerProcess) -> None:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_S
    while not group_is_stable(settings.bootstrap_servers, settings.app_id):
        _check_alive(worker)
        if time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not join within {PROCESSING_TIMEOUT_S:.0f} s")
        time.sleep(0.3)


def _check_alive(worker: WorkerProcess) -> None:
    if not worker.alive:
        tail = worker.log_text().splitlines()[-30:]
        raise RuntimeError("the worker exited early; its last log lines:\n" + "\n".join(tail))


def _wait_until_processed(settings: Settings, worker: WorkerProcess, started: float) -> float:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_S
    while time.monotonic() < deadline:
        _check_alive(worker)
        lag = committed_lag(settings.bootstrap_servers, settings.app_id, settings.topic_api_calls)
        if lag == 0:
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"the worker did not finish within {PROCESSING_TIMEOUT_S:.0f} s")


def _summarise(
    alerts: list[dict[str, Any]], events: int, elapsed: float, dead: dict[str, int]
) -> int:
    flagged = sorted({a for alert in alerts for a in alert["account_ids"]})
    say(
        f"the worker processed {events:,} events in {elapsed:.1f} s from the first one sent "
        f"({events / elapsed:,.0f} events/s, limited by the sender)"
    )
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(dead.items()))
    say(f"{sum(dead.values())} malformed record(s) dead-lettered with reasons: {reasons or '-'}")
    say(f"{len(alerts)} alert record(s); flagged accounts: {', '.join(flagged) or 'none'}")
    if flagged == [HARVESTER]:
        say("the harvesting account was caught and no normal account was flagged")
        return 0
    say(f"unexpected result: expected exactly {HARVESTER} to be flagged")
    return 1
