"""A small account -> last-seen map shared by the fan-in and LSH indexes.

Both indexes keep, per key, "which accounts were seen with this recently". Events arrive
out of order (the links stage merges many partitions), so the map is not kept sorted;
instead it tracks a lower bound on its oldest timestamp, so the common expiry check is
O(1) and a full O(members) scan happens only when something may actually have expired.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

_NEVER = 1 << 62


class RecentMembers:
    """At most a caller-enforced number of ``account -> last_seen_ms`` entries."""

    __slots__ = ("_floor", "last_seen")

    def __init__(self) -> None:
        self.last_seen: dict[str, int] = {}
        self._floor = _NEVER  # <= every last_seen value (exact right after a scan)

    def __len__(self) -> int:
        return len(self.last_seen)

    def __contains__(self, account: object) -> bool:
        return account in self.last_seen

    def __iter__(self) -> Iterator[str]:
        return iter(self.last_seen)

    def touch(self, account: str, ts_ms: int) -> bool:
        """Record a sighting; True if ``account`` was not a member."""
        last_seen = self.last_seen
        previous = last_seen.get(account)
        if previous is None:
            last_seen[account] = ts_ms
            if ts_ms < self._floor:
                self._floor = ts_ms
            return True
        if ts_ms > previous:
            last_seen[account] = ts_ms
        return False

    def may_have_expired(self, horizon_ms: int) -> bool:
        return self._floor < horizon_ms

    def expire(self, horizon_ms: int) -> list[str]:
        """Drop members last seen before ``horizon_ms``; returns them in insertion order."""
        if self._floor >= horizon_ms:
            return []
        last_seen = self.last_seen
        stale = [a for a, ts in last_seen.items() if ts < horizon_ms]
        for account in stale:
            del last_seen[account]
        self._floor = min(last_seen.values(), default=_NEVER)
        return stale

    def evict_oldest(self) -> str:
        """Drop and return the least recently seen member (ties: smallest account id)."""
        last_seen = self.last_seen
        oldest = min(last_seen, key=lambda a: (last_seen[a], a))
        del last_seen[oldest]
        return oldest

    def fresh(self, horizon_ms: int) -> list[str]:
        """Members seen at or after ``horizon_ms``, without mutating anything."""
        if self._floor >= horizon_ms:
            return list(self.last_seen)
        return [a for a, ts in self.last_seen.items() if ts >= horizon_ms]

    def newest_ms(self) -> int:
        return max(self.last_seen.values(), default=-_NEVER)

    def to_state(self) -> list[list[object]]:
        return [[a, ts] for a, ts in self.last_seen.items()]

    @classmethod
    def from_state(cls, pairs: Iterable[Sequence[Any]]) -> RecentMembers:
        members = cls()
        for account, ts in pairs:
            members.last_seen[str(account)] = int(ts)
        members._floor = min(members.last_seen.values(), default=_NEVER)
        return members
