"""Per-account activity over event time, and group-level shape scores.

Fleets driven by one harvester run in lockstep (SynchroTrap, CopyCatch): the same
accounts are busy in the same minutes. ``ActivitySketch`` is a fixed ring of per-bucket
request counts (4 bytes a bucket) aligned on the absolute bucket index ``ts // bucket_ms``,
so two accounts' rings compare directly without storing any event.

Two group scores catch the harvester's scheduler: a load balancer spreads volume evenly
over accounts (``load_balance_evenness``), and a rate-limit-aware scheduler parks each
account just under the cap (``rate_cap_crowding``). Organic groups do neither.
"""

from __future__ import annotations

import bisect
import math
import operator
from array import array
from collections.abc import Mapping, Sequence
from typing import Any

_EMPTY = -(1 << 62)
_COUNT_MAX = 0xFFFFFFFF


class ActivitySketch:
    """Counts in the newest ``buckets`` event-time buckets of ``bucket_ms``."""

    __slots__ = ("_counts", "bucket_ms", "buckets", "head")

    def __init__(self, bucket_ms: int, buckets: int) -> None:
        if bucket_ms <= 0 or buckets <= 0:
            raise ValueError("bucket_ms and buckets must be positive")
        self.bucket_ms = bucket_ms
        self.buckets = buckets
        self.head = _EMPTY  # absolute index of the newest bucket
        self._counts = array("I", bytes(4 * buckets))

    def add(self, ts_ms: int, count: int = 1) -> bool:
        """Count activity at ``ts_ms``; False if it is older than the ring covers."""
        index = ts_ms // self.bucket_ms
        counts = self._counts
        size = self.buckets
        head = self.head
        if index > head:
            for skipped in range(max(head + 1, index - size + 1), index + 1):
                counts[skipped % size] = 0
            self.head = index
        elif index <= head - size:
            return False
        slot = index % size
        counts[slot] = min(counts[slot] + count, _COUNT_MAX)
        return True

    def count_at(self, index: int) -> int:
        """Count in absolute bucket ``index`` (0 outside the ring)."""
        if self.head - self.buckets < index <= self.head:
            return self._counts[index % self.buckets]
        return 0

    def window(self, end_index: int) -> list[int]:
        """Counts of the ``buckets`` absolute indices ending at ``end_index``, oldest first."""
        size, head = self.buckets, self.head
        shift = end_index - head
        if shift < 0:
            return [self.count_at(i) for i in range(end_index - size + 1, end_index + 1)]
        if shift >= size:
            return [0] * size
        start = (head + 1) % size  # ring slot of the oldest bucket, index head - size + 1
        counts = self._counts
        ordered = counts[start:].tolist() + counts[:start].tolist()
        return ordered[shift:] + [0] * shift

    def active(self, end_index: int) -> list[int]:
        """Absolute indices with activity in the window ending at ``end_index``, ascending."""
        size = self.buckets
        lo = max(end_index, self.head) - size + 1  # the later of the two window starts
        counts = self._counts
        return [i for i in range(lo, min(end_index, self.head) + 1) if counts[i % size]]

    def nbytes(self) -> int:
        return self._counts.itemsize * len(self._counts)

    def to_state(self) -> dict[str, Any]:
        return {
            "bucket_ms": self.bucket_ms,
            "buckets": self.buckets,
            "head": self.head,
            "counts": self._counts.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ActivitySketch:
        sketch = cls(int(state["bucket_ms"]), int(state["buckets"]))
        counts = array("I", [int(c) for c in state["counts"]])
        if len(counts) != sketch.buckets:
            raise ValueError("count length does not match buckets")
        sketch._counts = counts
        sketch.head = int(state["head"])
        return sketch


def _aligned_end(a: ActivitySketch, b: ActivitySketch) -> int:
    if a.bucket_ms != b.bucket_ms or a.buckets != b.buckets:
        raise ValueError("sketches must share bucket_ms and buckets")
    return max(a.head, b.head)


def similarity(a: ActivitySketch, b: ActivitySketch) -> float:
    """Cosine similarity of the two count vectors over the window ending at the newer
    head (same absolute buckets). 0.0 if either is silent there."""
    end = _aligned_end(a, b)
    va, vb = a.window(end), b.window(end)
    dot: int = sum(map(operator.mul, va, vb))
    if dot == 0:
        return 0.0
    norm: float = math.sqrt(sum(map(operator.mul, va, va)) * sum(map(operator.mul, vb, vb)))
    return min(1.0, dot / norm)


def active_jaccard(a: ActivitySketch, b: ActivitySketch) -> float:
    """Jaccard of the sets of active buckets (ignores volume, only "when")."""
    end = _aligned_end(a, b)
    sa, sb = set(a.active(end)), set(b.active(end))
    union = len(sa | sb)
    return len(sa & sb) / union if union else 0.0


def lockstep_fraction(a: ActivitySketch, b: ActivitySketch, tolerance_buckets: int = 0) -> float:
    """Share of both accounts' active buckets that have an active bucket of the other
    within ``tolerance_buckets`` (SynchroTrap-style matching with a time tolerance)."""
    if tolerance_buckets < 0:
        raise ValueError("tolerance_buckets must be >= 0")
    end = _aligned_end(a, b)
    ia, ib = a.active(end), b.active(end)
    if not ia and not ib:
        return 0.0

    def matched(xs: list[int], ys: list[int]) -> int:
        hits = 0
        for x in xs:
            j = bisect.bisect_left(ys, x - tolerance_buckets)
            if j < len(ys) and ys[j] <= x + tolerance_buckets:
                hits += 1
        return hits

    return (matched(ia, ib) + matched(ib, ia)) / (len(ia) + len(ib))


def load_balance_evenness(volumes: Sequence[int | float]) -> float:
    """1 - normalised Gini of per-account volumes: 1.0 when every account carries the
    same load, 0.0 when one carries all of it. 0.0 for fewer than two accounts or no
    volume (one account is no evidence of load balancing).

    >>> load_balance_evenness([5, 5, 5, 5])
    1.0
    >>> load_balance_evenness([0, 0, 0, 9])
    0.0
    """
    n = len(volumes)
    if any(v < 0 for v in volumes):
        raise ValueError("volumes must be >= 0")
    total = float(sum(volumes))
    if n < 2 or total <= 0:
        return 0.0
    ordered = sorted(volumes)
    weighted = sum((2 * i - n + 1) * v for i, v in enumerate(ordered))
    gini = weighted / (n * total)  # in [0, (n - 1) / n]
    return max(0.0, min(1.0, 1.0 - gini * n / (n - 1)))


def rate_cap_crowding(rates: Sequence[float], cap: float, margin: float = 0.1) -> float:
    """Share of accounts whose rate sits in ``[cap * (1 - margin), cap]``: just under the
    limit, where a limit-aware scheduler parks them. 0.0 for no accounts."""
    if cap <= 0 or not 0 < margin <= 1:
        raise ValueError("cap must be > 0 and margin in (0, 1]")
    if not rates:
        return 0.0
    low = cap * (1 - margin)
    return sum(1 for r in rates if low <= r <= cap) / len(rates)
