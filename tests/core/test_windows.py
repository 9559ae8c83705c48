from hypothesis import given
from hypothesis import strategies as st

from streams.core.windows import BUCKETS, METRICS, WINDOWS_S, WindowedCounters

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS


def test_counts_within_the_window_and_forgets_after_it() -> None:
    w = WindowedCounters()
    t0 = 10 * HOUR_MS
    for i in range(10):
        w.add(t0 + i * 1000, (1, 100, 1000))
    assert w.total(3600, "requests", t0 + 9000) == 10
    assert w.total(3600, "output_tokens", t0 + 9000) == 10_000
    assert w.total(300, "input_tokens", t0 + 9000) == 1000
    # Two hours later the hour window is empty, the day window still holds everything.
    later = t0 + 2 * HOUR_MS
    w.add(later, (1, 0, 0))
    assert w.total(3600, "requests", later) == 1
    assert w.total(86400, "requests", later) == 11


def test_late_event_inside_window_counts_and_too_old_is_ignored() -> None:
    w = WindowedCounters()
    now = 50 * HOUR_MS
    w.add(now, (1, 0, 0))
    w.add(now - 20 * 60_000, (1, 0, 0))  # 20 minutes late: inside the hour
    w.add(now - 5 * HOUR_MS, (1, 0, 0))  # outside the hour, inside the day
    assert w.total(3600, "requests", now) == 2
    assert w.total(86400, "requests", now) == 3


def test_state_round_trip() -> None:
    w = WindowedCounters()
    w.add(123_456_789, (3, 4, 5))
    restored = WindowedCounters.from_state(w.to_state())
    for window in WINDOWS_S:
        assert restored.total(window, "output_tokens", 123_456_789) == 5


@given(
    st.lists(st.tuples(st.integers(0, 3 * HOUR_MS), st.integers(0, 10_000)), max_size=200),
)
def test_hour_window_sum_matches_a_brute_force_sliding_window(
    events: list[tuple[int, int]],
) -> None:
    """In-order events: the ring equals a brute-force sum over the covered bucket span."""
    events.sort()
    w = WindowedCounters()
    for ts, tokens in events:
        w.add(ts, (1, 0, tokens))
    if not events:
        return
    now = events[-1][0]
    width = 3600 * 1000 // BUCKETS
    oldest_bucket = now // width - BUCKETS + 1
    expected = sum(tok for ts, tok in events if ts // width >= oldest_bucket)
    assert w.total(3600, "output_tokens", now) == expected
    # and the covered span is between (B-1)/B of the window and all of it
    assert now - oldest_bucket * width <= 3600 * 1000


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3 * DAY_MS),
            st.integers(0, 3),
            st.integers(0, 5_000),
            st.integers(0, 10_000),
        ),
        max_size=200,
    ),
)
def test_every_window_and_metric_match_a_brute_force_ring_with_late_events(
    events: list[tuple[int, int, int, int]],
) -> None:
    """Out-of-order events: each window keeps exactly the events its ring can still hold.

    A late event counts if its bucket is still in the ring when it arrives; the sums are
    over the counted events in the newest ``BUCKETS`` buckets.
    """
    w = WindowedCounters()
    counted: dict[int, list[tuple[int, tuple[int, int, int]]]] = {s: [] for s in WINDOWS_S}
    newest = {s: -1 for s in WINDOWS_S}
    for ts, requests, tokens_in, tokens_out in events:
        values = (requests, tokens_in, tokens_out)
        w.add(ts, values)
        for window_s in WINDOWS_S:
            index = ts // (window_s * 1000 // BUCKETS)
            if index > newest[window_s] - BUCKETS:
                newest[window_s] = max(newest[window_s], index)
                counted[window_s].append((index, values))
    if not events:
        return
    now = max(ts for ts, *_ in events)
    for window_s in WINDOWS_S:
        oldest = newest[window_s] - BUCKETS + 1
        for m, metric in enumerate(METRICS):
            expected = sum(v[m] for index, v in counted[window_s] if index >= oldest)
            assert w.total(window_s, metric, now) == expected, (window_s, metric)
