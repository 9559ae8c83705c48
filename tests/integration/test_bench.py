"""`distillguard bench` runs every measurement on its own real broker and reports them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from streams.sample import bundled_sample_path


@pytest.mark.timeout(420)
def test_bench_prints_the_table_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams",
            "bench",
            "--file",
            str(bundled_sample_path()),  # small: the figures are checked, not judged
            "--latency-seconds",
            "8",
            "--memory-accounts",
            "2000",
            "--stall-seconds",
            "45",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout
    rows = ["(a) bare faust", "(b) full pipeline, 1", "(c) full pipeline, 2"]
    rows += ["(d) in-process backtest", "(e) event-to-alert", "(f) RSS per"]
    for row in rows:
        assert row in table
    report = orjson.loads(out.read_bytes())
    f = report["figures"]
    assert report["input_events"] > 0
    for stage in ("a_passthrough", "b_one_worker", "c_two_workers"):
        if "stalled" in f[stage]:
            # The known two-worker commit stall (docs/operations.md) is reported, not hidden.
            assert stage == "c_two_workers" and "STALLED" in table
            continue
        # Every record the broker took was committed by every stage.
        assert 0 < f[stage]["records"] <= report["input_events"]
        assert f[stage]["per_second"] > 0
        # Where the cores went: each stage process and the broker were charged CPU time.
        cpu = f[stage]["cpu"]
        assert all(s is not None and s > 0 for s in cpu["stage_cpu_s"])
        assert cpu["broker_cpu_s"] > 0 and cpu["cores_busy"] > 0
    assert f["d_backtest"]["records"] == report["input_events"]
    assert f["e_latency"]["sent"] > 0 and f["e_latency"]["p99_s"] >= f["e_latency"]["p50_s"]
    assert f["f_memory"]["accounts"] == 2000 and f["f_memory"]["bytes_per_account"] > 0
    assert {r["target"] for r in report["rows"]} >= {">= 0.7 x (a)", "p99 < 1 s", "<= 2 KB"}
