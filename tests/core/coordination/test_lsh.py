import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.lsh import LshIndex

BANDS = 4
signatures = st.tuples(*[st.integers(0, 3)] * BANDS)
adds = st.lists(
    st.tuples(st.sampled_from("abcdefgh"), signatures, st.integers(-20, 50)), max_size=100
)


@given(adds, st.integers(1, 6), st.integers(1, 4), st.integers(1, 200))
def test_bounds_hold_and_self_is_never_returned(
    stream: list[tuple[str, tuple[int, ...], int]], max_buckets: int, cap: int, ttl: int
) -> None:
    index = LshIndex(BANDS, max_buckets, cap, ttl)
    ts = 1000
    for account, bands, step in stream:
        ts += step
        found = index.add(account, bands, ts)
        assert account not in found
        assert len(index) <= max_buckets
        assert all(size <= cap for size in index.bucket_sizes())
        assert len(found) <= BANDS * cap


@given(adds, st.integers(1, 200))
def test_finds_every_recent_account_with_a_shared_band(
    stream: list[tuple[str, tuple[int, ...], int]], ttl: int
) -> None:
    """With caps that do not bind, ``add`` returns exactly the accounts that filed a
    matching band key within the TTL (checked against a brute-force model)."""
    index = LshIndex(BANDS, 10_000, 10_000, ttl)
    filed: list[tuple[str, tuple[int, ...], int]] = []
    ts, watermark = 1000, -(10**18)
    for account, bands, step in stream:
        ts += step
        watermark = max(watermark, ts)
        expected = {
            other
            for other, their_bands, t in filed
            if t >= watermark - ttl
            and other != account
            and any(x == y for x, y in zip(bands, their_bands, strict=True))
        }
        assert index.add(account, bands, ts) == expected
        if ts >= watermark - ttl:
            filed.append((account, bands, ts))


def test_identical_signatures_meet_and_band_position_matters() -> None:
    index = LshIndex(3, 100, 100, ttl_ms=10_000)
    assert index.add("a", (1, 2, 3), 0) == set()
    assert index.add("b", (1, 2, 3), 1) == {"a"}
    assert index.add("c", (9, 9, 3), 2) == {"a", "b"}  # one shared band is enough
    assert index.add("d", (2, 3, 1), 3) == set()  # same values, other bands
    assert index.add("a", (1, 2, 3), 4) == {"b", "c"}
    assert index.query((7, 7, 3)) == {"a", "b", "c"}
    with pytest.raises(ValueError):
        index.add("e", (1, 2), 5)


def test_ttl_is_event_time_and_expire_frees_buckets() -> None:
    index = LshIndex(2, 100, 100, ttl_ms=100)
    index.add("a", (1, 1), 0)
    assert index.add("b", (1, 1), 100) == {"a"}
    assert index.add("c", (1, 1), 150) == {"b"}  # "a" is 150 ms old
    index.add("d", (5, 5), 160)
    assert index.expire(now_ms=255) == 2  # the (1, 1) buckets, last hit at 150
    assert len(index) == 2 and index.query((1, 1)) == set()


def test_full_bucket_keeps_the_most_recent() -> None:
    index = LshIndex(1, 10, 3, ttl_ms=10**6)
    for i in range(10):
        index.add(f"acct-{i}", (42,), i)
    assert index.query((42,)) == {"acct-7", "acct-8", "acct-9"}


@given(adds)
def test_state_round_trips_exactly_through_json(
    stream: list[tuple[str, tuple[int, ...], int]],
) -> None:
    index = LshIndex(BANDS, 5, 3, 120)
    half = len(stream) // 2
    ts = 1000
    for account, bands, step in stream[:half]:
        ts += step
        index.add(account, bands, ts)
    restored = LshIndex.from_state(json.loads(json.dumps(index.to_state())))
    assert restored.to_state() == index.to_state()
    for account, bands, _ in stream[half:]:
        assert restored.add(account, bands, ts) == index.add(account, bands, ts)
    assert restored.to_state() == index.to_state()
