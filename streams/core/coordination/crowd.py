"""How many suspects a lockstep key holds by chance here, so that only a crowd links.

Two accounts that woke up in the same two consecutive 10-minute windows are in lockstep;
a scheduler puts a whole fleet there. But chance does too, and how much depends on the
platform: among a few hundred busy suspects two or three share such a pair, among tens of
thousands a dozen do. A fixed bar would either link chance crowds on a big platform or
miss fleets on a small one. So each links partition learns the size its lockstep keys
reach: per size k, how many keys reached k suspects. That is a statistic of *keys*, not
of announcements: a fleet fills a few keys by the dozen while chance makes thousands of
small ones, so the fleets hardly move it. A crowd must hold ``FACTOR`` times as many
suspects as the median key reaches, and at least ``FLOOR``. Until a few hundred keys are
counted, ``PRIOR_KEYS`` keys of one suspect weigh in, so that a young partition whose
first lockstep keys are a fleet's does not take the fleet for the norm.

Bounded: ``MAX_SIZE`` counters, halved whenever the keys counted reach ``HALVE_AT`` (so
the level follows the platform as it grows or shrinks); deterministic, checkpointed.
"""

from __future__ import annotations

import orjson

MAX_SIZE = 64  # sizes counted (a links key holds at most 64 suspects anyway)
HALVE_AT = 8_192  # keys counted before the counts halve
FLOOR = 8  # never fewer suspects than this
FACTOR = 4  # times the median key's size
PRIOR_KEYS = 100.0  # keys of one suspect assumed on top of those counted


class CrowdLevel:
    """Per size k, the (decayed) number of lockstep keys that reached k suspects."""

    __slots__ = ("changed", "reached")

    def __init__(self, reached: list[float] | None = None) -> None:
        # reached[k - 1]: keys that reached k suspects (so non-increasing in k)
        self.reached = reached if reached is not None else [0.0] * MAX_SIZE
        self.changed = False

    def observe(self, size: int) -> None:
        """A key just reached ``size`` suspects (a new suspect joined it)."""
        if size < 1:
            return
        reached = self.reached
        reached[min(size, MAX_SIZE) - 1] += 1.0
        self.changed = True
        if reached[0] >= HALVE_AT:
            self.reached = [n / 2.0 for n in reached]

    def median_size(self) -> int:
        """The size the median key reaches (1 before any key is counted)."""
        reached = self.reached
        keys = reached[0] + PRIOR_KEYS
        size = 1
        while size < MAX_SIZE and reached[size] * 2.0 > keys:
            size += 1
        return size

    def bar(self) -> int:
        """Suspects a lockstep key needs before it links anyone."""
        return max(FLOOR, FACTOR * self.median_size())

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.reached)

    @classmethod
    def from_bytes(cls, blob: bytes) -> CrowdLevel:
        counts = orjson.loads(blob)
        if not isinstance(counts, list) or not all(
            isinstance(n, int | float) and n >= 0 for n in counts
        ):
            raise ValueError("crowd level needs a list of non-negative counts")
        reached = [float(n) for n in counts]
        if len(reached) != MAX_SIZE:
            raise ValueError(f"crowd level needs {MAX_SIZE} counts, got {len(reached)}")
        return cls(reached)
