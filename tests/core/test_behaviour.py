import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.behaviour import (
    COT,
    FOLLOW_UP,
    JUDGING,
    MAX_TOKENS_HIT,
    NEW_MODEL,
    RATE_LIMITED,
    Behaviour,
)
from tests.factories import observation

HOUR = 3_600_000


def _observe(b: Behaviour, ts: int, **overrides: Any) -> None:
    b.observe(ts, **observation(**{"output_tokens": 300, **overrides}))


def test_harvester_like_shares() -> None:
    b = Behaviour()
    for i in range(100):
        _observe(
            b,
            i * 1000,
            max_tokens_hit=i % 10 != 0,
            temperature=0.2,
            cot=0.9,
            topic=1 + i % 12,
            status=429 if i % 20 == 0 else 200,
        )
    assert b.share(MAX_TOKENS_HIT) == pytest.approx(0.9, abs=0.01)
    assert b.share(FOLLOW_UP) == 0.0
    assert b.temperature_fixedness() == pytest.approx(0.99, abs=0.01)
    assert b.share(COT) == pytest.approx(0.9, abs=0.01)
    assert b.share(RATE_LIMITED) == pytest.approx(0.05, abs=0.01)
    assert b.topic_breadth() == 12
    assert b.topic_entropy() > 0.85


def test_chatty_user_shares() -> None:
    b = Behaviour()
    for i in range(60):
        _observe(b, i * 60_000, follow_up=i % 4 != 0, temperature=[0.7, 1.0, 0.3][i % 3], topic=2)
    assert b.share(FOLLOW_UP) == pytest.approx(0.75, abs=0.02)
    assert b.temperature_fixedness() == 0.0
    assert b.topic_entropy() == 0.0 and b.topic_breadth() == 1


def test_the_judging_share_counts_how_far_a_verdict_is_asked_for_over_reasoning() -> None:
    """A grading prompt (rubric phrasing, little asking for reasoning) counts by its
    margin; a harvester's "reason step by step, then rate yourself" counts nothing."""
    b = Behaviour()
    for i in range(40):
        graded = i % 2 == 0
        _observe(b, i * 1000, rubric=0.9 if graded else 0.7, cot=0.1 if graded else 0.8)
    assert b.share(JUDGING) == pytest.approx(0.4, abs=0.01)


def test_a_checkpoint_without_the_judging_count_loads_with_none() -> None:
    b = Behaviour()
    for i in range(10):
        _observe(b, i * 1000, rubric=0.9)
    older = b.to_state()
    older[1] = older[1][:JUDGING]  # written before the slot existed
    restored = Behaviour.from_state(older)
    assert restored.share(JUDGING) == 0.0
    assert restored.share(COT) == b.share(COT)


def test_old_behaviour_fades_with_the_half_life() -> None:
    b = Behaviour(half_life_ms=HOUR)
    for i in range(50):
        _observe(b, i, new_model=True)
    for i in range(50):
        _observe(b, 10 * HOUR + i)  # ten half-lives later
    assert b.share(NEW_MODEL) < 0.01
    assert b.events == pytest.approx(50 + 50 / 1024, rel=0.01)


def test_state_round_trip() -> None:
    b = Behaviour()
    for i in range(30):
        _observe(b, i * 5000, topic=i % 5, temperature=0.5, cot=0.3)
    restored = Behaviour.from_state(b.to_state())
    assert restored.to_state() == b.to_state()
    _observe(b, 10**6, temperature=0.5)
    _observe(restored, 10**6, temperature=0.5)
    assert restored.to_state() == b.to_state()


def test_burstiness_separates_steady_from_bursty() -> None:
    steady, bursty = Behaviour(), Behaviour()
    for i in range(200):
        _observe(steady, i * 30_000)
        _observe(bursty, (i // 20) * HOUR + (i % 20) * 500)
    assert steady.gap_stats()[1] < 0.01
    assert bursty.gap_stats()[1] > 0.5


@given(
    st.lists(
        st.tuples(st.integers(0, 10 * HOUR), st.booleans(), st.floats(0, 1), st.floats(0, 1)),
        max_size=80,
    )
)
def test_shares_stay_within_zero_and_one(events: list[tuple[int, bool, float, float]]) -> None:
    b = Behaviour(half_life_ms=HOUR)
    for ts, hit, cot, rubric in events:  # any order: late events are counted without decay
        _observe(b, ts, max_tokens_hit=hit, cot=cot, rubric=rubric, follow_up=hit)
    for slot in (MAX_TOKENS_HIT, FOLLOW_UP, COT, JUDGING):
        assert -1e-9 <= b.share(slot) <= 1 + 1e-9
    assert 0.0 <= b.topic_entropy() <= 1.0
    assert not math.isnan(b.gap_stats()[0])


def test_counters_rescale_far_from_the_reference_time_without_losing_shares() -> None:
    b = Behaviour(half_life_ms=HOUR)
    for day in range(5):  # 24 half-lives per day: forces rescaling
        for i in range(10):
            _observe(b, day * 24 * HOUR + i * 1000, max_tokens_hit=i < 5)
    assert b.share(MAX_TOKENS_HIT) == pytest.approx(0.5, abs=0.01)
    assert b.events == pytest.approx(10, rel=0.01)
    assert max(b.counts) < 2.0**41
