"""The lockstep crowd level: the size chance gives lockstep keys, learnt per partition."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.crowd import (
    FACTOR,
    FLOOR,
    HALVE_AT,
    MAX_SIZE,
    PRIOR_KEYS,
    CrowdLevel,
)


def grown(sizes: list[int]) -> CrowdLevel:
    """A level that saw one key grow to each of ``sizes`` suspects."""
    level = CrowdLevel()
    for size in sizes:
        for n in range(1, size + 1):
            level.observe(n)
    return level


@given(st.lists(st.integers(1, MAX_SIZE), max_size=300))
def test_the_median_is_the_median_key_size_with_the_prior(sizes: list[int]) -> None:
    level = grown(sizes)
    keys = len(sizes) + PRIOR_KEYS
    # The smallest m with at most half of the keys (prior included) reaching beyond it.
    expected = next(m for m in range(1, MAX_SIZE + 1) if sum(s > m for s in sizes) * 2 <= keys)
    assert level.median_size() == expected
    assert level.bar() == max(FLOOR, FACTOR * expected) >= FLOOR


@given(st.lists(st.integers(-3, 500), max_size=200))
def test_state_round_trips_and_stays_bounded(sizes: list[int]) -> None:
    level = CrowdLevel()
    for size in sizes:
        level.observe(size)
    assert len(level.reached) == MAX_SIZE
    again = CrowdLevel.from_bytes(level.to_bytes())
    assert again.reached == level.reached and again.bar() == level.bar()


def test_counts_halve_so_the_level_follows_the_platform() -> None:
    level = grown([3] * int(HALVE_AT - 1))
    assert level.bar() == FACTOR * 3
    assert level.reached[0] == HALVE_AT - 1
    for _ in range(2 * int(HALVE_AT)):  # the platform quietens: keys of one suspect
        level.observe(1)
    assert level.reached[0] < HALVE_AT
    assert level.bar() == FLOOR


def test_a_young_partition_does_not_take_its_first_fleet_for_the_norm() -> None:
    assert grown([20, 20, 20]).bar() == FLOOR
    assert CrowdLevel().bar() == FLOOR


@pytest.mark.parametrize("blob", [b"[1, 2, 3]", b"5", b'{"a": 1}', b"[null]", b"[-1]", b"[1,"])
def test_a_malformed_state_is_refused_with_a_value_error(blob: bytes) -> None:
    with pytest.raises(ValueError):
        CrowdLevel.from_bytes(blob)
