from __future__ import annotations

import random
from collections import Counter

from streams.sim.clock import hourly_weights, pick_tz_offset_ms, poisson, session_starts
from streams.sim.world import DAY_MS, HOUR_MS, START_MS, Period


def test_office_hours_follow_the_home_time_zone_and_the_weekend() -> None:
    period = Period(START_MS, 3)  # Thursday, Friday, Saturday
    rng = random.Random(1)
    starts = session_starts(rng, 400.0, "office", -5 * HOUR_MS, period)
    hours = Counter((t - period.start_ms) // HOUR_MS for t in starts)
    thursday_office = sum(hours[h] for h in range(14, 22))  # 09:00-17:00 at UTC-5
    thursday_night = sum(hours[h] for h in range(3, 11))  # 22:00-06:00 at UTC-5
    saturday = sum(hours[h] for h in range(48 + 5, 72))
    assert thursday_office > 10 * max(1, thursday_night)
    assert saturday < thursday_office / 5
    assert starts == sorted(starts)
    assert all(period.start_ms <= t < period.end_ms for t in starts)


def test_windows_are_respected_and_rates_add_up() -> None:
    period = Period(START_MS, 2)
    rng = random.Random(2)
    begin, end = period.start_ms + 90 * 60_000, period.start_ms + 100 * 60_000
    for _ in range(50):
        assert all(
            begin <= t < end for t in session_starts(rng, 500.0, "flat", 0, period, begin, end)
        )
    counts = [len(session_starts(rng, 24.0, "flat", 0, period)) for _ in range(200)]
    assert 44 < sum(counts) / len(counts) < 52  # 24/day over two days
    assert session_starts(rng, 5.0, "flat", 0, period, period.end_ms, period.end_ms + DAY_MS) == []


def test_weights_poisson_and_time_zones() -> None:
    weights = hourly_weights("developer", 0, START_MS, 1)
    assert abs(sum(weights) - 1.0) < 1e-9
    rng = random.Random(3)
    assert abs(sum(poisson(rng, 3.0) for _ in range(4000)) / 4000 - 3.0) < 0.15
    assert abs(sum(poisson(rng, 80.0) for _ in range(2000)) / 2000 - 80.0) < 1.5
    assert poisson(rng, 0.0) == 0
    assert pick_tz_offset_ms(rng, "JP") == 9 * HOUR_MS
    assert pick_tz_offset_ms(rng, "IN") == int(5.5 * HOUR_MS)
    assert pick_tz_offset_ms(rng, "ZZ") == 0
