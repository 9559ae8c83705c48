"""The keys a store has spilled to bytes: oldest first, about 40 bytes a key.

Profiles and link keys leave their hot sets for bytes in the checkpoint; what stays in
memory for each is an entry here, saying it is still held and, for a profile, when it
was last active. At 100,000 light accounts these entries were a tenth of a worker's
memory as ``OrderedDict`` s, which cost about 50 bytes an entry more than a plain
``dict`` (measured at 100,000 keys: 91 against 38 bytes, 127 against 74 with an int
value). A ``dict`` keeps insertion order too, but reaching its oldest entry walks past
every entry deleted before it, so the oldest are taken many at a time, in one pass,
never one per call: callers evict over a cap in batches (``batch``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Generic, TypeVar

V = TypeVar("V")

_MISSING = object()


def batch(cap: int) -> int:
    """How many to drop past ``cap`` beyond the excess: a 64th of it, so a store at its
    cap walks its oldest entries once per cap/64 new keys, not once per key."""
    return cap // 64


class ColdSet(Generic[V]):
    """Spilled key -> value (e.g. last activity), in the order they were spilled."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[str, V] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def add(self, key: str, value: V) -> None:
        """Record a key just spilled (it is the newest)."""
        self._entries.pop(key, None)
        self._entries[key] = value

    def get(self, key: str) -> V | None:
        return self._entries.get(key)

    def discard(self, key: str) -> bool:
        """Forget a key (read back, or dropped); whether it was here."""
        return self._entries.pop(key, _MISSING) is not _MISSING

    def oldest(self, n: int) -> list[str]:
        """Up to ``n`` keys, oldest first (one pass)."""
        return list(islice(self._entries, n))

    def oldest_while(self, keep_going: Callable[[V], bool]) -> list[str]:
        """The oldest keys, oldest first, up to the first whose value fails the test."""
        taken: list[str] = []
        for key, value in self._entries.items():
            if not keep_going(value):
                break
            taken.append(key)
        return taken
