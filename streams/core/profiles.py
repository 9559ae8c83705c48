"""A bounded, event-time store of account profiles for one partition.

Memory is capped two ways: profiles idle longer than ``ttl_ms`` of event time are dropped,
and past ``max_accounts`` the least recently active profile is dropped. The store records
which profiles changed since the last checkpoint (``drain_changes``) so the shell can
persist only those, never one write per event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from streams.core.clock import EventClock
from streams.core.profile import AccountProfile

Loader = Callable[[str], "bytes | None"]

_EXPIRY_CHECK_EVERY = 1024


class ProfileStore:
    __slots__ = (
        "_dirty",
        "_evictions",
        "_loader",
        "_profiles",
        "_since_expiry_check",
        "clock",
        "evicted_total",
        "max_accounts",
        "ttl_ms",
    )

    def __init__(self, max_accounts: int, ttl_ms: int, loader: Loader | None = None) -> None:
        self.max_accounts = max_accounts
        self.ttl_ms = ttl_ms
        self.clock = EventClock()  # event time, robust to a stray far-future timestamp
        self.evicted_total = 0
        self._profiles: OrderedDict[str, AccountProfile] = OrderedDict()
        self._loader = loader
        self._dirty: set[str] = set()
        self._evictions: set[str] = set()
        self._since_expiry_check = 0

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._profiles

    def get(self, account_id: str) -> AccountProfile | None:
        """The profile, from memory or else from the checkpoint loader."""
        profile = self._profiles.get(account_id)
        if profile is None and self._loader is not None and account_id not in self._evictions:
            blob = self._loader(account_id)
            if blob is not None:
                profile = AccountProfile.from_bytes(blob)
                self._profiles[account_id] = profile
        return profile

    def touch(self, profile: AccountProfile, ts_ms: int) -> None:
        """Record that ``profile`` changed at event time ``ts_ms``; enforce the caps."""
        account_id = profile.account_id
        profiles = self._profiles
        if account_id in profiles:
            profiles.move_to_end(account_id)
        else:
            profiles[account_id] = profile
        self._dirty.add(account_id)
        self._evictions.discard(account_id)
        self.clock.observe(ts_ms)
        while len(profiles) > self.max_accounts:
            self._evict(next(iter(profiles)))
        self._since_expiry_check += 1
        if self._since_expiry_check >= _EXPIRY_CHECK_EVERY:
            self.expire()

    def expire(self) -> int:
        """Drop profiles idle for longer than the TTL (event time). Returns how many."""
        self._since_expiry_check = 0
        now = self.clock.now_ms
        if now is None:
            return 0
        horizon = now - self.ttl_ms
        dropped = 0
        # Recency order approximates last-activity order; stop at the first fresh profile.
        while self._profiles:
            oldest = next(iter(self._profiles.values()))
            if oldest.last_seen_ms >= horizon:
                break
            self._evict(oldest.account_id)
            dropped += 1
        return dropped

    def _evict(self, account_id: str) -> None:
        del self._profiles[account_id]
        self._dirty.discard(account_id)
        self._evictions.add(account_id)
        self.evicted_total += 1

    def drain_changes(self) -> list[tuple[str, bytes | None]]:
        """Changed profiles as (account_id, state) and evictions as (account_id, None)."""
        changes: list[tuple[str, bytes | None]] = [
            (account_id, self._profiles[account_id].to_bytes()) for account_id in self._dirty
        ]
        changes.extend((account_id, None) for account_id in self._evictions)
        self._dirty.clear()
        self._evictions.clear()
        return changes

    def profiles(self) -> list[AccountProfile]:
        return list(self._profiles.values())
