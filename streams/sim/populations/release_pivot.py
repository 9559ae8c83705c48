"""Attack ``release_pivot``: a fleet that jumps on the new model within the hour.

Accounts created one to three weeks earlier idle along on the current flagship, then,
minutes after the new model first appears, nearly all of their traffic moves to it at a
much higher rate: sweeps with chain-of-thought, self-critique and rubric wrappers to
capture the new model's behaviour before defences adapt. Hosting and VPN addresses, a few
shared cards, per-account jitter around the pivot.
"""

from __future__ import annotations

import random

from streams.sim.calls import ErrorRates
from streams.sim.clients import make_client
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
    system_prompt_hash,
)
from streams.sim.network import Net, by_number, net_in
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MINUTE_MS, NEW_MODEL

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "release_pivot"
CAMPAIGN = Campaign(
    campaign_id="camp-05-release_pivot",
    tactic="new_model_release_pivot",
    population=NAME,
    description=(
        "Pre-positioned accounts idling on the current flagship that move almost all "
        "traffic to the newly released model within the hour of its release, at a much "
        "higher rate, with chain-of-thought, critique and rubric sweeps."
    ),
)
_STYLE = HarvestStyle(
    kinds=(("cot", 4.0), ("critique", 3.0), ("rubric", 2.0), ("plain", 0.5)),
    output_median=2600.0,
    max_tokens=(8192, 4096),
    multi_turn=0.05,
)
_HOSTS = (9009, 212238, 14061, 63949)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.02, bad_request=0.002, server=0.001))
    period = ctx.period
    release = period.release_ms
    fleet_pivot = release + int(rng.uniform(15, 35) * MINUTE_MS)
    harness = make_client(rng, "httpx")
    sp = system_prompt_hash(rng)
    accounts: list[Account] = []
    shared_card = payment_fingerprint(rng)
    for _ in range(ctx.count(60, 4)):
        asn = by_number(_HOSTS[int(rng.random() * len(_HOSTS))])
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="attack",
            campaign_id=CAMPAIGN.campaign_id,
            created_ms=release - int(rng.uniform(7, 21) * DAY_MS),
            channel="self_serve",
            org_id=org_id(rng),
            payment=shared_card if rng.random() < 0.1 else payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country=asn.country,
            tz_offset_ms=0,
            home=net_in(rng, asn),
            client=harness,
        )
        accounts.append(a)
        sweep = Sweep(_STYLE)
        temperature = rng.choice((0.2, 0.3)) if rng.random() > 0.1 else 0.8
        pivot = fleet_pivot + int(rng.uniform(-10, 20) * MINUTE_MS)
        # Before: light harvesting of the current flagship, to look established.
        t = max(period.start_ms, release - 20 * HOUR_MS) + int(rng.random() * 2 * HOUR_MS)
        net = a.home
        while t < min(pivot, period.end_ms):
            t = harvest_call(
                em,
                a,
                t,
                _STYLE,
                sweep,
                model=LARGE,
                temperature=temperature,
                net=net,
                system_prompt_hash=sp,
            )
            if t < 0:
                break
            t += int(rng.expovariate(rng.uniform(0.6, 2.0) / HOUR_MS))
        # After: nearly everything on the new model, several times the rate, right away.
        t = pivot + int(rng.random() * 5 * MINUTE_MS)
        day = -1
        per_hour = rng.uniform(4.0, 9.0)
        while 0 <= t < period.end_ms:
            if (t - period.start_ms) // DAY_MS != day:  # a new VPS address each day
                day = (t - period.start_ms) // DAY_MS
                net = _rotate(rng, net)
            model = NEW_MODEL if rng.random() < 0.95 else LARGE
            t = harvest_call(
                em,
                a,
                t,
                _STYLE,
                sweep,
                model=model,
                temperature=temperature,
                net=net,
                system_prompt_hash=sp,
            )
            if t < 0:
                break
            t += int(rng.expovariate(per_hour / HOUR_MS))
    return Output(accounts, em.rows, CAMPAIGN)


def _rotate(rng: random.Random, net: Net) -> Net:
    return net_in(rng, by_number(net.asn))


SPEC = PopulationSpec(NAME, "attack", generate)
