"""Attack ``reseller_mixed``: a reseller whose genuine traffic hides a harvesting pipeline.

Looks like ``reseller_legit`` (channel ``reseller``, many products and end users, cloud
egress) and carries real end-user traffic, but about half of its calls are a distillation
pipeline: capability sweeps with chain-of-thought and rubric wrappers, single-turn, under
a handful of system prompts, steady around the clock. Labelled attack as a whole.
"""

from __future__ import annotations

from streams.sim.calls import ErrorRates
from streams.sim.clock import lognormal
from streams.sim.identity import Account
from streams.sim.identity import system_prompt_hash as sp_hash
from streams.sim.populations.apps import run_app
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.populations.resellers import reseller_account, reseller_app
from streams.sim.world import HOUR_MS, LARGE, MEDIUM

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "reseller_mixed"
CAMPAIGN = Campaign(
    campaign_id="camp-03-reseller_mixed",
    tactic="reseller_blend",
    population=NAME,
    description=(
        "Reseller accounts that carry genuine end-user traffic and, mixed into it, a "
        "steady harvesting pipeline (about half of the calls) of chain-of-thought and "
        "rubric prompts."
    ),
)
_STYLE = HarvestStyle(
    block_median=20.0,
    output_median=2000.0,
    max_tokens=(4096,),
    multi_turn=0.02,
    context_median=300.0,
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.008, bad_request=0.002, server=0.001))
    period = ctx.period
    accounts: list[Account] = []
    for _ in range(ctx.count(4, 2)):
        a = reseller_account(rng, period, NAME, "attack", CAMPAIGN.campaign_id)
        accounts.append(a)
        app = reseller_app(rng, a, period, lognormal(rng, 150.0, 0.3))
        run_app(em, app, period, period.start_ms, period.end_ms)
        pipeline = tuple(sp_hash(rng) for _ in range(rng.randint(2, 4)))
        sweep = Sweep(_STYLE)
        per_hour = rng.uniform(14.0, 22.0)
        temperature = rng.choice((0.0, 0.3, 0.5))
        t = period.start_ms + int(rng.random() * HOUR_MS)
        while t < period.end_ms:
            t = harvest_call(
                em,
                a,
                t,
                _STYLE,
                sweep,
                model=LARGE if rng.random() < 0.85 else MEDIUM,
                temperature=temperature,
                net=app.pool[int(rng.random() * len(app.pool))],
                system_prompt_hash=pipeline[int(rng.random() * len(pipeline))],
            )
            if t < 0:
                break
            t += int(rng.expovariate(per_hour / HOUR_MS))
    return Output(accounts, em.rows, CAMPAIGN)


SPEC = PopulationSpec(NAME, "attack", generate)
