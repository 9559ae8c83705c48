"""Hard negative ``campus_nat``: one university class on one problem set.

~150 accounts created within one hour (the first lab session), all behind ONE campus NAT
address, signup channel ``edu``, most in the course's org using the course starter code
(same SDK version, same system prompt), asking the same assignment in different words,
some with "show your work", active in class hours. Every one of those looks like a fleet
signal to a naive rule; together they are a classroom.
"""

from __future__ import annotations

import random
from dataclasses import replace

from streams.sim.calls import ErrorRates, ModelMix
from streams.sim.chat import Habits, run_session
from streams.sim.clients import make_client, pick_family
from streams.sim.clock import session_starts
from streams.sim.grammar import Voice, book, random_style
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
    system_prompt_hash,
)
from streams.sim.network import by_number, net_in
from streams.sim.populations.base import Context, Output, PopulationSpec
from streams.sim.world import HOUR_MS, LARGE, MEDIUM, MINUTE_MS, SMALL

__all__ = ["CLASS_START_UTC_HOUR", "SPEC"]

NAME = "campus_nat"
CLASS_START_UTC_HOUR = 14
"""The first lab starts at 09:00 campus time (UTC-5); accounts are created in its first hour."""
_HABITS = Habits(
    requests_median=5.0,
    gap_median_s=90.0,
    new_conversation=0.35,
    context_median=60.0,
    output_median=420.0,
    max_tokens=(1024, 2048),
    temperatures=(None, 0.7),
)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.01, bad_request=0.004, server=0.001))
    period = ctx.period
    text = book()
    campus = by_number(3)
    nat = net_in(rng, campus)  # the single NAT address every student shares
    course_org = org_id(rng)
    course_prompt = system_prompt_hash(rng)
    starter = make_client(rng, "py_sdk")
    lab = period.day_ms(0) + CLASS_START_UTC_HOUR * HOUR_MS
    accounts: list[Account] = []
    for _ in range(ctx.count(150, 4)):
        created = lab + 3 * MINUTE_MS + int(rng.random() * 55 * MINUTE_MS)
        own_client = rng.random() < 0.2
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="benign",
            campaign_id=None,
            created_ms=created,
            channel="edu",
            org_id=course_org if rng.random() < 0.75 else org_id(rng),
            payment=payment_fingerprint(rng) if rng.random() < 0.12 else None,
            api_keys=(api_key_id(rng),),
            country="US",
            tz_offset_ms=-5 * HOUR_MS,
            home=nat,
            client=make_client(rng, pick_family(rng, "developer")) if own_client else starter,
        )
        accounts.append(a)
        voice = Voice(random_style(rng), cot_share=0.1)

        def ask(r: random.Random, voice: Voice = voice) -> str:
            return text.campus(r, voice)

        def follow(r: random.Random, voice: Voice = voice) -> str:
            return text.followup(r, voice)

        models = ModelMix(((MEDIUM, 8.0), (SMALL, 1.0), (LARGE, 1.0)))
        uses_starter = not own_client and rng.random() < 0.85
        habits = replace(_HABITS, system_tokens=350 if uses_starter else 0)
        sp = course_prompt if uses_starter else None
        # The lab itself: everyone tries the starter right after signing up.
        end = run_session(
            em,
            a,
            created + 60_000 + int(rng.random() * 240_000),
            habits,
            ask,
            follow,
            models,
            system_prompt_hash=sp,
        )
        rate = rng.uniform(1.0, 4.0)
        for start in session_starts(rng, rate, "class", a.tz_offset_ms, period, end):
            if start < end:
                continue
            end = run_session(em, a, start, habits, ask, follow, models, system_prompt_hash=sp)
    return Output(accounts, em.rows)


SPEC = PopulationSpec(NAME, "benign", generate)
