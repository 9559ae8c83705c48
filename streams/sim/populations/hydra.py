"""Attack ``hydra_proxy``: the biggest fleet, spread thin behind residential proxies.

Hundreds of accounts, each with its own card and org, created drip-wise over weeks. One
job queue feeds them round-robin, so every account stays a light user (one or two requests
an hour) while the fleet's total volume is the largest of all campaigns. Each request
exits through a different residential proxy (IP and ASN rotate, sometimes sticky for a
few minutes), user agents are spoofed per account but the TLS stack is the fleet's own.
Prompts are paraphrased sweeps with chain-of-thought and rubric wrappers. Accounts churn:
some join late (freshly created), some drop out.
"""

from __future__ import annotations

import random

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.clients import Client, ja4, make_client
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
)
from streams.sim.network import Net, net_in, pick_country, residential_asn
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, MINUTE_MS

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "hydra_proxy"
CAMPAIGN = Campaign(
    campaign_id="camp-02-hydra_proxy",
    tactic="residential_proxy_round_robin",
    population=NAME,
    description=(
        "Hundreds of single-card accounts fed round-robin from one queue so each stays "
        "under ~1.5 requests/hour; every request exits a different residential proxy; "
        "paraphrased capability sweeps with chain-of-thought and rubric wrappers."
    ),
)
_EXITS = (
    ("US", 50.0),
    ("GB", 8.0),
    ("CA", 7.0),
    ("DE", 6.0),
    ("JP", 5.0),
    ("AU", 4.0),
    ("FR", 4.0),
    ("KR", 3.0),
    ("BR", 3.0),
    ("IN", 3.0),
    ("NL", 2.0),
    ("ES", 2.0),
)
_STYLE = HarvestStyle(
    block_median=12.0,
    output_median=2800.0,
    max_tokens=(4096, 4096, 8192),
    context_median=70.0,
    multi_turn=0.04,
)
_PER_ACCOUNT_PER_HOUR = 1.5


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.015, bad_request=0.002, server=0.001))
    period = ctx.period
    begin = period.at(0.30)
    n = ctx.count(450, 6)
    stacks = [ja4(f"cpython3.11-openssl3.0.13-Linux-worker{k}", "h2") for k in range(2)]
    accounts: list[Account] = []
    joins: list[int] = []
    leaves: list[int] = []
    clients: list[Client] = []
    temps: list[float | None] = []
    for i in range(n):
        late = i >= n * 0.88  # replacements brought in mid-campaign
        join = (
            begin + int(rng.random() * HOUR_MS) if not late else period.at(rng.uniform(0.45, 0.9))
        )
        created = (
            join - int(rng.uniform(10, 180) * MINUTE_MS)
            if late
            else begin - int(rng.uniform(3, 42) * DAY_MS)
        )
        country = pick_country(rng, _EXITS)
        spoofed = make_client(rng, rng.choice(("py_sdk", "py_sdk", "httpx", "js_sdk")))
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="attack",
            campaign_id=CAMPAIGN.campaign_id,
            created_ms=created,
            channel="startup_program" if rng.random() < 0.12 else "self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country=country,
            tz_offset_ms=0,
            home=_exit(rng),
            client=Client(spoofed.user_agent, stacks[i % len(stacks)]),
        )
        accounts.append(a)
        joins.append(join)
        leaves.append(period.at(rng.uniform(0.5, 1.0)) if rng.random() < 0.1 else period.end_ms)
        clients.append(a.client)
        temps.append(rng.choice((0.3, 0.5, 0.7)) if rng.random() > 0.1 else None)
    sweeps = [Sweep(_STYLE) for _ in range(n)]
    sticky: list[tuple[Net, int]] = [(a.home, 0) for a in accounts]
    models = ModelMix(((LARGE, 6.0), (MEDIUM, 1.0)), period.release_ms + 6 * HOUR_MS, 0.4)
    busy = [0] * n
    pointer = 0
    t = begin
    active = 0
    recount_at = t
    while t < period.end_ms:
        if t >= recount_at:  # the scheduler's view of the fleet, refreshed every 10 minutes
            active = sum(1 for j, lv in zip(joins, leaves, strict=True) if j <= t < lv)
            recount_at = t + 10 * MINUTE_MS
        rate = max(1, active) * _PER_ACCOUNT_PER_HOUR * (0.85 + 0.3 * rng.random())
        t += int(rng.expovariate(rate / HOUR_MS)) + 1
        # Round-robin over the accounts currently in service, with some randomness.
        for _ in range(n):
            pointer = (pointer + 1) % n if rng.random() > 0.15 else int(rng.random() * n)
            if joins[pointer] <= t < leaves[pointer] and busy[pointer] <= t:
                break
        else:
            continue
        k = pointer
        net, until = sticky[k]
        if t >= until or rng.random() < 0.7:
            net = _exit(rng)
            sticky[k] = (net, t + int(rng.uniform(2, 10) * MINUTE_MS))
        temperature = temps[k] if rng.random() > 0.05 else rng.choice((0.0, 1.0))
        busy[k] = harvest_call(
            em,
            accounts[k],
            t,
            _STYLE,
            sweeps[k],
            model=models.pick(rng, t),
            temperature=temperature,
            net=net,
            client=clients[k],
        )
        if busy[k] < 0:
            break
    return Output(accounts, em.rows, CAMPAIGN)


def _exit(rng: random.Random) -> Net:
    """A residential proxy exit: some home ISP's customer, anywhere in the supported world."""
    return net_in(rng, residential_asn(rng, pick_country(rng, _EXITS), 0.2), v6_share=0.1)


SPEC = PopulationSpec(NAME, "attack", generate)
