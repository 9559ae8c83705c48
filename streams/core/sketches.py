"""Small, mergeable-in-spirit sketches with a hard memory cap.

``DistinctCounter`` is a k-minimum-values (KMV) sketch: exact up to ``k`` distinct items,
then an unbiased estimate ``(k - 1) / h_k`` from the k-th smallest normalised hash
(relative standard error about ``1 / sqrt(k - 2)``). Hashes are stable across processes
(blake2b, not Python's salted ``hash``) so a sketch restored from a checkpoint keeps counting
in the same hash space.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable
from hashlib import blake2b

_HASH_SPACE = float(1 << 64)


def stable_hash64(value: str) -> int:
    """A 64-bit hash that is the same in every process and on every machine."""
    return int.from_bytes(blake2b(value.encode("utf-8", "surrogatepass"), digest_size=8).digest())


class DistinctCounter:
    """Distinct-count sketch holding at most ``k`` 64-bit hashes."""

    __slots__ = ("_hashes", "_last", "k")

    def __init__(self, k: int = 16, hashes: Iterable[int] = ()) -> None:
        if k < 3:
            raise ValueError("k must be >= 3")
        self.k = k
        # array('Q'): 8 bytes a hash instead of a 40-byte boxed int in a list.
        self._hashes = array("Q", sorted(set(hashes))[:k])
        self._last: str | None = None

    def add(self, value: str) -> bool:
        """Count ``value``; whether the sketch changed (a state to checkpoint again)."""
        if value == self._last:  # the common case: same IP as the previous request
            return False
        self._last = value
        h = stable_hash64(value)
        hashes = self._hashes
        if len(hashes) >= self.k and h >= hashes[-1]:
            return False
        i = bisect.bisect_left(hashes, h)
        if i < len(hashes) and hashes[i] == h:
            return False
        hashes.insert(i, h)
        if len(hashes) > self.k:
            hashes.pop()
        return True

    def full(self) -> bool:
        """Whether the sketch holds ``k`` hashes: from then on a sample of the items."""
        return len(self._hashes) >= self.k

    def sampled(self, h: int) -> bool:
        """Whether an item of hash ``h`` (already added) is in the sketch's sample: the
        ``k`` smallest hashes are a uniform sample of the distinct items, so the share of
        them with a property estimates that share among all items."""
        hashes = self._hashes
        return len(hashes) < self.k or h <= hashes[-1]

    def estimate(self) -> int:
        """Exact below ``k`` distinct items, a KMV estimate above."""
        n = len(self._hashes)
        if n < self.k:
            return n
        return max(n, round((self.k - 1) / ((self._hashes[-1] + 1) / _HASH_SPACE)))

    def to_state(self) -> list[int]:
        return self._hashes.tolist()

    @classmethod
    def from_state(cls, hashes: Iterable[int], k: int = 16) -> DistinctCounter:
        return cls(k, hashes)
