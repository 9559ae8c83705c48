"""The bench table says what held, and shows a stalled drain instead of a rate."""

from __future__ import annotations

from typing import Any

from streams.bench.run import BenchReport, _rows, format_table


def _figures(**overrides: Any) -> dict[str, Any]:
    drain = {"records": 1000, "seconds": 1.0, "per_second": 1000.0}
    latency = {"sent": 10, "rate": 5.0, "alerts": 3, "p50_s": 0.05, "p99_s": 0.2}
    figures: dict[str, Any] = {
        "a_passthrough": {**drain, "per_second": 1200.0},
        "b_one_worker": drain,
        "c_two_workers": {**drain, "per_second": 1700.0},
        "d_backtest": {**drain, "per_second": 60_000.0},
        "e_latency": latency,
        "e_latency_quarter": latency,
        "f_memory": {"bytes_per_account": 1900.0, "accounts": 100_000.0},
    }
    figures.update(overrides)
    return figures


def test_every_target_is_judged_from_the_figures() -> None:
    holds = {r["target"]: r["holds"] for r in _rows(_figures())}
    assert holds == {
        "ceiling": None,
        ">= 0.7 x (a)": True,  # 1000 / 1200
        ">= 1.6 x (b)": True,  # 1700 / 1000
        ">= 50,000 ev/s": True,
        "p99 < 1 s": True,
        "(for reference)": None,
        "<= 2 KB": True,
    }


def test_a_stalled_drain_is_shown_as_such_and_does_not_hold() -> None:
    stalled = {"records": 0, "seconds": 0.0, "per_second": 0.0, "stalled": "no commit"}
    rows = _rows(_figures(c_two_workers=stalled))
    (c,) = [r for r in rows if r["what"].startswith("(c)")]
    assert c["measured"].startswith("STALLED") and c["holds"] is False
    assert "STALLED" in format_table(BenchReport(input_events=1000, rows=rows))
