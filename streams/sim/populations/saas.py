"""Benign ``saas_app``: one account serving a product's many end users.

High, steady volume around the clock with the product market's diurnal shape, a fixed
system prompt (a new version deployed mid-period for some), many egress IPs in one cloud,
and varied end-user prompts in the product's domain.
"""

from __future__ import annotations

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.clients import make_client, pick_family
from streams.sim.clock import lognormal, pick_tz_offset_ms
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.identity import system_prompt_hash as sp_hash
from streams.sim.populations.apps import App, cloud_pool, pick_kind, run_app
from streams.sim.populations.base import Context, Output, PopulationSpec, pick_weighted
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, SMALL

__all__ = ["SPEC"]

NAME = "saas_app"
_MARKETS = (
    ("US", 6.0),
    ("GB", 1.0),
    ("DE", 1.0),
    ("IN", 1.0),
    ("JP", 0.6),
    ("BR", 0.6),
    ("FR", 0.5),
    ("AU", 0.4),
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.004, bad_request=0.001, server=0.001))
    period = ctx.period
    accounts: list[Account] = []
    for _ in range(ctx.count(40, 3)):
        market = pick_weighted(rng, _MARKETS)
        region = market if market in ("GB", "DE", "IN", "JP", "BR", "FR", "AU") else None
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="benign",
            campaign_id=None,
            created_ms=period.start_ms - int(lognormal(rng, 300.0, 0.7) * DAY_MS),
            channel="startup_program" if rng.random() < 0.3 else "self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=tuple(api_key_id(rng) for _ in range(rng.randint(1, 3))),
            country=market,
            tz_offset_ms=pick_tz_offset_ms(rng, market),
            home=cloud_pool(rng, 1, region)[0],
            client=make_client(rng, pick_family(rng, "server")),
            zdr=rng.random() < 0.05,
        )
        accounts.append(a)
        kind = pick_kind(rng)
        model = pick_weighted(rng, ((MEDIUM, 2.0), (SMALL, 1.0), (LARGE, 1.2)))
        adopt = None
        if rng.random() < 0.3:
            adopt = period.release_ms + int(rng.uniform(4, 40) * HOUR_MS)
        app = App(
            account=a,
            kinds=(kind,),
            sessions_per_day=min(900.0, lognormal(rng, 125.0, 0.75)),
            pool=cloud_pool(rng, rng.randint(4, 24), region),
            client=a.client,
            system_prompts=(sp_hash(rng), sp_hash(rng)),
            prompt_switch_ms=period.at(rng.uniform(0.2, 0.9)) if rng.random() < 0.3 else None,
            models=ModelMix(((model, 1.0),), adopt, 1.0 if rng.random() < 0.7 else 0.1),
            temperature=rng.choice((0.2, 0.3, 0.5, 0.7, 1.0)),
            cot_share=0.25 if kind == "tutor" else 0.02,
            foreign_share=0.6 if region in ("DE", "JP", "BR", "FR") else 0.08,
        )
        if app.prompt_switch_ms is None:
            app.system_prompts = app.system_prompts[:1]
        run_app(em, app, period, period.start_ms, period.end_ms)
    return Output(accounts, em.rows)


SPEC = PopulationSpec(NAME, "benign", generate)
