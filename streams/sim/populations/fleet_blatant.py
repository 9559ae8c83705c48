"""Attack ``fleet_blatant``: the unsubtle fleet.

A few payment cards shared across dozens of accounts signed up in one burst, every account
on a VPS of the same hosting provider, one scraping harness (same client, same system
prompt) replaying one bank of identically templated prompts with chain-of-thought
elicitation, around the clock at a steady clip. Imperfect: some accounts barely run, 429s
get retried, the odd request varies.
"""

from __future__ import annotations

from streams.sim.calls import ErrorRates
from streams.sim.clients import make_client
from streams.sim.grammar import book
from streams.sim.grammar.taxonomy import DOMAINS
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
    system_prompt_hash,
)
from streams.sim.network import by_number, net_in
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "fleet_blatant"
CAMPAIGN = Campaign(
    campaign_id="camp-01-fleet_blatant",
    tactic="shared_cards_hosting_fleet",
    population=NAME,
    description=(
        "Burst-created accounts sharing a few payment cards, all on one hosting provider's "
        "VPS addresses, one harness replaying identical templated chain-of-thought prompts "
        "around the clock."
    ),
)
_SKELETONS = (
    "### Task {n}\n{q}\n\nThink step by step and show all of your reasoning. Then give the "
    "final answer after 'FINAL ANSWER:'.",
    "[{d}] {q}\nExplain your reasoning step by step before answering. Be exhaustive.",
)
_STYLE = HarvestStyle(
    max_tokens=(4096,),
    output_median=3100.0,
    output_sigma=0.45,
    context_median=180.0,
    multi_turn=0.0,
    conversations=False,
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.04, bad_request=0.002, server=0.001))
    period = ctx.period
    text = book()
    begin, end = period.at(0.12), period.at(0.78)
    n = ctx.count(40, 3)
    cards = [payment_fingerprint(rng) for _ in range(max(1, min(4, n // 8 + 1)))]
    host = by_number(rng.choice((16276, 24940, 14061, 20473, 51167)))
    ips = [net_in(rng, host) for _ in range(max(2, n * 2 // 3))]
    harness = make_client(rng, "requests")
    sp = system_prompt_hash(rng)
    signup = begin - int(rng.uniform(1.0, 4.0) * DAY_MS)
    bank = []
    for i in range(max(200, n * 25)):
        domain = DOMAINS[int(rng.random() * len(DOMAINS))]
        skeleton = _SKELETONS[int(rng.random() * len(_SKELETONS))]
        bank.append(skeleton.format(n=1000 + i, d=domain, q=text.question(rng, domain)))
    accounts: list[Account] = []
    for i in range(n):
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="attack",
            campaign_id=CAMPAIGN.campaign_id,
            created_ms=signup + int(rng.random() * 3 * HOUR_MS),
            channel="self_serve",
            org_id=org_id(rng),
            payment=cards[i % len(cards)],
            api_keys=(api_key_id(rng),),
            country=host.country,
            tz_offset_ms=0,
            home=ips[i % len(ips)],
            client=harness,
        )
        accounts.append(a)
        sweep = Sweep(_STYLE)
        idle = rng.random() < 0.12
        per_hour = rng.uniform(0.2, 0.6) if idle else rng.uniform(6.0, 14.0)
        t = begin + int(rng.random() * 2 * HOUR_MS)
        stop = end - int(rng.random() * 3 * HOUR_MS)
        temperature = 0.2 if rng.random() > 0.1 else 0.7
        while t < stop:
            prompt = bank[int(rng.random() * len(bank))] if rng.random() > 0.05 else None
            t = harvest_call(
                em,
                a,
                t,
                _STYLE,
                sweep,
                model=LARGE,
                temperature=temperature,
                system_prompt_hash=sp if rng.random() > 0.1 else None,
                prompt=prompt,
            )
            if t < 0:
                break
            t += int(rng.expovariate(per_hour / HOUR_MS))
    return Output(accounts, em.rows, CAMPAIGN)


SPEC = PopulationSpec(NAME, "attack", generate)
