"""Benign ``developer``: individual developers and small startup teams.

Light, bursty use in their own working day; mixed models, conversations, some agents with
tools, pasted code and errors, other languages. A few share a card (a couple, a team),
some ask for reasoning, and some "vibe-check" the new model across many topics right
after it ships: the overlap with harvesting that a detector has to live with.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from streams.sim.calls import LEGACY_COMPLETE, MESSAGES, Emitter, ErrorRates, ModelMix
from streams.sim.chat import Ask, Habits, run_session
from streams.sim.clients import Client, make_client, pick_family
from streams.sim.clock import lognormal, pick_tz_offset_ms, session_starts
from streams.sim.grammar import Voice, book, random_style
from streams.sim.grammar.multilingual import language_for_country
from streams.sim.grammar.taxonomy import DOMAINS
from streams.sim.identity import (
    Account,
    account_id,
    api_key_id,
    org_id,
    payment_fingerprint,
    system_prompt_hash,
)
from streams.sim.network import (
    DEVELOPER_COUNTRIES,
    Net,
    by_kind,
    net_in,
    pick_country,
    residential_asn,
)
from streams.sim.populations.base import Context, Output, PopulationSpec, pick_weighted
from streams.sim.world import DAY_MS, HOUR_MS, LARGE, LEGACY_MODEL, MEDIUM, MINUTE_MS, SMALL

__all__ = ["SPEC"]

NAME = "developer"
_HABITS = Habits(count_tokens_share=0.02)
_AGENT = replace(_HABITS, tool_share=0.7, gap_median_s=25.0, requests_median=8.0, max_turns=20)
_SWEEP = replace(
    _HABITS,
    new_conversation=1.0,
    gap_median_s=40.0,
    output_median=600.0,
    max_tokens=(2048, 4096),
    temperatures=(None, 1.0),
)
_MODELS = ((LARGE, 0.5), (MEDIUM, 0.3), (SMALL, 0.15), (LEGACY_MODEL, 0.05))


@dataclass(slots=True)
class _Dev:
    """What is particular about one developer's behaviour."""

    account: Account
    rate_per_day: float
    voice: Voice
    habits: Habits
    models: ModelMix
    system_prompts: tuple[str, ...]
    other_net: Net | None
    other_net_share: float
    home_changes_at: int | None
    second_client: Client | None
    sweeps: bool
    endpoint: str


def _account(
    rng: random.Random, ctx: Context, org: str | None, card: str | None, channel: str | None
) -> _Dev:
    period = ctx.period
    country = pick_country(rng, DEVELOPER_COUNTRIES)
    asn = residential_asn(rng, country, mobile_share=0.12)
    if rng.random() < 0.04:
        created = period.start_ms + int(rng.random() * 0.85 * period.span_ms)
    else:
        created = period.start_ms - int(min(1500.0, lognormal(rng, 180.0, 1.2)) * DAY_MS)
        created -= int(rng.random() * DAY_MS)
    if channel is None:
        r = rng.random()
        channel = "edu" if r < 0.04 else "startup_program" if r < 0.09 else "self_serve"
    if card is None and rng.random() > 0.09:
        card = payment_fingerprint(rng)
    a = Account(
        account_id=account_id(rng),
        population=NAME,
        label="benign",
        campaign_id=None,
        created_ms=created,
        channel=channel,
        org_id=org or org_id(rng),
        payment=card,
        api_keys=tuple(api_key_id(rng) for _ in range(1 + int(rng.random() ** 2 * 3))),
        country=country,
        tz_offset_ms=pick_tz_offset_ms(rng, country),
        home=net_in(rng, asn, v6_share=0.35),
        client=make_client(rng, pick_family(rng, "developer")),
    )
    language = language_for_country(country)
    voice = Voice(
        style=random_style(rng),
        language=language,
        language_share=rng.choice((0.0, 0.15, 0.4, 0.8)) if language else 0.0,
        cot_share=rng.choice((0.0, 0.02, 0.05, 0.12)),
    )
    primary = pick_weighted(rng, _MODELS)
    weights = tuple((m, 6.0 if m == primary else w) for m, w in _MODELS)
    r = rng.random()
    if r < 0.12:  # early adopters: within hours of the release
        adopt = period.release_ms + int(rng.expovariate(1.0 / (2 * HOUR_MS)))
    elif r < 0.75:
        adopt = period.release_ms + int(rng.expovariate(1.0 / (1.5 * DAY_MS)))
    else:
        adopt = None
    models = ModelMix(weights, adopt, rng.uniform(0.4, 0.95))
    habits = _AGENT if rng.random() < 0.15 else _HABITS
    if rng.random() < 0.3:
        habits = replace(
            habits,
            temperatures=(rng.choice((0.0, 0.2, 0.5, 0.7, 1.0)),),
            stop_sequences=rng.random() < 0.3,
        )
    hashes = tuple(system_prompt_hash(rng) for _ in range(rng.choice((1, 1, 2, 3))))
    other: Net | None = None
    if rng.random() < 0.3:
        kind = pick_weighted(rng, (("cloud", 3.0), ("mobile", 2.0), ("office", 2.0)))
        if kind == "cloud":
            clouds = by_kind("cloud") + by_kind("hosting")
            other = net_in(rng, clouds[int(rng.random() * len(clouds))])
        elif kind == "mobile":
            other = net_in(rng, residential_asn(rng, country, mobile_share=1.0), v6_share=0.5)
        else:
            other = net_in(rng, residential_asn(rng, country, mobile_share=0.0))
    return _Dev(
        account=a,
        rate_per_day=min(30.0, lognormal(rng, 2.4, 1.0)),
        voice=voice,
        habits=habits,
        models=models,
        system_prompts=hashes if rng.random() < 0.35 else (),
        other_net=other,
        other_net_share=rng.uniform(0.1, 0.5),
        home_changes_at=(period.start_ms + int(rng.random() * period.span_ms))
        if rng.random() < 0.15
        else None,
        second_client=make_client(rng, rng.choice(("curl", "postman", "py_sdk", "js_sdk")))
        if rng.random() < 0.25
        else None,
        sweeps=rng.random() < 0.1,
        # Old integrations on the legacy model still call the legacy completions endpoint.
        endpoint=LEGACY_COMPLETE if primary == LEGACY_MODEL and rng.random() < 0.5 else MESSAGES,
    )


def _sweep_ask(voice: Voice) -> Ask:
    """A developer trying a new model on one question after another, across topics."""
    prompts = book()

    def ask(rng: random.Random) -> str:
        question = prompts.question(rng, DOMAINS[int(rng.random() * len(DOMAINS))])
        if rng.random() < 0.35:
            question += " " + prompts.grammar.render(rng, "cot_soft")
        return question

    return ask


def generate(ctx: Context) -> Output:
    rng = ctx.rng(NAME)
    em = ctx.emitter(rng, ErrorRates(too_many=0.003, bad_request=0.006, server=0.001))
    target = ctx.count(2000, 20)
    accounts: list[Account] = []
    while len(accounts) < target:
        team = 1 if rng.random() > 0.06 else rng.randint(2, 5)
        org = org_id(rng) if team > 1 else None
        card = payment_fingerprint(rng) if team > 1 else None
        channel = "startup_program" if team > 1 and rng.random() < 0.6 else None
        if team == 1 and accounts and rng.random() < 0.015:  # a couple sharing a card
            card = accounts[int(rng.random() * len(accounts))].payment
        for _ in range(min(team, target - len(accounts))):
            dev = _account(rng, ctx, org, card, channel)
            accounts.append(dev.account)
            _simulate(ctx, em, rng, dev)
    return Output(accounts, em.rows)


def _simulate(ctx: Context, em: Emitter, rng: random.Random, dev: _Dev) -> None:
    period = ctx.period
    a = dev.account
    voice = dev.voice
    text = book()

    def ask(r: random.Random) -> str:
        return text.developer(r, voice)

    def follow(r: random.Random) -> str:
        return text.followup(r, voice)

    def tool_result(r: random.Random) -> str:
        return text.followup(r, voice, tool_result=True)

    begin = max(period.start_ms, a.created_ms + 2 * MINUTE_MS)
    starts = session_starts(rng, dev.rate_per_day, "developer", a.tz_offset_ms, period, begin)
    if a.created_ms >= period.start_ms:
        starts.insert(0, begin)  # a new signup tries the API right away
    home = a.home
    busy_until = 0
    for start in starts:
        if start < busy_until:
            continue
        if dev.home_changes_at is not None and start >= dev.home_changes_at:
            home = Net(_rotate_ip(rng, home.ip), home.asn, home.country)
            dev.home_changes_at = None
        net = dev.other_net if dev.other_net and rng.random() < dev.other_net_share else home
        client = dev.second_client if dev.second_client and rng.random() < 0.2 else None
        sp = (
            dev.system_prompts[int(rng.random() * len(dev.system_prompts))]
            if dev.system_prompts
            else None
        )
        busy_until = run_session(
            em,
            a,
            start,
            dev.habits,
            ask,
            follow,
            dev.models,
            system_prompt_hash=sp,
            net=net,
            client=client,
            tool_follow=tool_result,
            endpoint=dev.endpoint,
        )
    adopt = dev.models.adopt_ms
    if dev.sweeps and adopt is not None and adopt < period.end_ms:
        start = adopt + int(rng.expovariate(1.0 / (3 * HOUR_MS)))
        run_session(
            em,
            a,
            start,
            _SWEEP,
            _sweep_ask(voice),
            follow,
            ModelMix(((LARGE, 1.0),), adopt, 0.9),
            requests=rng.randint(8, 25),
            net=home,
        )


def _rotate_ip(rng: random.Random, ip: str) -> str:
    """A home router's new DHCP lease: same provider block, new host part."""
    if ":" in ip:
        head = ip.split(":")[:4]
        return ":".join(head + [f"{rng.getrandbits(16):x}" for _ in range(4)])
    a, b, _, _ = ip.split(".")
    return f"{a}.{b}.{int(rng.random() * 256)}.{1 + int(rng.random() * 254)}"


SPEC = PopulationSpec(NAME, "benign", generate)
