"""A bounded, event-time store of account profiles for one partition.

Memory is capped three ways. Profiles idle longer than ``ttl_ms`` of event time are
dropped, and past ``max_accounts`` the least recently active profile is dropped (a
tombstone for the changelog). And only the ``hot_accounts`` most recently active
profiles are kept as objects: a live profile costs tens of kilobytes of Python objects,
its compressed checkpoint about 600 bytes, and most accounts of a large fleet or user
base are idle at any moment. A profile leaving the hot set is *spilled*: serialised,
handed to the checkpoint (if it changed) and thereafter read back from the checkpointed
state on its next event (``loader``). The store records which profiles changed since
the last checkpoint (``drain_changes``) so the shell persists only those, never one write
per event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from streams.core.clock import EventClock
from streams.core.coldset import ColdSet, batch
from streams.core.profile import AccountProfile

Loader = Callable[[str], "bytes | None"]

_EXPIRY_CHECK_EVERY = 1024
HOT_ACCOUNTS = 1024  # live profile objects per partition; the rest wait as bytes


class ProfileStore:
    __slots__ = (
        "_cold",
        "_dirty",
        "_evictions",
        "_loader",
        "_profiles",
        "_since_expiry_check",
        "_spilled",
        "clock",
        "evicted_total",
        "hot_accounts",
        "loads",
        "max_accounts",
        "ttl_ms",
    )

    def __init__(
        self,
        max_accounts: int,
        ttl_ms: int,
        loader: Loader | None = None,
        hot_accounts: int = HOT_ACCOUNTS,
    ) -> None:
        self.max_accounts = max_accounts
        self.ttl_ms = ttl_ms
        self.hot_accounts = max(1, hot_accounts)
        self.clock = EventClock()  # event time, robust to a stray far-future timestamp
        self.evicted_total = 0
        self.loads = 0  # profiles read back from their bytes (spilled or restored)
        self._profiles: OrderedDict[str, AccountProfile] = OrderedDict()  # hot, LRU
        # Spilled accounts -> last activity (event time), least recently active first.
        self._cold: ColdSet[int] = ColdSet()
        self._spilled: dict[str, bytes] = {}  # spilled since the last checkpoint
        self._loader = loader
        self._dirty: set[str] = set()
        self._evictions: set[str] = set()
        self._since_expiry_check = 0

    def __len__(self) -> int:
        return len(self._profiles) + len(self._cold)

    def __contains__(self, account_id: object) -> bool:
        return account_id in self._profiles or account_id in self._cold

    @property
    def hot(self) -> int:
        return len(self._profiles)

    def get(self, account_id: str) -> AccountProfile | None:
        """The profile: live, or read back from its bytes (spilled, or checkpointed
        before a restart)."""
        profile = self._profiles.get(account_id)
        if profile is not None:
            return profile
        if account_id in self._evictions:
            return None
        blob = self._spilled.get(account_id)
        if blob is None and self._loader is not None:
            blob = self._loader(account_id)
        if blob is None:
            return None
        self.loads += 1
        return AccountProfile.from_bytes(blob)

    def last_seen(self, account_id: str) -> int | None:
        """Event time of the account's last request (None: not held any more)."""
        profile = self._profiles.get(account_id)
        if profile is not None:
            return profile.last_seen_ms
        seen = self._cold.get(account_id)
        if seen is not None:
            return seen
        profile = self.get(account_id)  # checkpointed before a restart
        return None if profile is None else profile.last_seen_ms

    def touch(self, profile: AccountProfile, ts_ms: int | None) -> None:
        """Record that ``profile`` changed at event time ``ts_ms`` (None: not through an
        event, e.g. an analyst's verdict, which does not move the clock); enforce the caps."""
        account_id = profile.account_id
        profiles = self._profiles
        if account_id in profiles:
            profiles.move_to_end(account_id)
        else:
            profiles[account_id] = profile
            self._cold.discard(account_id)
        self._dirty.add(account_id)
        self._evictions.discard(account_id)
        if ts_ms is not None:
            self.clock.observe(ts_ms)
        while len(profiles) > self.hot_accounts:
            self._spill(next(iter(profiles)))
        if len(self) > self.max_accounts:
            self._evict_oldest()
        self._since_expiry_check += 1
        if self._since_expiry_check >= _EXPIRY_CHECK_EVERY:
            self.expire()

    def _spill(self, account_id: str) -> None:
        """Move a profile out of the hot set; its bytes go to the next checkpoint if it
        changed since the last one (otherwise the checkpointed bytes are current)."""
        profile = self._profiles.pop(account_id)
        if account_id in self._dirty:
            self._dirty.discard(account_id)
            self._spilled[account_id] = profile.to_bytes()
        self._cold.add(account_id, profile.last_seen_ms)

    def _evict_oldest(self) -> None:
        """Back under ``max_accounts``: the least recently active spilled profiles go
        first, a batch past the excess (``coldset.batch``), then hot ones if need be."""
        excess = len(self) - self.max_accounts
        for account_id in self._cold.oldest(excess + batch(self.max_accounts)):
            self._evict(account_id)
        while len(self) > self.max_accounts:
            self._evict(next(iter(self._profiles)))

    def expire(self) -> int:
        """Drop profiles idle for longer than the TTL (event time). Returns how many."""
        self._since_expiry_check = 0
        now = self.clock.now_ms
        if now is None:
            return 0
        horizon = now - self.ttl_ms
        dropped = 0
        # Recency order approximates last-activity order; stop at the first fresh one.
        for account_id in self._cold.oldest_while(lambda last_seen: last_seen < horizon):
            self._evict(account_id)
            dropped += 1
        while self._profiles:
            oldest = next(iter(self._profiles.values()))
            if oldest.last_seen_ms >= horizon:
                break
            self._evict(oldest.account_id)
            dropped += 1
        return dropped

    def _evict(self, account_id: str) -> None:
        if self._profiles.pop(account_id, None) is None:
            self._cold.discard(account_id)
        self._spilled.pop(account_id, None)
        self._dirty.discard(account_id)
        self._evictions.add(account_id)
        self.evicted_total += 1

    def drain_changes(self) -> list[tuple[str, bytes | None]]:
        """Changed profiles as (account_id, state) and evictions as (account_id, None)."""
        changes: list[tuple[str, bytes | None]] = [
            (account_id, self._profiles[account_id].to_bytes()) for account_id in self._dirty
        ]
        changes.extend(self._spilled.items())
        changes.extend((account_id, None) for account_id in self._evictions)
        self._dirty.clear()
        self._spilled.clear()
        self._evictions.clear()
        return changes

    def profiles(self) -> list[AccountProfile]:
        """The live (hot) profiles."""
        return list(self._profiles.values())
