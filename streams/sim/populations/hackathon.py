"""Hard negative ``hackathon``: ~60 accounts signed up the same morning in one city.

All in Berlin (same country, the same few ISPs, some on the venue's network, others on
their phones), created within a couple of hours, bursting through starter prompts that
look alike ("hello", "what can you do?", "return JSON with...") until late evening, then
mostly gone. Teams share an org. New, synchronized, similar: and harmless.
"""

from __future__ import annotations

import random
from dataclasses import replace

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.chat import Habits, run_session
from streams.sim.clients import make_client, pick_family
from streams.sim.clock import session_starts
from streams.sim.grammar import Voice, book, random_style
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import by_number, net_in, residential_asn
from streams.sim.populations.base import Context, Output, PopulationSpec
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, SMALL

__all__ = ["SPEC"]

NAME = "hackathon"
_HABITS = Habits(
    requests_median=4.0,
    gap_median_s=35.0,
    new_conversation=0.5,
    output_median=300.0,
    tool_share=0.15,
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.01, bad_request=0.02, server=0.001))
    period = ctx.period
    text = book()
    day = period.day_ms(period.clamp_day(2))
    doors = day + 7 * HOUR_MS  # 08:00 in Berlin
    close = day + 21 * HOUR_MS
    venue = by_number(8881)
    venue_nets = (net_in(rng, venue), net_in(rng, venue))
    starter = make_client(rng, "py_sdk")
    accounts: list[Account] = []
    team_org = org_id(rng)
    for i in range(ctx.count(60, 3)):
        if i % rng.choice((2, 3, 4)) == 0:
            team_org = org_id(rng)
        phone = net_in(rng, residential_asn(rng, "DE", mobile_share=0.6), v6_share=0.4)
        created = doors + int(rng.random() * 2.5 * HOUR_MS)
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="benign",
            campaign_id=None,
            created_ms=created,
            channel="startup_program" if rng.random() < 0.3 else "self_serve",
            org_id=team_org,
            payment=payment_fingerprint(rng) if rng.random() < 0.4 else None,
            api_keys=(api_key_id(rng),),
            country="DE",
            tz_offset_ms=HOUR_MS,
            home=phone,
            client=starter
            if rng.random() < 0.6
            else make_client(rng, pick_family(rng, "developer")),
        )
        accounts.append(a)
        voice = Voice(random_style(rng), "de", 0.15, 0.03)

        def ask(r: random.Random, voice: Voice = voice) -> str:
            return text.hackathon(r, voice)

        def follow(r: random.Random, voice: Voice = voice) -> str:
            return text.followup(r, voice)

        models = ModelMix(
            ((SMALL, 2.0), (MEDIUM, 3.0), (LARGE, 2.0)),
            period.release_ms,
            0.5,
        )
        on_venue = rng.random() < 0.5
        habits = replace(_HABITS, temperatures=(None, 1.0, rng.choice((0.0, 0.5, 0.9))))
        starts = [
            created + 120_000,
            *session_starts(
                rng, rng.uniform(12.0, 30.0), "flat", a.tz_offset_ms, period, created, close
            ),
        ]
        if rng.random() < 0.2:  # a few keep building the next day
            starts += session_starts(
                rng, 3.0, "developer", a.tz_offset_ms, period, close, close + DAY_MS
            )
        end = 0
        for start in starts:
            if start < end:
                continue
            net = venue_nets[int(rng.random() * 2)] if on_venue and start < close else phone
            end = run_session(em, a, start, habits, ask, follow, models, net=net)
    return Output(accounts, em.rows)


SPEC = PopulationSpec(NAME, "benign", generate)
