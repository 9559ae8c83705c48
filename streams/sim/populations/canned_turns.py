"""Attack ``canned_turns`` (opt-in: ``simulate --extra canned_turns``).

A fleet that learned the detector reads single-turn exchanges as harvesting: every
harvesting prompt is sent as the second turn of a new conversation, after a canned first
turn pasted into its input, so each request claims a conversation the account never held.
Otherwise a plain fleet: its own card and organisation per account, one scraping harness,
addresses on one hosting provider, chain-of-thought prompts swept over the taxonomy.
"""

from __future__ import annotations

from streams.sim.calls import ErrorRates
from streams.sim.clients import make_client
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import by_number, net_in
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "canned_turns"
CAMPAIGN = Campaign(
    campaign_id="camp-08-canned_turns",
    tactic="canned_turn_disguise",
    population=NAME,
    description=(
        "Accounts each with its own card and organisation, one harness on one hosting "
        "provider, sending every chain-of-thought prompt as turn 2 of a new conversation "
        "with a canned first turn."
    ),
)
_STYLE = HarvestStyle(
    max_tokens=(4096,),
    output_median=2600.0,
    context_median=120.0,
    multi_turn=0.0,
    canned_turn_tokens=350,
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.02, bad_request=0.002, server=0.001))
    period = ctx.period
    begin, end = period.at(0.2), period.at(0.9)
    n = ctx.count(50, 3)
    host = by_number(rng.choice((16276, 24940, 14061, 20473, 51167)))
    ips = [net_in(rng, host) for _ in range(max(2, n // 2))]
    harness = make_client(rng, "httpx")
    accounts: list[Account] = []
    for i in range(n):
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="attack",
            campaign_id=CAMPAIGN.campaign_id,
            created_ms=begin - int(rng.uniform(1.0, 20.0) * DAY_MS),
            channel="self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country=host.country,
            tz_offset_ms=0,
            home=ips[i % len(ips)],
            client=harness,
        )
        accounts.append(a)
        sweep = Sweep(_STYLE)
        per_hour = rng.uniform(3.0, 8.0)
        temperature = rng.choice((0.0, 0.3))
        t = begin + int(rng.random() * 3 * HOUR_MS)
        while t < end:
            t = harvest_call(em, a, t, _STYLE, sweep, model=LARGE, temperature=temperature)
            if t < 0:
                break
            t += int(rng.expovariate(per_hour / HOUR_MS))
    return Output(accounts, em.rows, CAMPAIGN)


SPEC = PopulationSpec(NAME, "attack", generate)
