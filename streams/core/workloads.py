"""Workloads: the separate jobs one account runs, so harvesting hidden in real traffic shows.

A reseller or a platform account carries many products, each under its own system prompt.
A harvesting pipeline mixed into such traffic is diluted in the account's shares (its
single-turn chain-of-thought prompts are a third of the account's requests, its long
answers are averaged with chat) but stands out in its own workload. So an account that
shows a second system prompt gets per-workload behaviour, scored like an account.

Bounded: at most ``MAX_WORKLOADS`` per account, kept by space-saving (a newcomer takes the
lightest slot and inherits its count as a rank), so every workload carrying more than a
``1 / MAX_WORKLOADS`` share of the account's requests is always held; accounts with one
system prompt (most) pay nothing. A workload last scored as a suspect is evicted only when
every slot holds one: a reseller with dozens of products spreads its requests thinner than
``1 / MAX_WORKLOADS``, and a harvesting pipeline under a few system prompts of its own
would otherwise lose its evidence to the churn of products every few hours.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from streams.core.behaviour import Behaviour

MAX_WORKLOADS = 8
NO_SYSTEM_PROMPT = "-"  # the workload of requests without a system prompt


class Workload:
    __slots__ = ("behaviour", "rank", "read", "requests", "suspect")

    def __init__(
        self,
        rank: int,
        behaviour: Behaviour | None = None,
        requests: int = 0,
        read: int = 0,
        suspect: bool = False,
    ) -> None:
        self.rank = rank  # space-saving count: an upper bound of the workload's requests
        self.requests = requests  # requests seen since it took its slot (what it is judged on)
        self.behaviour = behaviour if behaviour is not None else Behaviour()
        self.read = read  # prompts read into it since it took its slot
        # Its behaviour looked harvest-like when the account was last scored: kept in its
        # slot while a non-suspect one can make room.
        self.suspect = suspect


class Workloads:
    """An account's heaviest workloads by system prompt (empty while it has only one)."""

    __slots__ = ("first", "slots")

    def __init__(self) -> None:
        self.first: str | None = None  # the only workload seen so far
        self.slots: dict[str, Workload] = {}

    def __len__(self) -> int:
        return len(self.slots)

    def pick(self, key: str) -> Workload | None:
        """The workload the event of system prompt ``key`` also updates, its request
        counted (None while the account has shown a single workload)."""
        slots = self.slots
        workload = slots.get(key)
        if workload is None:
            if not slots and (self.first is None or self.first == key):
                self.first = key
                return None
            rank = 0
            if len(slots) >= MAX_WORKLOADS:
                rank = slots.pop(self._evictable()).rank
            workload = slots[key] = Workload(rank)
        workload.rank += 1
        workload.requests += 1
        return workload

    def _evictable(self) -> str:
        """The slot a newcomer takes: the lightest non-suspect, or the lightest of all."""
        slots = self.slots
        candidates = [k for k, w in slots.items() if not w.suspect] or list(slots)
        return min(candidates, key=lambda k: (slots[k].rank, k))

    def items(self) -> Iterator[tuple[str, Workload]]:
        return iter(self.slots.items())

    def to_state(self) -> list[Any]:
        return [
            self.first,
            [
                [k, w.rank, w.requests, w.behaviour.to_state(), w.read, w.suspect]
                for k, w in self.slots.items()
            ],
        ]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> Workloads:
        workloads = cls()
        workloads.first = state[0]
        for entry in state[1]:
            key, rank, requests, behaviour = entry[:4]
            # Checkpoints before the read count and the suspect flag hold four fields.
            read, suspect = entry[4:6] if len(entry) >= 6 else (0, False)
            workloads.slots[str(key)] = Workload(
                int(rank), Behaviour.from_state(behaviour), int(requests), int(read), bool(suspect)
            )
        return workloads
