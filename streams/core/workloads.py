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

Each workload also keeps what the account's inputs under its system prompt say of the
system prompt's size (``base_size``): it is in every request's input, and a long one
would hide how little a harvester asks next to the answers it gets.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from streams.core.behaviour import Behaviour

MAX_WORKLOADS = 8
NO_SYSTEM_PROMPT = "-"  # the workload of requests without a system prompt
# Requests under a system prompt before its size is estimated (from the next one on):
# the first ones may all be long asks (a student's first questions, a developer's first
# pasted files), and one request alone would be taken as nothing but system prompt.
BASE_AFTER_REQUESTS = 3
# A base packs, in one int, the requests seen under a system prompt (capped), their
# smallest input and their mean input (the mean of the last ~15 past that): an account
# with one system prompt, most of those with one, pays one small int.
_SEEN_BITS = 4
_SEEN_CAP = (1 << _SEEN_BITS) - 1
_TOKEN_BITS = 30
TOKEN_CAP = (1 << _TOKEN_BITS) - 1  # an input above it counts as this many tokens


def next_base(base: int, input_tokens: int) -> int:
    """The packed base after one more request of ``input_tokens`` under its system prompt."""
    seen = min((base & _SEEN_CAP) + 1, _SEEN_CAP)
    tokens = min(max(input_tokens, 0), TOKEN_CAP)
    if seen == 1:
        smallest = mean = tokens
    else:
        smallest = min((base >> _SEEN_BITS) & TOKEN_CAP, tokens)
        mean = base >> (_SEEN_BITS + _TOKEN_BITS)
        mean += round((tokens - mean) / seen)
    return (mean << _TOKEN_BITS | smallest) << _SEEN_BITS | seen


def base_size(base: int) -> int:
    """The system prompt's size a packed base vouches for, once more than
    ``BASE_AFTER_REQUESTS`` requests were seen (0 before).

    It is at most the smallest input. Of that, the smallest ask is taken to be as large
    as the inputs' mean lies above it: when the asks are small next to the system prompt
    (a harvester's bare questions under long instructions) the inputs barely vary and
    nearly all of the smallest is system prompt; when they vary a lot (a benchmark's
    items, a class's questions) they are large, and little or nothing is.
    """
    if base & _SEEN_CAP <= BASE_AFTER_REQUESTS:
        return 0
    smallest = (base >> _SEEN_BITS) & TOKEN_CAP
    mean = base >> (_SEEN_BITS + _TOKEN_BITS)
    return max(0, 2 * smallest - mean)


class Workload:
    __slots__ = ("base", "behaviour", "rank", "read", "requests", "suspect")

    def __init__(
        self,
        rank: int,
        behaviour: Behaviour | None = None,
        requests: int = 0,
        read: int = 0,
        suspect: bool = False,
        base: int = 0,
    ) -> None:
        self.rank = rank  # space-saving count: an upper bound of the workload's requests
        self.requests = requests  # requests seen since it took its slot (what it is judged on)
        self.behaviour = behaviour if behaviour is not None else Behaviour()
        self.read = read  # prompts read into it since it took its slot
        # Its behaviour looked harvest-like when the account was last scored: kept in its
        # slot while a non-suspect one can make room.
        self.suspect = suspect
        self.base = base  # what its inputs say of its system prompt's size (next_base)


class Workloads:
    """An account's heaviest workloads by system prompt (empty while it has only one)."""

    __slots__ = ("first", "first_base", "slots")

    def __init__(self) -> None:
        self.first: str | None = None  # the only workload seen so far
        self.first_base = 0  # its base (next_base), while it is the only one
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
            # The first workload's base carries over to its slot (it is the same job).
            workload = slots[key] = Workload(rank, base=self.first_base if key == self.first else 0)
        workload.rank += 1
        workload.requests += 1
        return workload

    def system_prompt_size(self, key: str, workload: Workload | None, input_tokens: int) -> int:
        """How many of a request's input tokens its system prompt ``key`` accounts for,
        as far as the account's inputs under it tell (``base_size``; 0 for requests
        without one). Counts the request (``input_tokens``) in; ``workload`` is what
        ``pick(key)`` returned."""
        if key == NO_SYSTEM_PROMPT:
            return 0
        if workload is not None:
            workload.base = next_base(workload.base, input_tokens)
            return base_size(workload.base)
        self.first_base = next_base(self.first_base, input_tokens)
        return base_size(self.first_base)

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
                [k, w.rank, w.requests, w.behaviour.to_state(), w.read, w.suspect, w.base]
                for k, w in self.slots.items()
            ],
            self.first_base,
        ]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> Workloads:
        workloads = cls()
        workloads.first = state[0]
        # Checkpoints before bases hold none: each system prompt's is learnt again.
        workloads.first_base = int(state[2]) if len(state) > 2 else 0
        for entry in state[1]:
            key, rank, requests, behaviour = entry[:4]
            # Checkpoints before the read count and the suspect flag hold four fields.
            read, suspect = entry[4:6] if len(entry) >= 6 else (0, False)
            base = int(entry[6]) if len(entry) >= 7 else 0
            workloads.slots[str(key)] = Workload(
                int(rank),
                Behaviour.from_state(behaviour),
                int(requests),
                int(read),
                bool(suspect),
                base,
            )
        return workloads
