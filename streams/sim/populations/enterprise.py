"""Hard negative ``enterprise``: ~200 employees' keys under ONE org and ONE card.

Provisioned in bulk through SSO (all created within minutes, months ago), calling through
a few corporate egress IPs (a secure web gateway), from internal tools that share system
prompts, in office hours of three offices, with varied work prompts. Shared payment, shared
IPs and synchronized creation: all fleet-like, none of it abuse.
"""

from __future__ import annotations

import random
from dataclasses import replace

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.chat import Habits, run_session
from streams.sim.clients import Client, make_client
from streams.sim.clock import lognormal, session_starts
from streams.sim.grammar import Voice, book, random_style
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
    system_prompt_hash,
)
from streams.sim.network import Net, by_number, net_in
from streams.sim.populations.base import Context, Output, PopulationSpec, pick_weighted
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, MINUTE_MS

__all__ = ["SPEC"]

NAME = "enterprise"
_HABITS = Habits(
    requests_median=3.5,
    gap_median_s=120.0,
    new_conversation=0.4,
    context_median=500.0,
    context_sigma=1.3,
    output_median=480.0,
    max_tokens=(4096,),
    temperatures=(0.5,),
    system_tokens=700,
)
# Offices: (country, UTC offset hours, share of staff)
_OFFICES = (("US", -5, 0.6), ("GB", 0, 0.25), ("IN", 5.5, 0.15))


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.002, bad_request=0.002, server=0.001))
    period = ctx.period
    text = book()
    org = org_id(rng)
    card = payment_fingerprint(rng)
    gateway = by_number(62044)
    own = by_number(10310)
    egress = {
        "US": (net_in(rng, gateway), net_in(rng, gateway), net_in(rng, own)),
        "GB": (Net(net_in(rng, gateway).ip, gateway.number, "GB"),),
        "IN": (Net(net_in(rng, gateway).ip, gateway.number, "IN"),),
    }
    # Internal tools: (client, system prompt hash)
    tools: list[tuple[Client, str]] = [
        (make_client(rng, "js_sdk"), system_prompt_hash(rng)),  # the internal chat app
        (make_client(rng, "langchain"), system_prompt_hash(rng)),  # the docs Q&A bot
        (make_client(rng, "py_sdk"), system_prompt_hash(rng)),  # data team notebooks
    ]
    provisioned = period.start_ms - int(lognormal(rng, 200.0, 0.3) * DAY_MS)
    adopt_pilot = period.release_ms + int(20 * HOUR_MS)
    accounts: list[Account] = []
    for _ in range(ctx.count(200, 4)):
        country, offset, _ = pick_weighted(rng, tuple((o, o[2]) for o in _OFFICES))
        late_joiner = rng.random() < 0.15
        created = provisioned + int(rng.random() * 12 * MINUTE_MS)
        if late_joiner:
            created = provisioned + int(rng.random() * (period.start_ms - provisioned))
        tool = pick_weighted(rng, ((0, 6.0), (1, 2.5), (2, 1.5)))
        client, sp = tools[tool]
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="benign",
            campaign_id=None,
            created_ms=created,
            channel="enterprise",
            org_id=org,
            payment=card,
            api_keys=(api_key_id(rng),),
            country=country,
            tz_offset_ms=int(offset * HOUR_MS),
            home=egress[country][0],
            client=client,
        )
        accounts.append(a)
        voice = Voice(random_style(rng), cot_share=0.04)

        def ask(r: random.Random, voice: Voice = voice) -> str:
            return text.enterprise(r, voice)

        def follow(r: random.Random, voice: Voice = voice) -> str:
            return text.followup(r, voice)

        pilot = rng.random() < 0.1
        models = ModelMix(((LARGE, 3.0), (MEDIUM, 1.0)), adopt_pilot if pilot else None, 0.8)
        habits = _HABITS if tool != 2 else replace(_HABITS, temperatures=(0.0, 0.2))
        nets = egress[country]
        end = 0
        for start in session_starts(rng, rng.uniform(1.0, 5.0), "office", a.tz_offset_ms, period):
            if start < end:
                continue
            end = run_session(
                em,
                a,
                start,
                habits,
                ask,
                follow,
                models,
                system_prompt_hash=sp,
                net=nets[int(rng.random() * len(nets))],
            )
    return Output(accounts, em.rows)


SPEC = PopulationSpec(NAME, "benign", generate)
