"""Rhythms: when people (and bots) make calls, in event time.

Each account lives in a home time zone; a diurnal profile gives the weight of each local
hour, a weekend factor damps or lifts Saturdays and Sundays. Session starts are drawn from
that inhomogeneous Poisson process by picking hours in proportion to their weight, which is
exact for a piecewise-constant rate and costs one ``choices`` call per account.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache
from itertools import accumulate
from typing import Final

from streams.sim.world import DAY_MS, HOUR_MS, Period

__all__ = [
    "DIURNAL",
    "TZ_OFFSETS",
    "hourly_weights",
    "lognormal",
    "pick_tz_offset_ms",
    "poisson",
    "session_starts",
]


def _normalise(weights: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(w / total for w in weights)


# Weight of each local hour 0..23 on a weekday (normalised to sum 1), and the weekend factor.
DIURNAL: Final[dict[str, tuple[float, ...]]] = {
    "developer": _normalise(
        (
            1,
            0.6,
            0.4,
            0.3,
            0.3,
            0.4,
            0.8,
            1.5,
            3,
            5,
            6.5,
            7,
            5.5,
            6,
            7,
            7,
            6.5,
            5.5,
            4,
            3.5,
            4,
            4,
            3,
            1.8,
        )
    ),
    "office": _normalise(
        (
            0.05,
            0.02,
            0.02,
            0.02,
            0.02,
            0.05,
            0.2,
            1.5,
            5,
            8,
            9,
            8.5,
            5,
            7,
            8.5,
            8.5,
            7.5,
            5,
            2,
            0.8,
            0.5,
            0.4,
            0.2,
            0.1,
        )
    ),
    "consumer": _normalise(
        (
            2,
            1.2,
            0.7,
            0.4,
            0.3,
            0.4,
            1,
            2,
            3,
            3.5,
            4,
            4.5,
            5,
            4.5,
            4.5,
            4.5,
            5,
            5.5,
            6,
            7,
            7.5,
            7,
            5.5,
            3.5,
        )
    ),
    "student": _normalise(
        (
            3,
            2,
            1,
            0.5,
            0.2,
            0.2,
            0.3,
            0.8,
            2,
            4,
            5,
            5,
            4,
            5,
            5,
            4.5,
            4,
            3.5,
            3.5,
            4.5,
            5.5,
            6,
            5.5,
            4.5,
        )
    ),
    "class": _normalise(
        (0.2, 0.1, 0, 0, 0, 0, 0, 0.1, 1, 9, 10, 6, 1.5, 8, 9, 6, 2, 1.2, 1, 1.5, 2, 2, 1.5, 0.8)
    ),
    "global": _normalise(
        (
            3,
            2.6,
            2.3,
            2.2,
            2.3,
            2.6,
            3.2,
            4,
            4.8,
            5.3,
            5.6,
            5.8,
            5.8,
            5.8,
            5.9,
            5.9,
            5.8,
            5.6,
            5.4,
            5.2,
            5,
            4.6,
            4,
            3.5,
        )
    ),
    "flat": _normalise(tuple(1.0 for _ in range(24))),
}
WEEKEND: Final[dict[str, float]] = {
    "developer": 0.55,
    "office": 0.07,
    "consumer": 1.15,
    "student": 0.7,
    "class": 0.03,
    "global": 0.85,
    "flat": 1.0,
}

# UTC offsets in November (northern winter time) and how people spread over them.
TZ_OFFSETS: Final[dict[str, tuple[tuple[float, float], ...]]] = {
    "US": ((-5, 0.46), (-6, 0.26), (-7, 0.07), (-8, 0.21)),
    "CA": ((-5, 0.6), (-8, 0.3), (-7, 0.1)),
    "MX": ((-6, 1.0),),
    "BR": ((-3, 1.0),),
    "AR": ((-3, 1.0),),
    "CO": ((-5, 1.0),),
    "CL": ((-3, 1.0),),
    "GB": ((0, 1.0),),
    "IE": ((0, 1.0),),
    "PT": ((0, 1.0),),
    "DE": ((1, 1.0),),
    "FR": ((1, 1.0),),
    "ES": ((1, 1.0),),
    "IT": ((1, 1.0),),
    "NL": ((1, 1.0),),
    "BE": ((1, 1.0),),
    "CH": ((1, 1.0),),
    "AT": ((1, 1.0),),
    "SE": ((1, 1.0),),
    "PL": ((1, 1.0),),
    "NG": ((1, 1.0),),
    "ZA": ((2, 1.0),),
    "IL": ((2, 1.0),),
    "UA": ((2, 1.0),),
    "TR": ((3, 1.0),),
    "KE": ((3, 1.0),),
    "AE": ((4, 1.0),),
    "IN": ((5.5, 1.0),),
    "VN": ((7, 1.0),),
    "ID": ((7, 1.0),),
    "SG": ((8, 1.0),),
    "TW": ((8, 1.0),),
    "HK": ((8, 1.0),),
    "PH": ((8, 1.0),),
    "JP": ((9, 1.0),),
    "KR": ((9, 1.0),),
    "AU": ((11, 0.8), (8, 0.2)),
    "NZ": ((13, 1.0),),
}


def pick_tz_offset_ms(rng: random.Random, country: str) -> int:
    """A home UTC offset for someone in ``country`` (UTC if the country is unknown)."""
    options = TZ_OFFSETS.get(country, ((0, 1.0),))
    r = rng.random() * sum(w for _, w in options)
    for hours, weight in options:
        r -= weight
        if r < 0:
            return int(hours * HOUR_MS)
    return int(options[-1][0] * HOUR_MS)


@lru_cache(maxsize=4096)
def hourly_weights(profile: str, tz_offset_ms: int, start_ms: int, days: int) -> tuple[float, ...]:
    """Expected share of a weekday's activity in each UTC hour of the period."""
    shape = DIURNAL[profile]
    weekend = WEEKEND[profile]
    out: list[float] = []
    for h in range(days * 24):
        local = start_ms + h * HOUR_MS + tz_offset_ms
        weekday = (local // DAY_MS + 3) % 7  # epoch day 0 was a Thursday -> 3 (Mon=0)
        w = shape[(local % DAY_MS) // HOUR_MS]
        out.append(w * weekend if weekday >= 5 else w)
    return tuple(out)


def session_starts(
    rng: random.Random,
    rate_per_day: float,
    profile: str,
    tz_offset_ms: int,
    period: Period,
    begin_ms: int | None = None,
    end_ms: int | None = None,
) -> list[int]:
    """Sorted start times of an account's sessions in ``[begin_ms, end_ms)``.

    ``rate_per_day`` is the expected number on a weekday; the diurnal profile in the home
    time zone shapes them over the hours, the weekend factor over the days.
    """
    begin = period.start_ms if begin_ms is None else max(begin_ms, period.start_ms)
    end = period.end_ms if end_ms is None else min(end_ms, period.end_ms)
    if end <= begin or rate_per_day <= 0:
        return []
    weights = hourly_weights(profile, tz_offset_ms, period.start_ms, period.days)
    first = (begin - period.start_ms) // HOUR_MS
    last = (end - 1 - period.start_ms) // HOUR_MS
    hours = range(first, last + 1)
    window = [weights[h] for h in hours]
    # Partial first and last hours count for the fraction of them inside the window.
    if first == last:
        window[0] *= (end - begin) / HOUR_MS
    else:
        window[0] *= ((first + 1) * HOUR_MS - (begin - period.start_ms)) / HOUR_MS
        window[-1] *= ((end - period.start_ms) - last * HOUR_MS) / HOUR_MS
    total = sum(window)
    if total <= 0:
        return []
    n = poisson(rng, rate_per_day * total)
    if n == 0:
        return []
    picked = rng.choices(hours, cum_weights=list(accumulate(window)), k=n)
    out: list[int] = []
    for h in picked:
        lo = max(begin, period.start_ms + h * HOUR_MS)
        hi = min(end, period.start_ms + (h + 1) * HOUR_MS)
        out.append(lo + int(rng.random() * (hi - lo)))
    out.sort()
    return out


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth below 30, a rounded normal above: plenty for traffic counts)."""
    if lam <= 0:
        return 0
    if lam < 30:
        limit = math.exp(-lam)
        k = 0
        p = rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def lognormal(rng: random.Random, median: float, sigma: float) -> float:
    """A lognormal draw given its median (the natural parameter for token counts)."""
    return median * math.exp(sigma * rng.gauss(0.0, 1.0))
