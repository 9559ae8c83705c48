"""Every population of the simulated traffic, in generation order.

Order only matters for progress messages: each population draws from its own RNG.
"""

from __future__ import annotations

from typing import Final

from streams.sim.populations import (
    benchmark,
    campus,
    canned_turns,
    developer,
    enterprise,
    fleet_blatant,
    hackathon,
    hydra,
    licensed,
    low_and_slow,
    release_pivot,
    reseller_mixed,
    resellers,
    saas,
    shift_workers,
)
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec

__all__ = [
    "ATTACKS",
    "EXTRAS",
    "HARD_NEGATIVES",
    "POPULATIONS",
    "Campaign",
    "Context",
    "Output",
]

POPULATIONS: Final[tuple[PopulationSpec, ...]] = (
    developer.SPEC,
    saas.SPEC,
    campus.SPEC,
    enterprise.SPEC,
    benchmark.SPEC,
    resellers.SPEC,
    hackathon.SPEC,
    fleet_blatant.SPEC,
    hydra.SPEC,
    reseller_mixed.SPEC,
    low_and_slow.SPEC,
    release_pivot.SPEC,
)
HARD_NEGATIVES: Final = (
    "campus_nat",
    "enterprise",
    "benchmark_customer",
    "reseller_legit",
    "hackathon",
)
ATTACKS: Final = tuple(p.name for p in POPULATIONS if p.label == "attack")
# Opt-in populations (``simulate --extra``), generated after the default ones.
EXTRAS: Final[dict[str, PopulationSpec]] = {
    licensed.SPEC.name: licensed.SPEC,
    canned_turns.SPEC.name: canned_turns.SPEC,
    low_and_slow.STOCK_SPEC.name: low_and_slow.STOCK_SPEC,
    shift_workers.SPEC.name: shift_workers.SPEC,
    benchmark.REASONING_SPEC.name: benchmark.REASONING_SPEC,
}
