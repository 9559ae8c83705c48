"""What an operator sees of a worker: Prometheus metrics and structured log lines."""

from __future__ import annotations

import logging
import sys

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.worker.logs import JsonFormatter, RepeatFilter, logging_config
from streams.worker.merge import StreamTimeOrder
from streams.worker.metrics import WorkerMetrics
from tests.core.test_detector import harvest_prompt
from tests.factories import wire_event
from tests.worker.test_runtime import CANARY, Harness


def _samples(metrics: WorkerMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _harvest(h: Harness, n: int) -> None:
    for i in range(n):
        h.feed(
            orjson.dumps(
                wire_event(
                    "h",
                    ts=f"2026-11-23T08:00:{i:02d}.000Z",
                    input_tokens=60,
                    output_tokens=2000,
                    max_tokens=2000,
                    temperature=0.2,
                    turn=1,
                    prompt=harvest_prompt(i),
                )
            )
        )


def test_metrics_count_events_dead_letters_by_reason_and_alerts_by_kind_and_severity() -> None:
    h = Harness()
    metrics = WorkerMetrics(h.runtime, lambda: {("api-calls", 0): 7, ("api-calls", 1): 0})
    _harvest(h, 30)
    h.feed(b"not json")
    h.feed(b"x" * 4096)
    h.feed(b"{also not json")
    h.runtime.checkpoint()
    s = _samples(metrics)
    assert s[("distillguard_events_processed_total", ())] == 30
    assert s[("distillguard_dead_letters_total", (("reason", "not_json"),))] == 2
    assert s[("distillguard_dead_letters_total", (("reason", "too_large"),))] == 1
    alerts = {k: v for k, v in s.items() if k[0] == "distillguard_alerts_total"}
    assert sum(alerts.values()) == len(h.alerts.sent) > 0
    sent = [orjson.loads(v) for _, v, _ in h.alerts.sent]
    for alert in sent:
        key = (
            "distillguard_alerts_total",
            (("kind", alert["kind"]), ("severity", alert["severity"])),
        )
        assert s[key] >= 1
    assert s[("distillguard_tracked_accounts", ())] == 1
    assert s[("distillguard_state_entries", (("table", "profiles"),))] >= 1
    assert s[("distillguard_state_bytes", (("table", "profiles"),))] > 100
    assert s[("distillguard_consumer_lag", (("partition", "0"), ("topic", "api-calls")))] == 7
    assert s[("distillguard_consumer_lag", (("partition", "1"), ("topic", "api-calls")))] == 0


def test_stage_latency_histogram_counts_every_observation_in_its_bucket() -> None:
    metrics = WorkerMetrics(Harness().runtime, dict)
    observe = metrics.timer("accounts")
    for seconds in (2e-5, 3e-5, 0.002):
        observe(seconds)
    s = _samples(metrics)
    name = "distillguard_stage_latency_seconds"
    assert s[(f"{name}_count", (("stage", "accounts"),))] == 3
    assert s[(f"{name}_bucket", (("le", "2.5e-05"), ("stage", "accounts")))] == 1
    assert s[(f"{name}_bucket", (("le", "0.001"), ("stage", "accounts")))] == 2
    assert s[(f"{name}_bucket", (("le", "+Inf"), ("stage", "accounts")))] == 3
    with pytest.raises(ValueError, match="unknown stage"):
        metrics.timer("nope")


def test_metrics_show_how_far_from_time_order_the_stages_were_fed() -> None:
    order = StreamTimeOrder()
    metrics = WorkerMetrics(Harness().runtime, dict, order, lambda: (12, 3))
    for ts in (600_000, 0, 590_000):  # the second is ten minutes behind
        order.observe("accounts", ts)
    s = _samples(metrics)
    assert s[("distillguard_records_behind_stream_time_total", (("stage", "accounts"),))] == 1
    assert s[("distillguard_records_behind_stream_time_total", (("stage", "links"),))] == 0
    assert s[("distillguard_merge_held_records", ())] == 12
    assert s[("distillguard_merge_released_unmatched_total", ())] == 3


def test_two_workers_in_one_process_keep_separate_metrics() -> None:
    a, b = Harness(), Harness()
    ma, mb = WorkerMetrics(a.runtime, dict), WorkerMetrics(b.runtime, dict)
    a.feed(b"not json")
    assert _samples(ma)[("distillguard_dead_letters_total", (("reason", "not_json"),))] == 1
    assert ("distillguard_dead_letters_total", (("reason", "not_json"),)) not in _samples(mb)


def test_dead_letter_log_line_is_json_with_record_coordinates_and_no_prompt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h = Harness()
    with caplog.at_level(logging.WARNING, logger="distillguard.worker"):
        h.feed(orjson.dumps({**wire_event(), "ts": "not a time", "prompt": CANARY}), partition=1)
    [record] = [r for r in caplog.records if "dead-lettered" in r.getMessage()]
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = orjson.loads(line)
    assert entry["level"] == "warning"
    assert entry["logger"] == "distillguard.worker"
    assert (entry["topic"], entry["partition"], entry["offset"]) == ("api-calls", 1, 0)
    assert entry["reason"] == "bad_ts"
    assert "CANARY" not in line


def test_json_formatter_keeps_exceptions_on_one_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = orjson.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed" and "RuntimeError: boom" in entry["exc"]


def test_log_format_is_json_or_text_only() -> None:
    config = logging_config("info", "json")
    assert config is not None and config["handlers"]["default"]["formatter"] == "json"
    assert logging_config("info", "text") is None
    with pytest.raises(ValueError, match="json"):
        logging_config("info", "xml")


def _record(name: str, msg: str, created: float, *args: object) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, None)
    record.created = created
    return record


def test_a_library_repeating_itself_is_logged_a_few_times_per_window_with_a_count() -> None:
    repeats = RepeatFilter(window_s=10.0, burst=3)
    conn = "Unable connect to node with id %s: %s"
    kept = [
        repeats.filter(_record("aiokafka.conn", conn, t, 1, "refused"))
        for t in (0.0, 0.1, 0.2, 0.3, 5.0, 10.5, 10.6)
    ]
    assert kept == [True, True, True, False, False, True, True]
    late = _record("aiokafka.conn", conn, 10.5, 1, "refused")
    repeats2 = RepeatFilter(window_s=10.0, burst=3)
    for t in (0.0, 1.0, 2.0, 3.0, 4.0):
        repeats2.filter(_record("aiokafka.conn", conn, t, 1, "refused"))
    assert repeats2.filter(late)
    assert orjson.loads(JsonFormatter().format(late))["suppressed"] == 2
    # Another message, or the worker's own record-level lines, are never held back.
    assert repeats.filter(_record("aiokafka.conn", "other %s", 10.7, 1))
    assert all(
        repeats.filter(_record("distillguard.worker", "dead-lettered %s", 11.0 + i / 10, i))
        for i in range(5)
    )


def test_a_takeover_right_after_the_start_still_says_it_finished() -> None:
    """faust's lifecycle lines come again when a rebalance follows the start within
    seconds; they must not be taken for a library repeating itself."""
    repeats = RepeatFilter()
    said = [
        repeats.filter(_record("faust.tables.recovery", line, t))
        for t in (0.0, 7.5)
        for line in ("[^---Recovery]: Recovery complete", "[^---Recovery]: Worker ready")
    ]
    assert all(said)


def test_the_json_log_config_filters_repeats() -> None:
    config = logging_config("info", "json")
    assert config is not None and config["handlers"]["default"]["filters"] == ["repeats"]
