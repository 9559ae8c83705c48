"""Large state values are stored as chunks under Kafka's record limit, and restored."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.worker import chunks
from streams.worker.chunks import CorruptState, pack, unpack

KEY = b"campaign-stage"


def _apply(store: dict[bytes, bytes], changes: list[tuple[bytes, bytes | None]]) -> None:
    for key, value in changes:
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value


@given(st.binary(max_size=5000), st.integers(1, 700), st.integers(0, 40))
def test_round_trip_with_every_record_under_the_chunk_size(
    blob: bytes, chunk_bytes: int, previous: int
) -> None:
    changes, count = pack(KEY, blob, previous, chunk_bytes)
    assert all(v is None or len(v) <= max(chunk_bytes, 12) for _, v in changes)
    store: dict[bytes, bytes] = {}
    _apply(store, changes)
    assert unpack(KEY, store.get) == (blob, count)


def test_a_smaller_value_deletes_the_chunks_a_larger_one_left() -> None:
    store: dict[bytes, bytes] = {}
    big = random.Random(1).randbytes(20_000)  # incompressible
    changes, count = pack(KEY, big, 0, 1000)
    _apply(store, changes)
    assert count > 10
    changes, count = pack(KEY, b"small", count, 1000)
    _apply(store, changes)
    assert set(store) == {KEY, chunks.chunk_key(KEY, 0)}
    assert unpack(KEY, store.get) == (b"small", 1)


def test_chunks_from_a_half_written_checkpoint_are_reported_not_decoded() -> None:
    store: dict[bytes, bytes] = {}
    rng = random.Random(2)
    _apply(store, pack(KEY, rng.randbytes(5000), 0, 1000)[0])
    newer, _ = pack(KEY, rng.randbytes(5000), 0, 1000)
    _apply(store, newer[:2])  # crashed after two chunks, before the header
    with pytest.raises(CorruptState):
        unpack(KEY, store.get)


def test_a_value_written_before_chunking_is_read_as_it_is() -> None:
    assert unpack(KEY, {KEY: b'{"old": 1}'}.get) == (b'{"old": 1}', 0)
    empty: dict[bytes, bytes] = {}
    assert unpack(KEY, empty.get) == (None, 0)


def _fleet_runtime(states: dict[str, dict[bytes, bytes]]):  # type: ignore[no-untyped-def]
    from streams.core.pipeline import PipelineParams
    from streams.worker.runtime import WorkerRuntime

    return WorkerRuntime(
        PipelineParams(),
        max_record_bytes=1 << 16,
        send_alert=lambda k, v, h: None,
        send_dead_letter=lambda k, v, h: None,
        send_changelog=lambda t, p, k, v: None,
        states=states,
    )


def test_a_campaign_state_larger_than_a_chunk_survives_a_restart(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from streams.worker.runtime import CAMPAIGNS, TABLES, SourceRecord
    from tests.worker.test_internal_batches import _event

    monkeypatch.setattr(chunks, "CHUNK_BYTES", 256)
    states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}
    before = _fleet_runtime(states)
    harvest = {"input_tokens": 40, "output_tokens": 3000, "max_tokens": 3000, "turn": 1}
    offset = 0
    for i in range(40):
        for account in ("acct-a", "acct-b", "acct-c", "acct-d"):
            value = _event(account, i, temperature=0.0, **harvest)
            before.handle(SourceRecord("api-calls", 0, offset, value))
            offset += 1
    before.checkpoint()
    assert len(states[CAMPAIGNS]) > 3  # header + several chunks
    assert all(len(v) <= 256 for k, v in states[CAMPAIGNS].items() if b"/" in k)
    after = _fleet_runtime(states)
    assert after.campaigns.to_bytes() == before.campaigns.to_bytes()
    # A chunk lost half-way through a checkpoint: the stage starts empty, it does not crash.
    del states[CAMPAIGNS][chunks.chunk_key(b"campaign-stage", 1)]
    assert len(_fleet_runtime(states).campaigns.graph) == 0
    assert "campaign state unreadable" in caplog.text
