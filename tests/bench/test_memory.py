"""The memory measure (f) runs the runtime the way the worker does: checkpoints on cadence."""

from __future__ import annotations

import pytest

from streams.bench import memory
from streams.config import Settings
from streams.worker.runtime import WorkerRuntime


def _count_checkpoints(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = WorkerRuntime.checkpoint

    def counted(self: WorkerRuntime) -> int:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(WorkerRuntime, "checkpoint", counted)
    return calls


def test_checkpoints_every_n_events_and_once_more_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _count_checkpoints(monkeypatch)
    figures = memory.measure(300, 3, partitions=2, checkpoint_every=200)
    assert len(calls) == 900 // 200 + 1
    assert figures["accounts"] == 300 and figures["checkpoint_every"] == 200
    assert figures["checkpoint_bytes_per_account"] > 0  # every account's profile is held


def test_zero_means_one_checkpoint_at_the_end(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_checkpoints(monkeypatch)
    memory.measure(100, 2, partitions=2, checkpoint_every=0)
    assert len(calls) == 1


def test_the_default_cadence_is_the_workers() -> None:
    assert Settings().checkpoint_max_events == memory.CHECKPOINT_EVERY
