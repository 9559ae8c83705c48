"""A partition revoked while the worker's merge asks about it must not crash the worker.

Regression (clean-clone CI, test_two_workers_one_killed_mid_stream_lose_nothing): one
worker killed, the other took its partitions over; during that rebalance the time-ordered
merge asked for the highwater of a partition the client's thread had just revoked, aiokafka
asserted "Partition is not assigned", the fetcher crashed and the worker with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faust.types import TP

from streams.config import load_settings
from streams.worker.app import create_app


def _revoked(tp: Any) -> int:
    raise AssertionError("Partition is not assigned")


def _revoked_optimised(tp: Any) -> int:
    """What aiokafka's highwater does for a revoked partition under ``python -O``."""
    state: Any = None
    return int(state.highwater)


@pytest.mark.parametrize("highwater", [_revoked, _revoked_optimised])
def test_a_partition_revoked_under_the_merge_counts_as_unknown(
    tmp_path: Path, highwater: Callable[[Any], int]
) -> None:
    async def ask() -> tuple[bool, bool]:
        settings = load_settings({}, overrides={"data_dir": str(tmp_path)})
        consumer: Any = create_app(settings).consumer
        tp = TP("api-calls", 0)
        consumer.highwater = highwater
        revoked = consumer._has_more(tp)
        consumer.highwater = lambda tp: 10
        consumer._next_fetched[tp] = 10
        caught_up = consumer._has_more(tp)
        return revoked, caught_up

    revoked, caught_up = asyncio.run(ask())
    assert revoked is True  # held like a partition not fetched yet, no crash
    assert caught_up is False
