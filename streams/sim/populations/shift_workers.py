"""Attack ``shift_workers`` (opt-in: ``simulate --extra shift_workers``).

An adversary who learned from the other fleets and shares nothing across accounts: each
account its own card, org, stock client, country and time zone, working human shifts at
its own hours through a fresh residential proxy address per session, with conversational,
humanized harvesting prompts. No infrastructure, no timing and no templates link the
accounts, so only per-account behaviour can find them.
"""

from __future__ import annotations

import random

from streams.sim.calls import Emitter, ErrorRates
from streams.sim.clients import make_client, pick_family
from streams.sim.clock import lognormal, pick_tz_offset_ms
from streams.sim.grammar import Voice, book, random_style
from streams.sim.grammar.noise import humanize
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import DEVELOPER_COUNTRIES, Net, net_in, pick_country, residential_asn
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MEDIUM, MINUTE_MS

__all__ = ["CAMPAIGN", "SPEC"]

NAME = "shift_workers"
CAMPAIGN = Campaign(
    campaign_id="camp-07-shift_workers",
    tactic="human_shift_harvesting",
    population=NAME,
    description=(
        "Accounts that share nothing: each its own card, org, stock client and country, "
        "working one or two human shifts a day at its own hours, every session from a new "
        "residential proxy address, harvesting through humanized multi-turn conversations."
    ),
)
_STYLE = HarvestStyle(
    kinds=(("plain", 4.0), ("cot", 4.0), ("critique", 1.0), ("rubric", 0.5)),
    block_median=3.0,
    max_tokens=(4096, 4096, 2048, 8192),
    output_median=1500.0,
    output_sigma=0.6,
    multi_turn=0.45,
)
_TEMPERATURES = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.003, bad_request=0.004, server=0.001))
    period = ctx.period
    accounts: list[Account] = []
    for _ in range(ctx.count(150, 5)):
        country = pick_country(rng, DEVELOPER_COUNTRIES)
        if rng.random() < 1 / 3:  # fresh: signed up in the days before or on day one
            created = period.start_ms + int(rng.uniform(-5.0, 1.0) * DAY_MS)
        else:
            age_days = min(400.0, max(30.0, lognormal(rng, 110.0, 0.7)))
            created = period.start_ms - int(age_days * DAY_MS)
        a = Account(
            account_id=account_id(rng),
            population=NAME,
            label="attack",
            campaign_id=CAMPAIGN.campaign_id,
            created_ms=created,
            channel="self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country=country,
            tz_offset_ms=pick_tz_offset_ms(rng, country),
            home=_proxy(rng, country),
            client=make_client(rng, pick_family(rng, "developer")),
        )
        accounts.append(a)
        _work(ctx, em, rng, a)
    return Output(accounts, em.rows, CAMPAIGN)


def _proxy(rng: random.Random, country: str) -> Net:
    """A rotating residential proxy's exit in the account's country."""
    return net_in(rng, residential_asn(rng, country, 0.1), v6_share=0.1)


def _work(ctx: Context, em: Emitter, rng: random.Random, a: Account) -> None:
    """One account's shifts: its own hours, a new exit address per session."""
    period = ctx.period
    voice = Voice(random_style(rng))
    sweep = Sweep(_STYLE)
    shift_hour = rng.uniform(8.0, 13.5)  # local hour its working day usually starts
    begin = max(period.start_ms, a.created_ms + int(rng.uniform(2, 90) * MINUTE_MS))
    first_day = (period.start_ms + a.tz_offset_ms) // DAY_MS - 1
    last_day = (period.end_ms + a.tz_offset_ms) // DAY_MS
    for day in range(first_day, last_day + 1):
        if rng.random() < 0.2:  # a day off
            continue
        midnight = day * DAY_MS - a.tz_offset_ms  # local midnight, in UTC epoch ms
        start = midnight + int((shift_hour + rng.gauss(0.0, 0.75)) * HOUR_MS)
        shifts = [(start, start + int(rng.uniform(1.0, 4.0) * HOUR_MS))]
        if rng.random() < 0.5:  # a second session after a break, before late evening
            again = shifts[0][1] + int(lognormal(rng, 2.0, 0.5) * HOUR_MS)
            length = int(rng.uniform(1.0, 4.0) * HOUR_MS)
            end = min(again + length, midnight + 23 * HOUR_MS)
            if end - again >= HOUR_MS // 2:
                shifts.append((again, end))
        budget = rng.randint(15, 60)
        total = sum(e - s for s, e in shifts)
        for s, e in shifts:
            if e <= begin:
                continue
            requests = max(1, round(budget * (e - s) / total))
            if s < begin:  # joined mid-session: the period starts, or the account
                s = begin + int(rng.random() * min(e - begin, HOUR_MS))
            if _session(em, rng, a, s, e, requests, voice, sweep) < 0:
                return


def _session(
    em: Emitter,
    rng: random.Random,
    a: Account,
    t: int,
    end: int,
    requests: int,
    voice: Voice,
    sweep: Sweep,
) -> int:
    """Up to ``requests`` calls in ``[t, end)`` from one exit; ``-1`` past the period."""
    if t >= end:
        return 0
    prompts = book()
    net = _proxy(rng, a.country)
    gap_median = max(1.0, (end - t) / MINUTE_MS / requests)
    emitted = len(em.rows)
    while t < end and len(em.rows) - emitted < requests:
        prompt: str | None = None
        if rng.random() < 0.6:  # a human-looking rewrite of a sweep question
            question = prompts.question(rng, sweep.next_domain(rng))
            if rng.random() < 0.5:
                question += " " + prompts.grammar.render(rng, "cot_soft")
            prompt = humanize(rng, question, voice.style)
        t = harvest_call(
            em,
            a,
            t,
            _STYLE,
            sweep,
            model=LARGE if rng.random() < 0.8 else MEDIUM,
            prompt=prompt,
            temperature=None if rng.random() < 0.3 else rng.choice(_TEMPERATURES),
            net=net,
        )
        if t < 0:
            return -1
        t += int(lognormal(rng, gap_median, 0.7) * MINUTE_MS)
    return 0


SPEC = PopulationSpec(NAME, "attack", generate)
