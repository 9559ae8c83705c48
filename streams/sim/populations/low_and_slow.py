"""Attack ``low_and_slow``: aged accounts harvesting in loose synchronized waves.

Accounts bought aged (created many months ago, each its own card and org), each on one
static residential address (ISP proxies), sending a few requests per wave: the whole fleet
wakes within the same window (with minutes of jitter) several times a day, so per-account
volume is tiny while the waves line up across accounts. Prompts are made to look human
(typing noise, softer reasoning requests, varied temperature), with spoofed user agents
over one TLS stack.

The opt-in ``stock_waves`` fleet (``simulate --extra stock_waves``) is the same tactic
with ordinary clients: each account a stock SDK whose TLS fingerprint it shares with
developers, so the fleet shares no infrastructure at all, only its timing.
"""

from __future__ import annotations

import random

from streams.sim.calls import ErrorRates
from streams.sim.clients import Client, ja4, make_client, pick_family
from streams.sim.clock import lognormal
from streams.sim.grammar import Voice, book, random_style
from streams.sim.grammar.noise import humanize
from streams.sim.identity import Account, account_id, api_key_id, org_id, payment_fingerprint
from streams.sim.network import net_in, pick_country, residential_asn
from streams.sim.populations.base import Campaign, Context, Output, PopulationSpec
from streams.sim.populations.harvest import HarvestStyle, Sweep, harvest_call
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, MINUTE_MS

__all__ = ["CAMPAIGN", "SPEC", "STOCK_CAMPAIGN", "STOCK_SPEC"]

NAME = "low_and_slow"
CAMPAIGN = Campaign(
    campaign_id="camp-04-low_and_slow",
    tactic="synchronized_low_rate_waves",
    population=NAME,
    description=(
        "Aged accounts on static residential proxies that all wake in the same windows a "
        "few times a day and send a handful of human-looking reasoning requests each."
    ),
)
STOCK_NAME = "stock_waves"
STOCK_CAMPAIGN = Campaign(
    campaign_id="camp-06-stock_waves",
    tactic="synchronized_waves_stock_clients",
    population=STOCK_NAME,
    description=(
        "The low-and-slow tactic on stock clients: aged accounts, each on its own "
        "residential address and an ordinary SDK, sharing nothing but their waves."
    ),
)
_COUNTRIES = (("US", 5.0), ("GB", 1.5), ("CA", 1.0), ("AU", 1.0), ("DE", 0.7))
_STYLE = HarvestStyle(
    kinds=(("cot", 5.0), ("plain", 3.0), ("critique", 1.0), ("rubric", 0.5)),
    block_median=4.0,
    output_median=1600.0,
    output_sigma=0.6,
    max_tokens=(4096, 2048),
    multi_turn=0.12,
)


def _waves(rng: random.Random, begin: int, end: int) -> list[tuple[int, int]]:
    """The fleet's shared activity windows: every few hours, 40-80 minutes long."""
    out = []
    t = begin
    while t < end:
        length = int(rng.uniform(40, 80) * MINUTE_MS)
        out.append((t, t + length))
        t += int(rng.uniform(3.0, 5.5) * HOUR_MS)
    return out


def generate(ctx: Context) -> Output:
    return _fleet(ctx, NAME, CAMPAIGN, stock_clients=False)


def generate_stock(ctx: Context) -> Output:
    return _fleet(ctx, STOCK_NAME, STOCK_CAMPAIGN, stock_clients=True)


def _fleet(ctx: Context, name: str, campaign: Campaign, *, stock_clients: bool) -> Output:
    rng = ctx.rng(name)
    em = ctx.emitter(rng, ErrorRates(too_many=0.004, bad_request=0.002, server=0.001))
    period = ctx.period
    text = book()
    waves = _waves(rng, period.at(0.05), period.end_ms)
    stack = ja4("cpython3.12-openssl3.3.2-Linux-fleet", "h2")
    accounts: list[Account] = []
    for _ in range(ctx.count(100, 5)):
        country = pick_country(rng, _COUNTRIES)
        spoofed = make_client(rng, pick_family(rng, "developer"))
        a = Account(
            account_id=account_id(rng),
            population=name,
            label="attack",
            campaign_id=campaign.campaign_id,
            created_ms=period.start_ms - int(lognormal(rng, 240.0, 0.4) * DAY_MS),
            channel="self_serve",
            org_id=org_id(rng),
            payment=payment_fingerprint(rng),
            api_keys=(api_key_id(rng),),
            country=country,
            tz_offset_ms=0,
            home=net_in(rng, residential_asn(rng, country, 0.0)),
            client=spoofed if stock_clients else Client(spoofed.user_agent, stack),
        )
        accounts.append(a)
        voice = Voice(random_style(rng))
        sweep = Sweep(_STYLE)
        temperature = rng.choice((0.6, 0.7, 0.8, 1.0))
        for wave_start, wave_end in waves:
            if rng.random() > 0.75:
                continue
            t = wave_start + int(rng.random() * 15 * MINUTE_MS)
            for _ in range(rng.randint(1, 5)):
                if t >= wave_end:
                    break
                if rng.random() < 0.6:  # a human-looking rewrite of a sweep question
                    prompt = text.question(rng, sweep.next_domain(rng))
                    if rng.random() < 0.7:
                        prompt += " " + text.grammar.render(rng, "cot_soft")
                    prompt = humanize(rng, prompt, voice.style)
                else:
                    prompt = None
                t = harvest_call(
                    em,
                    a,
                    t,
                    _STYLE,
                    sweep,
                    model=LARGE,
                    prompt=prompt,
                    temperature=temperature if rng.random() > 0.2 else None,
                )
                if t < 0:
                    break
                t += int(rng.uniform(3, 12) * MINUTE_MS)
    return Output(accounts, em.rows, campaign)


SPEC = PopulationSpec(NAME, "attack", generate)
STOCK_SPEC = PopulationSpec(STOCK_NAME, "attack", generate_stock)
