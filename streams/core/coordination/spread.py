"""How evenly a campaign's volume is spread over its members: load balancing shows.

A fleet spreads its load so that each account looks like a light user: its members carry
similar request counts, where a real group (a class, an enterprise's keys, a hackathon)
has a few heavy users and a long tail. The spread is reported with a campaign alert, not
scored: the counts are the members' last announced ones (re-sent when they double), too
coarse to decide on, and every member of a young group has one request.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

# A spread this even (coefficient of variation of members' requests) over this many
# members with this median is named in the alert as load balancing.
EVEN_CV = 0.5
EVEN_MIN_MEMBERS = 5
EVEN_MIN_MEDIAN = 4  # below it every group is "even": its members have barely started


class LoadSpread(NamedTuple):
    members: int
    least: int
    median: float
    most: int
    cv: float  # standard deviation / mean of the members' requests

    @property
    def even(self) -> bool:
        """Volume spread evenly enough over enough working members to name it."""
        return (
            self.members >= EVEN_MIN_MEMBERS
            and self.median >= EVEN_MIN_MEDIAN
            and self.cv <= EVEN_CV
        )

    def evidence(self) -> dict[str, float | int]:
        return {
            "members": self.members,
            "min": self.least,
            "median": self.median,
            "max": self.most,
            "cv": round(self.cv, 3),
        }


def load_spread(requests: Sequence[int]) -> LoadSpread | None:
    """The spread of members' request counts (None for fewer than two members)."""
    n = len(requests)
    if n < 2:
        return None
    ordered = sorted(requests)
    mid = n // 2
    median = float(ordered[mid]) if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    mean = math.fsum(ordered) / n
    variance = math.fsum((x - mean) ** 2 for x in ordered) / n
    cv = math.sqrt(variance) / mean if mean > 0 else 0.0
    return LoadSpread(n, ordered[0], median, ordered[-1], cv)
