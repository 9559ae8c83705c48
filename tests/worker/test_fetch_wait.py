"""The worker's consumer waits at most ``fetch_wait_ms`` for new records per fetch.

faust hard-codes 1.5 s; with the stages chained through internal topics that made
campaign alerts seconds late (docs/operations.md, benchmark (e))."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from streams.config import load_settings
from streams.worker.app import create_app


@pytest.mark.parametrize("wait_ms", [100, 250])
def test_the_worker_consumer_takes_the_fetch_wait_from_the_settings(
    tmp_path: Path, wait_ms: int
) -> None:
    async def fetch_wait() -> int:
        settings = load_settings(
            {}, overrides={"data_dir": str(tmp_path), "fetch_wait_ms": wait_ms}
        )
        app = create_app(settings)
        thread = app.consumer._new_consumer_thread()  # type: ignore[attr-defined]
        consumer = thread._create_worker_consumer(app.transport)
        try:
            return int(consumer._fetch_max_wait_ms)
        finally:
            consumer._closed = True  # never started: nothing to close

    assert asyncio.run(fetch_wait()) == wait_ms


def test_a_fetch_wait_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="fetch_wait_ms"):
        load_settings({}, overrides={"fetch_wait_ms": -1})
