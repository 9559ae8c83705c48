"""Bad input never stops the worker; a restarted worker loses and double-counts nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import orjson

from streams.core.pipeline import params_from_settings
from streams.core.redact import redact_prompt
from streams.kafka.broker import LocalBroker
from streams.kafka.io import group_is_stable, pipeline_lag
from streams.offline.backtest import run_backtest
from streams.offline.sources import file_records
from streams.worker.process import WorkerProcess
from tests.factories import wire_event
from tests.integration.pipeline import (
    keyed,
    latest_profiles,
    pipeline_settings,
    read_all,
    send,
    wait_caught_up,
    wait_for,
)

CANARY = "CANARY-51c0 secret prompt"


def test_malformed_records_are_dead_lettered_and_the_worker_goes_on(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(
        kafka_broker.bootstrap, unique_name, tmp_path, max_record_bytes=4096
    )
    good = wire_event("acct-ok", prompt=CANARY)
    bad: dict[str, bytes] = {
        "not_json": b"{this is not json",
        "missing_field": orjson.dumps({k: v for k, v in good.items() if k != "model"}),
        "wrong_type": orjson.dumps({**good, "input_tokens": "12"}),
        "bad_ts": orjson.dumps({**good, "ts": "2026-13-45T99:00:00Z"}),
        "too_large": orjson.dumps({**good, "prompt": CANARY + "x" * 10_000}),
    }
    with WorkerProcess(settings, tmp_path / "worker.log") as worker:
        send(
            settings.bootstrap_servers,
            settings.topic_api_calls,
            [(b"acct-ok", value) for value in bad.values()],
        )
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed([good]))
        wait_caught_up(settings, worker)
        assert worker.alive
    dead = read_all(settings.bootstrap_servers, settings.topic_dead_letter)
    by_reason = {dict(r.headers)["dg-reason"].decode(): r for r in dead}
    assert set(by_reason) == set(bad)
    for reason, record in by_reason.items():
        headers = dict(record.headers)
        assert headers["dg-source-topic"] == settings.topic_api_calls.encode()
        assert int(headers["dg-source-partition"]) in (0, 1)
        assert int(headers["dg-source-offset"]) >= 0
        assert headers["dg-error"]  # a human-readable sentence
        assert b"CANARY" not in record.value and b"CANARY" not in headers["dg-error"]
        # The original bytes, with nothing but the prompt value masked.
        assert record.value == redact_prompt(bad[reason])
    assert by_reason["not_json"].value == bad["not_json"]
    assert latest_profiles(settings)["acct-ok"].requests == 1  # the valid one went through


def _batch(start: int, count: int, accounts: int = 7) -> list[dict[str, object]]:
    return [
        wire_event(
            f"acct-{i % accounts}",
            f"2026-11-23T10:{(i // 60) % 60:02d}:{i % 60:02d}.000Z",
            event_id=f"e-{i}",
        )
        for i in range(start, start + count)
    ]


def test_stopped_and_restarted_worker_resumes_without_losing_or_double_counting(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_broker.bootstrap, unique_name, tmp_path)
    first, second = _batch(0, 300), _batch(300, 200)
    with WorkerProcess(settings, tmp_path / "worker-1.log") as worker:
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(first))
        wait_caught_up(settings, worker)
    # While no worker runs, more traffic arrives.
    send(settings.bootstrap_servers, settings.topic_api_calls, keyed(second))
    with WorkerProcess(settings, tmp_path / "worker-2.log") as worker:
        wait_caught_up(settings, worker)
    profiles = latest_profiles(settings)
    assert sum(p.requests for p in profiles.values()) == 500
    assert profiles["acct-0"].requests == len(
        [e for e in first + second if e["account_id"] == "acct-0"]
    )


def test_worker_killed_mid_stream_loses_nothing_after_restart(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    settings = pipeline_settings(kafka_broker.bootstrap, unique_name, tmp_path)
    events = _batch(0, 30_000, accounts=50)
    worker = WorkerProcess(settings, tmp_path / "worker-1.log").start()
    try:
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(events[:10_000]))
        wait_for(lambda: bool(latest_profiles(settings)), 60, "a first checkpoint", worker)
        sender = threading.Thread(
            target=send,
            args=(settings.bootstrap_servers, settings.topic_api_calls, keyed(events[10_000:])),
        )
        sender.start()
        time.sleep(0.5)
        lag = pipeline_lag(settings.bootstrap_servers, settings.app_id, [settings.topic_api_calls])
        worker.kill()  # SIGKILL mid-stream: no final checkpoint, no final commit
        sender.join()
    finally:
        worker.stop()
    assert lag is not None and lag > 0, "the kill must land while records are still pending"
    with WorkerProcess(settings, tmp_path / "worker-2.log") as worker:
        wait_caught_up(settings, worker, timeout_s=120)
    profiles = latest_profiles(settings)
    assert sum(p.requests for p in profiles.values()) == 30_000  # none lost, none twice
    assert len(profiles) == 50


def test_two_workers_one_killed_mid_stream_lose_nothing(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    """Scale-out: two workers share four partitions; one is killed mid-stream, the other
    takes its partitions over (state restored from the changelog), a replacement joins.
    Every event counts once, and the alerts name the accounts a backtest flags."""
    # A lone-account threshold these plain events reach, so both runs raise alerts.
    settings = pipeline_settings(
        kafka_broker.bootstrap, unique_name, tmp_path, partitions=4, account_threshold=0.25
    )
    other = settings.with_overrides({"data_dir": str(tmp_path / "worker-b-data")})
    events = _batch(0, 30_000, accounts=120)
    first = WorkerProcess(settings, tmp_path / "worker-a.log").start()
    second = WorkerProcess(other, tmp_path / "worker-b.log").start()
    replacement = WorkerProcess(other, tmp_path / "worker-c.log")
    try:
        wait_for(
            lambda: group_is_stable(settings.bootstrap_servers, settings.app_id),
            60,
            "both workers to join",
            first,
        )
        sender = threading.Thread(
            target=send,
            args=(settings.bootstrap_servers, settings.topic_api_calls, keyed(events)),
        )
        sender.start()
        wait_for(lambda: bool(latest_profiles(settings)), 60, "a first checkpoint", first)
        lag = pipeline_lag(settings.bootstrap_servers, settings.app_id, [settings.topic_api_calls])
        second.kill()
        sender.join()
        assert lag is not None and lag > 0, "the kill must land while records are pending"
        wait_caught_up(settings, first)
        replacement.start()
        wait_for(
            lambda: group_is_stable(settings.bootstrap_servers, settings.app_id),
            60,
            "the replacement to join",
            replacement,
        )
    finally:
        for worker in (first, second, replacement):
            worker.stop()
    profiles = latest_profiles(settings)
    assert sum(p.requests for p in profiles.values()) == 30_000
    assert len(profiles) == 120
    alerts = [
        orjson.loads(r.value) for r in read_all(settings.bootstrap_servers, settings.topic_alerts)
    ]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"".join(value + b"\n" for _, value in keyed(events)))
    offline = run_backtest(
        file_records(path, 4),
        params_from_settings(settings),
        max_record_bytes=settings.max_record_bytes,
    )
    assert offline.flagged_accounts
    assert {a for alert in alerts for a in alert["account_ids"]} == offline.flagged_accounts
