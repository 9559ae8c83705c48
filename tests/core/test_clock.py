"""The partition clock: follows event time, shrugs off a stray far-future timestamp."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.core.clock import CONFIRMATIONS, MAX_STEP_MS, EventClock
from streams.core.profiles import ProfileStore
from tests.factories import T0, api_call

DAY_MS = 86_400_000
FAR = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def test_follows_event_time_and_never_rewinds() -> None:
    clock = EventClock()
    assert clock.observe(T0) == T0
    assert clock.observe(T0 + 1000) == T0 + 1000
    assert clock.observe(T0 - DAY_MS) == T0 + 1000  # a late event


def test_one_far_future_event_does_not_move_it_but_resumed_traffic_does() -> None:
    clock = EventClock()
    clock.observe(T0)
    assert clock.observe(FAR) == T0
    assert clock.observe(T0 + 5) == T0 + 5
    # Traffic that resumes two days later: every event agrees, so time moves on.
    later = T0 + 2 * DAY_MS
    for i in range(CONFIRMATIONS):
        now = clock.observe(later + i)
    assert now == later


@given(
    st.lists(st.integers(0, MAX_STEP_MS), min_size=1, max_size=200),
    st.integers(0, 199),
    st.integers(MAX_STEP_MS + 1, FAR - T0 - 400 * MAX_STEP_MS),
)
def test_a_single_outlier_never_jumps_the_clock(steps: list[int], where: int, jump: int) -> None:
    clock = EventClock()
    clock.observe(T0)
    ts = T0
    highest = T0
    for i, step in enumerate(steps):
        ts += step
        highest = max(highest, ts)
        if i == where % len(steps):
            clock.observe(ts + jump)
        assert clock.observe(ts) == highest


def test_a_stray_first_event_is_corrected_by_the_traffic_after_it() -> None:
    clock = EventClock()
    clock.observe(FAR)  # e.g. the first record after a restart
    for i in range(CONFIRMATIONS):
        now = clock.observe(T0 + i)
    assert now == T0 + CONFIRMATIONS - 1


def test_a_far_future_event_does_not_expire_the_partitions_profiles() -> None:
    store = ProfileStore(max_accounts=10_000, ttl_ms=7 * DAY_MS)
    for i in range(2_000):
        store.touch(store.get(f"a{i}") or _profile(f"a{i}", T0 + i), T0 + i)
    store.touch(_profile("broken-clock", FAR), FAR)
    for i in range(2_000, 4_000):  # enough events for the periodic expiry to run
        store.touch(_profile(f"a{i}", T0 + i), T0 + i)
    assert store.expire() == 0
    assert len(store) == 4_001


def _profile(account: str, ts: int):  # type: ignore[no-untyped-def]
    from streams.core.profile import AccountProfile

    return AccountProfile.new(api_call(account, ts))
