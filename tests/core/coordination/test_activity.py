import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.activity import (
    ActivitySketch,
    active_jaccard,
    load_balance_evenness,
    lockstep_fraction,
    rate_cap_crowding,
    similarity,
)


def sketch_of(times: list[int], bucket_ms: int = 1000, buckets: int = 10) -> ActivitySketch:
    sketch = ActivitySketch(bucket_ms, buckets)
    for t in times:
        sketch.add(t)
    return sketch


@given(st.lists(st.tuples(st.integers(0, 40_000), st.integers(1, 5)), max_size=80))
def test_ring_matches_a_model_and_never_grows(events: list[tuple[int, int]]) -> None:
    sketch = ActivitySketch(1000, 8)
    accepted: list[tuple[int, int]] = []
    head = None
    for ts, count in events:
        index = ts // 1000
        ok = sketch.add(ts, count)
        assert ok == (head is None or index > head - 8)
        if ok:
            accepted.append((index, count))
            head = index if head is None else max(head, index)
        assert sketch.nbytes() == 4 * 8
    if head is None:
        return
    for index in range(head - 10, head + 2):
        expected = sum(c for i, c in accepted if i == index) if head - 8 < index <= head else 0
        assert sketch.count_at(index) == expected


def test_similarity_aligns_on_absolute_buckets() -> None:
    a = sketch_of([0, 500, 3000, 7000])
    b = sketch_of([100, 3100, 3200, 7900])
    c = sketch_of([1000, 2000, 5000])
    assert similarity(a, a) == pytest.approx(1.0)
    assert similarity(a, b) == pytest.approx(similarity(b, a))
    assert similarity(a, b) == pytest.approx((2 + 2 + 1) / (math.sqrt(6) * math.sqrt(6)))
    assert similarity(a, c) == 0.0
    assert active_jaccard(a, b) == 1.0 and active_jaccard(a, c) == 0.0
    assert similarity(a, ActivitySketch(1000, 10)) == 0.0
    with pytest.raises(ValueError):
        similarity(a, ActivitySketch(500, 10))


def test_only_the_shared_window_counts() -> None:
    old = sketch_of([0, 1000])
    new = sketch_of([0, 1000, 20_000])  # its ring has moved past buckets 0 and 1
    assert similarity(old, new) == 0.0


def test_lockstep_fraction_with_tolerance() -> None:
    a = sketch_of([0, 4000, 8000])
    b = sketch_of([1000, 4000, 9000])
    assert lockstep_fraction(a, b, 0) == pytest.approx(2 / 6)
    assert lockstep_fraction(a, b, 1) == 1.0
    assert lockstep_fraction(a, sketch_of([]), 3) == 0.0
    assert lockstep_fraction(ActivitySketch(1000, 10), ActivitySketch(1000, 10)) == 0.0


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=30), st.randoms())
def test_evenness_is_bounded_and_order_free(volumes: list[int], rnd: random.Random) -> None:
    score = load_balance_evenness(volumes)
    assert 0.0 <= score <= 1.0
    shuffled = list(volumes)
    rnd.shuffle(shuffled)
    assert load_balance_evenness(shuffled) == pytest.approx(score)


def test_evenness_extremes() -> None:
    assert load_balance_evenness([7, 7, 7]) == pytest.approx(1.0)
    assert load_balance_evenness([0, 0, 0, 12]) == 0.0
    assert load_balance_evenness([9]) == 0.0 and load_balance_evenness([]) == 0.0
    assert load_balance_evenness([100, 98, 101, 99]) > 0.98 > load_balance_evenness([1, 5, 40])
    with pytest.raises(ValueError):
        load_balance_evenness([1, -1])


def test_rate_cap_crowding() -> None:
    assert rate_cap_crowding([59, 58.5, 57, 10, 61], cap=60) == pytest.approx(3 / 5)
    assert rate_cap_crowding([], cap=60) == 0.0
    with pytest.raises(ValueError):
        rate_cap_crowding([1.0], cap=0)


@given(st.lists(st.integers(0, 30_000), max_size=40))
def test_state_round_trips_exactly_through_json(times: list[int]) -> None:
    sketch = sketch_of(times, 700, 9)
    restored = ActivitySketch.from_state(json.loads(json.dumps(sketch.to_state())))
    assert restored.to_state() == sketch.to_state()
    assert similarity(restored, sketch) == similarity(sketch, sketch)


@given(st.lists(st.integers(0, 30_000), max_size=40), st.integers(-5, 40))
def test_window_matches_count_at(times: list[int], offset: int) -> None:
    sketch = sketch_of(times, 1000, 9)
    end = max(sketch.head, 0) + offset
    assert sketch.window(end) == [sketch.count_at(i) for i in range(end - 8, end + 1)]
