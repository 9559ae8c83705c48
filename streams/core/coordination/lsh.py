"""Banded MinHash buckets of accounts: who sent a near-identical (templated) prompt lately.

Signatures and their band keys are computed upstream (datasketch-style MinHash). Two
prompts whose signatures agree on every row of some band land in the same bucket, which
for ``b`` bands of ``r`` rows happens with probability ``1 - (1 - s^r)^b`` at Jaccard
``s``. Here a bucket just remembers which accounts hit it recently, so ``add`` answers
"which other accounts sent something this similar within the TTL".

Bounded like ``FanInIndex``: at most ``max_buckets`` buckets (least recently hit dropped
first), ``max_members_per_bucket`` accounts a bucket (least recently seen displaced),
members idle past ``ttl_ms`` of event time ignored and swept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from streams.core.coordination._members import RecentMembers

_NO_TIME = -(1 << 62)


class _Bucket:
    __slots__ = ("last_ms", "members")

    def __init__(self) -> None:
        self.members = RecentMembers()
        self.last_ms = _NO_TIME


class LshIndex:
    """Band bucket -> accounts recently hashed into it."""

    __slots__ = (
        "_buckets",
        "bands",
        "evicted_buckets",
        "max_buckets",
        "max_members_per_bucket",
        "ttl_ms",
        "watermark_ms",
    )

    def __init__(
        self, bands: int, max_buckets: int, max_members_per_bucket: int, ttl_ms: int
    ) -> None:
        if bands < 1 or max_buckets < 1 or max_members_per_bucket < 1 or ttl_ms <= 0:
            raise ValueError("bands, caps and ttl must be positive")
        self.bands = bands
        self.max_buckets = max_buckets
        self.max_members_per_bucket = max_members_per_bucket
        self.ttl_ms = ttl_ms
        self.watermark_ms = _NO_TIME
        self.evicted_buckets = 0
        # Key: band_key * bands + band index (unique for any int band_key).
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def _bucket_ids(self, band_keys: Sequence[int]) -> list[int]:
        if len(band_keys) != self.bands:
            raise ValueError(f"expected {self.bands} band keys, got {len(band_keys)}")
        bands = self.bands
        return [key * bands + band for band, key in enumerate(band_keys)]

    def add(self, account: str, band_keys: Sequence[int], ts_ms: int) -> set[str]:
        """File ``account`` under each band bucket; returns the other accounts seen in any
        of those buckets within the TTL (candidate templated-prompt neighbours)."""
        if ts_ms > self.watermark_ms:
            self.watermark_ms = ts_ms
        horizon = self.watermark_ms - self.ttl_ms
        neighbours: set[str] = set()
        late = ts_ms < horizon  # still answered, but not filed: it is already expired
        buckets = self._buckets
        cap = self.max_members_per_bucket
        for bucket_id in self._bucket_ids(band_keys):
            bucket = buckets.get(bucket_id)
            if bucket is None:
                if late:
                    continue
                bucket = buckets[bucket_id] = _Bucket()
                while len(buckets) > self.max_buckets:
                    buckets.popitem(last=False)
                    self.evicted_buckets += 1
            elif not late:
                buckets.move_to_end(bucket_id)
            members = bucket.members
            if members.may_have_expired(horizon):
                members.expire(horizon)
            neighbours.update(members)
            if late:
                continue
            if ts_ms > bucket.last_ms:
                bucket.last_ms = ts_ms
            if members.touch(account, ts_ms) and len(members) > cap:
                members.evict_oldest()
        neighbours.discard(account)
        return neighbours

    def query(self, band_keys: Sequence[int]) -> set[str]:
        """Accounts in any of these band buckets within the TTL, without filing anything."""
        horizon = self.watermark_ms - self.ttl_ms
        found: set[str] = set()
        for bucket_id in self._bucket_ids(band_keys):
            bucket = self._buckets.get(bucket_id)
            if bucket is not None:
                found.update(bucket.members.fresh(horizon))
        return found

    def expire(self, now_ms: int | None = None) -> int:
        """Drop buckets not hit within the TTL; returns how many. Walks from the least
        recently hit bucket and stops at the first live one, so it costs O(dropped)."""
        if now_ms is not None and now_ms > self.watermark_ms:
            self.watermark_ms = now_ms
        horizon = self.watermark_ms - self.ttl_ms
        buckets = self._buckets
        dropped = 0
        while buckets:
            bucket_id, bucket = next(iter(buckets.items()))
            if bucket.last_ms >= horizon:
                break
            del buckets[bucket_id]
            dropped += 1
        return dropped

    def member_count(self) -> int:
        return sum(len(bucket.members) for bucket in self._buckets.values())

    def bucket_sizes(self) -> list[int]:
        return [len(bucket.members) for bucket in self._buckets.values()]

    def to_state(self) -> dict[str, Any]:
        return {
            "bands": self.bands,
            "max_buckets": self.max_buckets,
            "max_members_per_bucket": self.max_members_per_bucket,
            "ttl_ms": self.ttl_ms,
            "watermark_ms": self.watermark_ms,
            "evicted_buckets": self.evicted_buckets,
            "buckets": [
                [bucket_id, bucket.last_ms, bucket.members.to_state()]
                for bucket_id, bucket in self._buckets.items()
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LshIndex:
        index = cls(
            int(state["bands"]),
            int(state["max_buckets"]),
            int(state["max_members_per_bucket"]),
            int(state["ttl_ms"]),
        )
        index.watermark_ms = int(state["watermark_ms"])
        index.evicted_buckets = int(state["evicted_buckets"])
        for bucket_id, last_ms, members in state["buckets"]:
            bucket = _Bucket()
            bucket.last_ms = int(last_ms)
            bucket.members = RecentMembers.from_state(members)
            index._buckets[int(bucket_id)] = bucket
        return index
