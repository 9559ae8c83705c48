import json

from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.fanin import FanInChange, FanInIndex

# (key, account, time step): steps may go backwards to model merged partitions.
events = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from("abcdefghij"), st.integers(-30, 60)),
    max_size=120,
)


def replay(index: FanInIndex, stream: list[tuple[str, str, int]]) -> list[FanInChange]:
    changes = []
    ts = 1000
    for key, account, step in stream:
        ts += step
        change = index.observe(key, account, ts)
        if change is not None:
            changes.append(change)
    return changes


@given(events, st.integers(1, 4), st.integers(1, 5), st.integers(1, 200))
def test_bounds_hold_and_only_changes_are_reported(
    stream: list[tuple[str, str, int]], max_keys: int, cap: int, ttl: int
) -> None:
    index = FanInIndex(max_keys, cap, ttl)
    ts = 1000
    for key, account, step in stream:
        ts += step
        before = set(index.held(key))
        change = index.observe(key, account, ts)
        after = set(index.held(key))
        assert len(index) <= max_keys
        assert len(after) <= cap
        if change is None:
            assert before == after
        else:
            assert change.key == key
            assert set(change.added) == after - before
            assert set(change.expired) | set(change.displaced) == before - after
            assert change.fan_in >= len(after)
        horizon = index.watermark_ms - ttl
        for member in index.members(key):
            last = index.last_seen(key, member)
            assert last is not None and last >= horizon


@given(events, st.integers(1, 200))
def test_members_match_a_reference_model_when_caps_do_not_bind(
    stream: list[tuple[str, str, int]], ttl: int
) -> None:
    index = FanInIndex(100, 100, ttl)
    last_seen: dict[str, dict[str, int]] = {}
    ts, watermark = 1000, -(10**18)
    for key, account, step in stream:
        ts += step
        watermark = max(watermark, ts)
        index.observe(key, account, ts)
        if ts >= watermark - ttl:
            seen = last_seen.setdefault(key, {})
            seen[account] = max(seen.get(account, ts), ts)
        for k in "ABCDE":
            fresh = {a for a, t in last_seen.get(k, {}).items() if t >= watermark - ttl}
            assert set(index.members(k)) == fresh
            assert index.fan_in(k) == len(fresh)


def test_repeat_sightings_are_silent_and_expiry_is_event_time() -> None:
    index = FanInIndex(10, 10, ttl_ms=1000)
    assert index.observe("card:1", "a", 0) == FanInChange("card:1", 0, added=("a",), fan_in=1)
    assert index.observe("card:1", "a", 10) is None
    assert index.observe("card:1", "b", 500) is not None
    assert index.observe("card:1", "b", 900) is None
    # 1011 - 1000 > 10: "a" (last seen at 10) has expired; "b" has not.
    change = index.observe("card:1", "b", 1011)
    assert change == FanInChange("card:1", 1011, expired=("a",), fan_in=1)
    assert index.members("card:1") == ["b"]
    # A sighting already older than the TTL on arrival is ignored.
    assert index.observe("card:1", "z", 5) is None


def test_sweep_reports_idle_keys_and_frees_them() -> None:
    index = FanInIndex(10, 10, ttl_ms=100)
    index.observe("ip24:1", "a", 0)
    index.observe("ip24:1", "b", 50)
    index.observe("ip24:2", "c", 120)
    assert index.expire() == [FanInChange("ip24:1", 120, expired=("a",), fan_in=1)]
    assert index.expire(now_ms=400) == [
        FanInChange("ip24:1", 400, expired=("b",), fan_in=0),
        FanInChange("ip24:2", 400, expired=("c",), fan_in=0),
    ]
    assert len(index) == 0 and index.member_count() == 0
    assert index.expire(now_ms=10) == [] and index.watermark_ms == 400  # never rewinds


def test_lru_key_eviction() -> None:
    index = FanInIndex(2, 10, ttl_ms=10**9)
    index.observe("k1", "a", 1)
    index.observe("k2", "a", 2)
    index.observe("k1", "b", 3)  # k1 is now the most recent
    index.observe("k3", "a", 4)
    assert "k2" not in index and "k1" in index and "k3" in index
    assert index.evicted_keys == 1


def test_hot_key_keeps_newest_members_and_estimates_fan_in() -> None:
    index = FanInIndex(10, 8, ttl_ms=10**9, overflow_k=64)
    for i in range(2000):
        change = index.observe("ip24:nat", f"acct-{i}", i)
        assert change is not None
    assert sorted(index.members("ip24:nat")) == sorted(f"acct-{i}" for i in range(1992, 2000))
    assert index.is_overflowing("ip24:nat")
    assert 1400 < index.fan_in("ip24:nat") < 2800  # KMV k=64: ~13% relative error
    last = index.observe("ip24:nat", "acct-new", 2000)
    assert last is not None and last.displaced == ("acct-1992",)


def test_overflow_counts_fade_with_epochs_and_reset_when_small() -> None:
    ttl = 1000
    index = FanInIndex(10, 4, ttl_ms=ttl)
    for i in range(100):
        index.observe("k", f"old-{i}", 100 + i)
    assert index.fan_in("k") > 50
    # Two TTLs later only four accounts are active: the old crowd is forgotten.
    for t in range(3000, 3020):
        index.observe("k", f"new-{t % 4}", t)
    assert index.fan_in("k") == 4
    index.observe("k", "solo", 10_000)  # everyone else expires: exact counting again
    assert not index.is_overflowing("k") and index.fan_in("k") == 1


@given(events, st.integers(1, 3), st.integers(1, 300))
def test_state_round_trips_exactly_through_json(
    stream: list[tuple[str, str, int]], cap: int, ttl: int
) -> None:
    index = FanInIndex(3, cap, ttl, overflow_k=4)
    half = len(stream) // 2
    replay(index, stream[:half])
    restored = FanInIndex.from_state(json.loads(json.dumps(index.to_state())))
    assert restored.to_state() == index.to_state()
    rest = [(k, a, 0) for k, a, _ in stream[half:]]  # same clock for both copies
    assert replay(restored, rest) == replay(index, rest)
    assert restored.to_state() == index.to_state()
