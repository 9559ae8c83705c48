"""Accounts and the opaque identifiers around them (ids, keys, cards, prompt hashes).

Every identifier comes from the population's own RNG, in the same format for every
population: an id's shape never tells a fleet account from a real one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from streams.core.timeutil import format_rfc3339_ms
from streams.sim.clients import Client
from streams.sim.network import Net

__all__ = [
    "Account",
    "account_id",
    "api_key_id",
    "conversation_id",
    "org_id",
    "payment_fingerprint",
    "system_prompt_hash",
]


def account_id(rng: random.Random) -> str:
    return f"acct_{rng.getrandbits(64):016x}"


def org_id(rng: random.Random) -> str:
    return f"org_{rng.getrandbits(64):016x}"


def api_key_id(rng: random.Random) -> str:
    return f"key_{rng.getrandbits(48):012x}"


def payment_fingerprint(rng: random.Random) -> str:
    """An opaque hash of a payment instrument (the gateway never sees the card itself)."""
    return f"pf_{rng.getrandbits(128):032x}"


def system_prompt_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def conversation_id(rng: random.Random) -> str:
    return f"conv_{rng.getrandbits(64):016x}"


@dataclass(slots=True)
class Account:
    """One billing account and what stays fixed about it during the period.

    ``home`` and ``client`` are its usual network location and software; populations
    vary them per call where real users would (a phone hotspot, a proxy, a second laptop).
    """

    account_id: str
    population: str
    label: str
    campaign_id: str | None
    created_ms: int
    channel: str
    org_id: str | None
    payment: str | None
    api_keys: tuple[str, ...]
    country: str
    tz_offset_ms: int
    home: Net
    client: Client
    zdr: bool = False
    """Zero data retention: the gateway logs no prompt text for this account."""
    created_at: str = field(init=False)

    def __post_init__(self) -> None:
        self.created_at = format_rfc3339_ms(self.created_ms)
