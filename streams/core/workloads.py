"""Workloads: the separate jobs one account runs, so harvesting hidden in real traffic shows.

A reseller or a platform account carries many products, each under its own system prompt.
A harvesting pipeline mixed into such traffic is diluted in the account's shares (its
single-turn chain-of-thought prompts are a third of the account's requests, its long
answers are averaged with chat) but stands out in its own workload. So an account that
shows a second system prompt gets per-workload behaviour, scored like an account.

Bounded: at most ``MAX_WORKLOADS`` per account, kept by space-saving (a newcomer takes the
lightest slot and inherits its count as a rank), so every workload carrying more than a
``1 / MAX_WORKLOADS`` share of the account's requests is always held; accounts with one
system prompt (most) pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from streams.core.behaviour import Behaviour

MAX_WORKLOADS = 8
NO_SYSTEM_PROMPT = "-"  # the workload of requests without a system prompt


class Workload:
    __slots__ = ("behaviour", "rank", "requests")

    def __init__(self, rank: int, behaviour: Behaviour | None = None, requests: int = 0) -> None:
        self.rank = rank  # space-saving count: an upper bound of the workload's requests
        self.requests = requests  # requests seen since it took its slot (what it is judged on)
        self.behaviour = behaviour if behaviour is not None else Behaviour()


class Workloads:
    """An account's heaviest workloads by system prompt (empty while it has only one)."""

    __slots__ = ("first", "slots")

    def __init__(self) -> None:
        self.first: str | None = None  # the only workload seen so far
        self.slots: dict[str, Workload] = {}

    def __len__(self) -> int:
        return len(self.slots)

    def pick(self, key: str) -> Behaviour | None:
        """The behaviour the event of workload ``key`` also updates (None while the
        account has shown a single workload)."""
        slots = self.slots
        workload = slots.get(key)
        if workload is None:
            if not slots and (self.first is None or self.first == key):
                self.first = key
                return None
            rank = 0
            if len(slots) >= MAX_WORKLOADS:
                lightest = min(slots, key=lambda k: (slots[k].rank, k))
                rank = slots.pop(lightest).rank
            workload = slots[key] = Workload(rank)
        workload.rank += 1
        workload.requests += 1
        return workload.behaviour

    def items(self) -> Iterator[tuple[str, Workload]]:
        return iter(self.slots.items())

    def to_state(self) -> list[Any]:
        return [
            self.first,
            [[k, w.rank, w.requests, w.behaviour.to_state()] for k, w in self.slots.items()],
        ]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> Workloads:
        workloads = cls()
        workloads.first = state[0]
        for key, rank, requests, behaviour in state[1]:
            workloads.slots[str(key)] = Workload(
                int(rank), Behaviour.from_state(behaviour), int(requests)
            )
        return workloads
