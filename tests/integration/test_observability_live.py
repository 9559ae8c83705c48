"""A live worker on the real broker shows what it did: /metrics, /healthz, /readyz, JSON logs."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import orjson
from prometheus_client.parser import text_string_to_metric_families

from streams.kafka.broker import LocalBroker, free_ports
from streams.worker.process import WorkerProcess
from tests.factories import wire_event
from tests.integration.pipeline import keyed, pipeline_settings, send, wait_caught_up, wait_for


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_worker_exposes_metrics_health_readiness_and_json_logs(
    kafka_broker: LocalBroker, unique_name: str, tmp_path: Path
) -> None:
    [port] = free_ports(1)
    settings = pipeline_settings(
        kafka_broker.bootstrap, unique_name, tmp_path, web_port=port, log_format="json"
    )
    events = [
        wire_event(f"acct-{i % 5}", f"2026-11-23T10:00:{i % 60:02d}.000Z", event_id=f"e-{i}")
        for i in range(40)
    ]
    bad: list[tuple[bytes | None, bytes]] = [
        (b"acct-0", b"{not json"),
        (b"acct-1", b"[1, 2]"),
        (b"acct-2", b"{broken"),
    ]
    with WorkerProcess(settings, tmp_path / "worker.log") as worker:
        wait_for(lambda: _get(port, "/readyz")[0] == 200, 90, "the worker to be ready", worker)
        assert _get(port, "/healthz") == (200, b'{"status":"ok"}')
        send(settings.bootstrap_servers, settings.topic_api_calls, keyed(events) + bad)
        wait_caught_up(settings, worker)

        def scraped() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
            status, body = _get(port, "/metrics")
            assert status == 200, worker.log_text()[-3000:]
            return _samples(body.decode())

        # Lag is read from the committed offsets the worker itself holds.
        source_lag = [
            (k, v)
            for k, v in scraped().items()
            if k[0] == "distillguard_consumer_lag" and ("topic", settings.topic_api_calls) in k[1]
        ]
        wait_for(
            lambda: all(
                v == 0
                for k, v in scraped().items()
                if k[0] == "distillguard_consumer_lag"
                and ("topic", settings.topic_api_calls) in k[1]
            ),
            30,
            "the worker's own lag to reach 0",
            worker,
        )
        s = scraped()
        worker.stop()
    assert len(source_lag) == 2  # both input partitions are assigned to this one worker
    assert s[("distillguard_events_processed_total", ())] == len(events)
    assert s[("distillguard_dead_letters_total", (("reason", "not_json"),))] == 2
    assert s[("distillguard_dead_letters_total", (("reason", "not_object"),))] == 1
    assert s[("distillguard_tracked_accounts", ())] == 5
    assert s[("distillguard_stage_latency_seconds_count", (("stage", "accounts"),))] == len(
        events
    ) + len(bad)
    assert s[("distillguard_state_entries", (("table", "profiles"),))] >= 5

    lines = [line for line in worker.log_text().splitlines() if line.startswith("{")]
    entries = [orjson.loads(line) for line in lines]
    assert entries, "the worker logged no JSON lines"
    assert all({"ts", "level", "logger", "message"} <= set(e) for e in entries)
    dead = [e for e in entries if e["message"].startswith("dead-lettered")]
    assert len(dead) == len(bad)
    for entry in dead:
        assert entry["topic"] == settings.topic_api_calls
        assert entry["partition"] in (0, 1) and entry["offset"] >= 0
        assert entry["reason"] in ("not_json", "not_object")
