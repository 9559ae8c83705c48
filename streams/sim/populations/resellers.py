"""Hard negative ``reseller_legit``: a router reselling API access to many products.

A few accounts, channel ``reseller``, each carrying many unrelated end users of many
downstream products (dozens of system prompts), all models on offer, around the clock.
The mixed reseller (an attack) reuses this traffic and adds harvesting to it.
"""

from __future__ import annotations

import random

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.clients import make_client, pick_family
from streams.sim.clock import lognormal
from streams.sim.grammar.phrasing import APP_KINDS
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.identity import system_prompt_hash as sp_hash
from streams.sim.populations.apps import App, cloud_pool, run_app
from streams.sim.populations.base import Context, Output, PopulationSpec
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, LEGACY_MODEL, MEDIUM, SMALL, Period

__all__ = ["SPEC", "reseller_account", "reseller_app"]

NAME = "reseller_legit"


def reseller_account(
    rng: random.Random, period: Period, population: str, label: str, campaign: str | None
) -> Account:
    """A reseller's account: old-ish, channel ``reseller``, a cloud backend."""
    pool = cloud_pool(rng, 1)
    return Account(
        account_id=account_id(rng),
        population=population,
        label=label,
        campaign_id=campaign,
        created_ms=period.start_ms - int(lognormal(rng, 250.0, 0.6) * DAY_MS),
        channel="reseller",
        org_id=org_id(rng),
        payment=payment_fingerprint(rng),
        api_keys=tuple(api_key_id(rng) for _ in range(rng.randint(2, 6))),
        country="US",
        tz_offset_ms=rng.choice((-5, -8, 0, 1)) * HOUR_MS,
        home=pool[0],
        client=make_client(rng, pick_family(rng, "server")),
    )


def reseller_app(rng: random.Random, a: Account, period: Period, sessions_per_day: float) -> App:
    """The genuine end-user traffic a reseller carries."""
    return App(
        account=a,
        kinds=APP_KINDS,
        sessions_per_day=sessions_per_day,
        pool=cloud_pool(rng, rng.randint(3, 8)),
        client=a.client,
        system_prompts=tuple(sp_hash(rng) for _ in range(rng.randint(20, 80))),
        prompt_switch_ms=None,
        models=ModelMix(
            ((LARGE, 4.0), (MEDIUM, 3.0), (SMALL, 2.0), (LEGACY_MODEL, 0.5)),
            period.release_ms + int(rng.uniform(1.0, 3.0) * HOUR_MS),
            0.3,
        ),
        temperature=None,
        cot_share=0.05,
        foreign_share=0.15,
    )


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.005, bad_request=0.002, server=0.001))
    period = ctx.period
    accounts: list[Account] = []
    for _ in range(ctx.count(4, 1)):
        a = reseller_account(rng, period, NAME, "benign", None)
        accounts.append(a)
        app = reseller_app(rng, a, period, lognormal(rng, 350.0, 0.3))
        run_app(em, app, period, period.start_ms, period.end_ms)
    return Output(accounts, em.rows)


SPEC = PopulationSpec(NAME, "benign", generate)
