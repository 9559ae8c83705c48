"""Which accounts share an attribute (IP /24, ASN, card, TLS fingerprint) right now.

A fleet shows up as many accounts behind one shared key. ``FanInIndex`` keeps, per key,
the accounts seen with it within ``ttl_ms`` of event time and reports a ``FanInChange``
only when that set changes, so the stage downstream sees change records, not events.

Memory is capped three ways: at most ``max_keys`` keys (least recently observed dropped
first), at most ``max_members_per_key`` members a key (the least recently seen are
displaced), and the TTL. A key past its member cap also feeds a pair of KMV sketches
(one per TTL-long epoch) so ``fan_in`` keeps estimating how many distinct accounts
used it over the last one to two TTLs, e.g. a hot NAT address with thousands of users.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streams.core.coordination._members import RecentMembers
from streams.core.sketches import DistinctCounter

_NO_TIME = -(1 << 62)


@dataclass(frozen=True, slots=True)
class FanInChange:
    """How one key's member set changed at event time ``ts_ms``."""

    key: str
    ts_ms: int
    added: tuple[str, ...] = ()
    expired: tuple[str, ...] = ()  # idle past the TTL
    displaced: tuple[str, ...] = ()  # pushed out by the member cap (still counted)
    fan_in: int = 0  # members now, or the overflow estimate when larger


class _Overflow:
    """Distinct accounts of a key over the current and the previous TTL epoch."""

    __slots__ = ("current", "epoch", "previous")

    def __init__(self, epoch: int, k: int) -> None:
        self.epoch = epoch
        self.current = DistinctCounter(k)
        self.previous: DistinctCounter | None = None

    def add(self, account: str, epoch: int) -> None:
        if epoch > self.epoch:
            k = self.current.k
            self.previous = self.current if epoch == self.epoch + 1 else None
            self.current = DistinctCounter(k)
            self.epoch = epoch
        self.current.add(account)

    def estimate(self) -> int:
        if self.previous is None:
            return self.current.estimate()
        union = self.current.to_state() + self.previous.to_state()
        return DistinctCounter(self.current.k, union).estimate()

    def to_state(self) -> list[Any]:
        previous = None if self.previous is None else self.previous.to_state()
        return [self.epoch, self.current.to_state(), previous]

    @classmethod
    def from_state(cls, state: Sequence[Any], k: int) -> _Overflow:
        epoch, current, previous = state
        overflow = cls(int(epoch), k)
        overflow.current = DistinctCounter.from_state(current, k)
        if previous is not None:
            overflow.previous = DistinctCounter.from_state(previous, k)
        return overflow


class _Key:
    __slots__ = ("last_ms", "members", "overflow")

    def __init__(self) -> None:
        self.members = RecentMembers()
        self.last_ms = _NO_TIME  # newest event time seen for this key
        self.overflow: _Overflow | None = None


class FanInIndex:
    """Shared key -> accounts seen with it recently (bounded, event time)."""

    __slots__ = (
        "_keys",
        "evicted_keys",
        "max_keys",
        "max_members_per_key",
        "overflow_k",
        "ttl_ms",
        "watermark_ms",
    )

    def __init__(
        self, max_keys: int, max_members_per_key: int, ttl_ms: int, overflow_k: int = 64
    ) -> None:
        if max_keys < 1 or max_members_per_key < 1 or ttl_ms <= 0:
            raise ValueError("caps and ttl must be positive")
        self.max_keys = max_keys
        self.max_members_per_key = max_members_per_key
        self.ttl_ms = ttl_ms
        self.overflow_k = overflow_k
        self.watermark_ms = _NO_TIME  # highest event time seen: the index's clock
        self.evicted_keys = 0
        self._keys: OrderedDict[str, _Key] = OrderedDict()  # least recently observed first

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def _horizon(self) -> int:
        return self.watermark_ms - self.ttl_ms

    def observe(self, key: str, account: str, ts_ms: int) -> FanInChange | None:
        """Record ``account`` using ``key`` at ``ts_ms``; a change record or None."""
        if ts_ms > self.watermark_ms:
            self.watermark_ms = ts_ms
        horizon = self._horizon()
        if ts_ms < horizon:
            return None  # already expired on arrival
        keys = self._keys
        entry = keys.get(key)
        if entry is None:
            entry = keys[key] = _Key()
            while len(keys) > self.max_keys:
                keys.popitem(last=False)
                self.evicted_keys += 1
        else:
            keys.move_to_end(key)
        if ts_ms > entry.last_ms:
            entry.last_ms = ts_ms
        members = entry.members
        expired = members.expire(horizon) if members.may_have_expired(horizon) else []
        added = members.touch(account, ts_ms)
        displaced: list[str] = []
        if len(members) > self.max_members_per_key:
            if entry.overflow is None:
                entry.overflow = _Overflow(self.watermark_ms // self.ttl_ms, self.overflow_k)
                for member in members:
                    entry.overflow.add(member, entry.overflow.epoch)
            while len(members) > self.max_members_per_key:
                displaced.append(members.evict_oldest())
        if entry.overflow is not None:
            entry.overflow.add(account, self.watermark_ms // self.ttl_ms)
            if expired and len(members) < self.max_members_per_key:
                entry.overflow = None  # everyone recent fits again: counts are exact
        if added and account in expired:
            # Lapsed and back in the same sighting: the member set did not change.
            expired.remove(account)
            added = False
        if added and displaced and displaced[-1] == account:
            # A late sighting older than every member: it never really joined.
            displaced.pop()
            added = False
        if not (added or expired or displaced):
            return None
        return FanInChange(
            key,
            ts_ms,
            (account,) if added else (),
            tuple(expired),
            tuple(displaced),
            self._fan_in(entry),
        )

    def _fan_in(self, entry: _Key) -> int:
        exact = len(entry.members)
        if entry.overflow is None:
            return exact
        return max(exact, entry.overflow.estimate())

    def members(self, key: str) -> list[str]:
        """Accounts seen with ``key`` within the TTL (the newest ``max_members_per_key``)."""
        entry = self._keys.get(key)
        return [] if entry is None else entry.members.fresh(self._horizon())

    def held(self, key: str) -> list[str]:
        """Members held in memory for ``key``, including idle ones not yet swept."""
        entry = self._keys.get(key)
        return [] if entry is None else list(entry.members)

    def last_seen(self, key: str, account: str) -> int | None:
        entry = self._keys.get(key)
        return None if entry is None else entry.members.last_seen.get(account)

    def fan_in(self, key: str) -> int:
        """Distinct accounts recently seen with ``key``: exact under the member cap, a KMV
        estimate over the last one to two TTLs above it."""
        entry = self._keys.get(key)
        if entry is None:
            return 0
        if entry.overflow is None:
            return len(entry.members.fresh(self._horizon()))
        return self._fan_in(entry)

    def is_overflowing(self, key: str) -> bool:
        entry = self._keys.get(key)
        return entry is not None and entry.overflow is not None

    def expire(self, now_ms: int | None = None) -> list[FanInChange]:
        """Sweep out expired members of every key; one change record per changed key.

        Call it on a cadence (e.g. each tick): ``observe`` only sweeps the key it touches.
        ``now_ms`` may advance the watermark (an event-time punctuation), never rewind it.
        """
        if now_ms is not None and now_ms > self.watermark_ms:
            self.watermark_ms = now_ms
        horizon = self._horizon()
        changes: list[FanInChange] = []
        dead: list[str] = []
        for key, entry in self._keys.items():
            if not entry.members.may_have_expired(horizon):
                continue
            expired = entry.members.expire(horizon)
            if not expired:
                continue
            if entry.overflow is not None and len(entry.members) < self.max_members_per_key:
                entry.overflow = None
            if not entry.members:
                dead.append(key)
            changes.append(
                FanInChange(
                    key, self.watermark_ms, expired=tuple(expired), fan_in=self._fan_in(entry)
                )
            )
        for key in dead:
            del self._keys[key]
        return changes

    def member_count(self) -> int:
        """Members held over all keys (the memory driver)."""
        return sum(len(entry.members) for entry in self._keys.values())

    def to_state(self) -> dict[str, Any]:
        return {
            "max_keys": self.max_keys,
            "max_members_per_key": self.max_members_per_key,
            "ttl_ms": self.ttl_ms,
            "overflow_k": self.overflow_k,
            "watermark_ms": self.watermark_ms,
            "evicted_keys": self.evicted_keys,
            "keys": [
                [
                    key,
                    entry.last_ms,
                    entry.members.to_state(),
                    None if entry.overflow is None else entry.overflow.to_state(),
                ]
                for key, entry in self._keys.items()
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FanInIndex:
        index = cls(
            int(state["max_keys"]),
            int(state["max_members_per_key"]),
            int(state["ttl_ms"]),
            int(state["overflow_k"]),
        )
        index.watermark_ms = int(state["watermark_ms"])
        index.evicted_keys = int(state["evicted_keys"])
        for key, last_ms, members, overflow in state["keys"]:
            entry = _Key()
            entry.last_ms = int(last_ms)
            entry.members = RecentMembers.from_state(members)
            if overflow is not None:
                entry.overflow = _Overflow.from_state(overflow, index.overflow_k)
            index._keys[str(key)] = entry
        return index
