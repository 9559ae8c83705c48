"""What every population module shares: its context, its output, and small helpers.

A population is a function ``generate(ctx) -> Output``. It owns its RNG (derived from the
seed and its name, so adding or changing one population never changes another's events),
creates its accounts, and emits their events through an ``Emitter``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from streams.sim.calls import Emitter, ErrorRates, Row
from streams.sim.identity import Account
from streams.sim.world import Period

__all__ = ["Campaign", "Context", "Output", "PopulationSpec", "pick_weighted"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Campaign:
    """An attack campaign as the labels file and ``campaigns.json`` describe it."""

    campaign_id: str
    tactic: str
    population: str
    description: str


@dataclass(frozen=True, slots=True)
class Context:
    """The run's parameters, as every population sees them."""

    seed: int
    scale: float
    period: Period

    def rng(self, name: str) -> random.Random:
        """The population's own RNG: a string seed is hashed with SHA-512, so it is stable
        across processes and Python's hash randomisation."""
        return random.Random(f"{self.seed}:{name}")

    def count(self, base: int, minimum: int) -> int:
        """Accounts at this scale: ``base`` at scale 1, never fewer than ``minimum``."""
        return max(minimum, round(base * self.scale))

    def emitter(self, rng: random.Random, errors: ErrorRates | None = None) -> Emitter:
        return Emitter(rng, self.period, errors or ErrorRates())


@dataclass(slots=True)
class Output:
    """A population's accounts (labelled), its events, and its campaign if an attack."""

    accounts: list[Account]
    rows: list[Row]
    campaign: Campaign | None = None


@dataclass(frozen=True, slots=True)
class PopulationSpec:
    """A registered population: its name, label and generator."""

    name: str
    label: str
    generate: Callable[[Context], Output]


def pick_weighted(rng: random.Random, options: tuple[tuple[T, float], ...]) -> T:
    """One option, with probability proportional to its weight."""
    r = rng.random() * sum(w for _, w in options)
    for value, w in options:
        r -= w
        if r < 0:
            return value
    return options[-1][0]
