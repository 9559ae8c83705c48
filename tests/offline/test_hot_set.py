"""Spilling idle profiles to bytes changes nothing the detector decides."""

from __future__ import annotations

from dataclasses import replace

from streams.core.pipeline import PipelineParams
from streams.offline.backtest import run_backtest
from streams.offline.sources import file_records
from streams.sample import bundled_sample_path


def _alerts(hot_accounts: int) -> list[dict[str, object]]:
    params = PipelineParams()
    params = replace(params, detector=replace(params.detector, hot_accounts=hot_accounts))
    result = run_backtest(file_records(bundled_sample_path(), 4), params, max_record_bytes=1 << 20)
    return [{k: v for k, v in a.items() if k != "emitted_at"} for a in result.alerts]


def test_a_tiny_hot_set_raises_exactly_the_same_alerts() -> None:
    everything_live = _alerts(hot_accounts=100_000)
    assert everything_live  # the sample's fleet is caught
    assert _alerts(hot_accounts=2) == everything_live
