"""Fault tests (issue 5): the broker restarts under a running worker; a flood of fuzzed,
malformed records. Each runs against a real broker, is bounded in time and checks that
nothing is lost."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer

from streams.config import Settings
from streams.core.pipeline import params_from_settings
from streams.core.redact import redact_prompt
from streams.kafka.broker import LocalBroker, pid_alive
from streams.kafka.io import pipeline_lag
from streams.offline.backtest import run_backtest
from streams.offline.sources import file_records
from streams.worker.process import WorkerProcess
from tests.factories import T0, wire_event
from tests.fuzz_records import CANARY, expected_reason, fuzz, valid_event
from tests.integration.pipeline import (
    keyed,
    latest_profiles,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
    wait_for,
)


def _events(start: int, count: int, accounts: int) -> list[dict[str, Any]]:
    """Plain events, 50 ms apart in event time, round-robin over ``accounts`` accounts."""
    return [
        wire_event(
            f"acct-{i % accounts:03d}",
            _rfc3339(T0 + 50 * i),
            event_id=f"e-{i}",
            output_tokens=200 + (i * 7919) % 1800,
        )
        for i in range(start, start + count)
    ]


def _rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + f".{ms % 1000:03d}Z"


def _account_alerts(alerts: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    """Account alerts as a set: what must match a clean run. A set, because at-least-once
    may re-send an alert (same id and version) after a fault; consumers de-duplicate."""
    return {
        (a["alert_id"], a["version"], a["detected_at"], a["score"])
        for a in alerts
        if a["kind"] == "account"
    }


def _lag(settings: Settings) -> int | None:
    try:
        return pipeline_lag(settings.bootstrap_servers, settings.app_id, [settings.topic_api_calls])
    except Exception:  # the broker is coming back: no answer yet
        return None


def _progress(settings: Settings) -> Callable[[], bool]:
    """A condition: the group committed more of the input than it had now."""
    mark = _lag(settings)

    def progressed() -> bool:
        lag = _lag(settings)
        return lag is not None and (mark is None or lag < mark)

    return progressed


def _kill_broker(broker: LocalBroker) -> None:
    """SIGKILL the broker JVM: no controlled shutdown, no flush, no goodbye."""
    pid = broker.status().pid
    assert pid is not None, "the broker must be running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(pid):
        assert time.monotonic() < deadline, "the broker JVM outlived SIGKILL"
        time.sleep(0.05)


def _assert_no_crash(worker: WorkerProcess) -> None:
    """Not even an agent crashed (faust's supervisor would restart it in the same process)."""
    log = worker.log_text()
    for sign in ("Crashed reason", "Restarting dead", "Traceback"):
        assert sign not in log, f"{sign!r} in the worker log:\n{log[log.find(sign) - 2000 :]}"


@pytest.mark.faults
@pytest.mark.timeout(150)
def test_worker_rides_out_broker_restarts_mid_stream(
    broker_factory: Callable[[], LocalBroker], unique_name: str, tmp_path: Path
) -> None:
    """A broker of its own (the session broker is shared), stopped gracefully and later
    killed with SIGKILL while the worker has records pending, each time restarted on the
    same ports and data. The worker process rides both out and finishes: every event
    counted exactly once, and the account alerts those of a clean (offline) run."""
    broker = broker_factory()
    broker.start(timeout=180)
    # A lone-account threshold these plain events reach, so the runs raise alerts.
    settings = pipeline_settings(
        broker.bootstrap, unique_name, tmp_path, partitions=2, account_threshold=0.25
    )
    events = _events(0, 24_000, accounts=60)
    # Input arrives in three parts, the second just before the kill: the worker drains
    # thousands of events a second, so each fault must meet records still pending.
    before, between, after = events[:12_000], events[12_000:20_000], events[20_000:]
    worker = WorkerProcess(settings, tmp_path / "worker.log").start()
    lags: list[int | None] = []
    try:
        # A first commit, so the lag at the fault is a number (a checkpoint alone can
        # precede its commit under load); the rest of the first part is sent after it,
        # so the first fault still meets records pending however fast the worker is.
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(before[:2_000]))
        wait_for(lambda: _lag(settings) is not None, 60, "a first commit", worker)
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(before[2_000:]))
        for fault in ("graceful", "kill"):
            if fault == "kill":
                send(settings.bootstrap_servers, settings.topic_api_calls, keyed(between))
            lags.append(_lag(settings))
            if fault == "graceful":
                broker.stop()
            else:
                _kill_broker(broker)
            time.sleep(3)  # the worker runs on without any broker for a while
            assert worker.alive, f"the worker died without a broker:\n{worker.log_text()[-4000:]}"
            broker.start(timeout=60)
            if fault == "graceful":
                # Progress after the first restart, before the second fault.
                wait_for(_progress(settings), 60, "progress after the broker came back", worker)
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(after))
        wait_caught_up(settings, worker, timeout_s=90)
        assert worker.alive
    finally:
        code = worker.stop()
    assert all(lag is not None and lag > 0 for lag in lags), (
        f"each fault must land while records are pending (lags {lags})"
    )
    assert code == 0, worker.log_text()[-4000:]
    _assert_no_crash(worker)
    profiles = latest_profiles(settings)
    assert len(profiles) == 60
    assert sum(p.requests for p in profiles.values()) == len(events)  # none lost, none twice
    counts = {p: sum(1 for e in events if e["account_id"] == p) for p in profiles}
    assert {a: p.requests for a, p in profiles.items()} == counts

    live = [
        orjson.loads(r.value) for r in read_all(settings.bootstrap_servers, settings.topic_alerts)
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(value + b"\n" for _, value in keyed(events)))
    clean = run_backtest(
        file_records(path, settings.partitions),
        params_from_settings(settings),
        max_record_bytes=settings.max_record_bytes,
    )
    assert clean.flagged_accounts, "the test needs alerts to compare"
    assert _account_alerts(live) == _account_alerts(clean.alerts)


def _send_positions(
    bootstrap: str, topic: str, records: list[tuple[bytes | None, bytes | None]]
) -> list[tuple[int, int]]:
    """Send ``records`` in order; the (partition, offset) each one was written at."""
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_request_size=4 << 20
    )
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in records]
        producer.flush(timeout=60)
        return [(meta.partition, meta.offset) for meta in (f.get(timeout=10) for f in futures)]
    finally:
        producer.close(timeout=10)


@pytest.mark.faults
@pytest.mark.timeout(150)
def test_ten_thousand_fuzzed_records_are_each_dead_lettered_and_the_worker_goes_on(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    """10,000 malformed records of every kind (tests/fuzz_records.py), mixed with 2,000
    valid events, through one worker: each malformed record is dead-lettered exactly once,
    found by its source partition and offset, with the reason the contract gives it, its
    original bytes (prompt redacted) and a sentence; every valid event is counted in its
    account's profile; the worker process never crashed and stops cleanly."""
    max_bytes = 8192
    settings = pipeline_settings(
        kafka_broker.bootstrap, unique_name, tmp_path, partitions=3, max_record_bytes=max_bytes
    )
    rng = random.Random(20261123)
    accounts = [f"acct-{i:02d}" for i in range(30)]
    bad = fuzz(rng, 10_000, max_bytes, accounts)
    good = [valid_event(rng, i, rng.choice(accounts)) for i in range(2_000)]
    # The valid events keep their (event-time) order; the bad ones fall in between.
    slots = sorted(rng.sample(range(len(bad) + len(good)), len(good)))
    stream: list[tuple[bytes | None, bytes | None, Any]] = []
    bad_iter, good_iter = iter(bad), iter(good)
    slot_set = set(slots)
    for i in range(len(bad) + len(good)):
        if i in slot_set:
            doc = next(good_iter)
            value = orjson.dumps(doc)
            assert expected_reason(value, max_bytes) is None, doc
            stream.append((doc["account_id"].encode(), value, doc))
        else:
            item = next(bad_iter)
            stream.append((item.key, item.value, item))

    started = time.monotonic()
    with WorkerProcess(settings, tmp_path / "worker.log") as worker:
        positions = _send_positions(
            settings.bootstrap_servers,
            settings.topic_api_calls,
            [(key, value) for key, value, _ in stream],
        )
        wait_caught_up(settings, worker, timeout_s=90)
        assert worker.alive
        code = worker.stop()
    elapsed = time.monotonic() - started
    assert code == 0, worker.log_text()[-4000:]
    _assert_no_crash(worker)

    expected = {pos: item for pos, (_, _, item) in zip(positions, stream, strict=True)}
    malformed = {pos: item for pos, item in expected.items() if not isinstance(item, dict)}
    dead = read_all(settings.bootstrap_servers, settings.topic_dead_letter)
    seen = Counter(
        (int(dict(r.headers)["dg-source-partition"]), int(dict(r.headers)["dg-source-offset"]))
        for r in dead
    )
    assert len(malformed) == 10_000
    missing = set(malformed) - set(seen)
    assert not missing, f"{len(missing)} malformed record(s) never dead-lettered"
    assert set(seen) == set(malformed), "a valid event was dead-lettered"
    assert max(seen.values()) == 1, "a record was dead-lettered more than once"
    reasons: Counter[str] = Counter()
    for record in dead:
        headers = dict(record.headers)
        item = malformed[(int(headers["dg-source-partition"]), int(headers["dg-source-offset"]))]
        reason = headers["dg-reason"].decode()
        reasons[reason] += 1
        assert reason == item.expected_reason, (item.how, item.value)
        assert headers["dg-source-topic"] == settings.topic_api_calls.encode()
        assert headers["dg-error"], "a human-readable sentence"
        assert record.key is None
        original = b"" if item.value is None else item.value
        assert record.value == redact_prompt(original), item.how
        assert CANARY.encode() not in headers["dg-error"]
        if b'"prompt":"' + CANARY.encode() in original:  # prompt key intact: redacted
            assert CANARY.encode() not in record.value, item.how
    assert len(reasons) >= 8, reasons  # every kind of reason, not 10,000 of one

    profiles = latest_profiles(settings)
    counts = Counter(doc["account_id"] for doc in good)
    assert {a: p.requests for a, p in profiles.items()} == dict(counts)
    assert elapsed < 120, f"took {elapsed:.0f} s"
