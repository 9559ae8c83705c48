"""The worker hands freed heap back to the OS after checkpoints, but not every time, and
keeps its start-up objects out of full garbage collections."""

from __future__ import annotations

import platform

import pytest

from streams.worker import heap
from streams.worker.heap import HeapTrimmer, freeze_startup_objects


def test_trims_at_most_once_per_period(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def trim(pad: int) -> int:
        calls.append(pad)
        return 1

    monkeypatch.setattr(heap, "_TRIM", trim)
    now = [100.0]
    trimmer = HeapTrimmer(lambda: now[0], every_s=30.0)
    assert not trimmer.maybe_trim()  # just started
    now[0] += 29.0
    assert not trimmer.maybe_trim()
    now[0] += 2.0
    assert trimmer.maybe_trim()
    assert not trimmer.maybe_trim()  # the period restarts
    assert calls == [0]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_trim_is_found_and_runs() -> None:
    assert heap.release_free_heap(collect=True)


def test_startup_objects_are_frozen_out_of_full_collections() -> None:
    import gc

    try:
        assert freeze_startup_objects() > 1000  # at least the imported modules' objects
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
