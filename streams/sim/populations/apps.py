"""End-user products built on the API: what a SaaS backend's traffic looks like.

One account, many people behind it: each end-user session is a conversation typed by a
different person (own typing style, sometimes another language), in the product's domain,
under the product's fixed system prompt, sent from a pool of cloud egress IPs. Used by
the ``saas_app`` population and by both resellers (legitimate and mixed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Final

from streams.sim.calls import Emitter, ModelMix
from streams.sim.chat import Habits, run_session
from streams.sim.clients import Client
from streams.sim.clock import session_starts
from streams.sim.grammar import Voice, book, random_style
from streams.sim.grammar.multilingual import LANGUAGES
from streams.sim.identity import Account
from streams.sim.network import Net, by_kind, net_in
from streams.sim.populations.base import pick_weighted
from streams.sim.world import Period

__all__ = ["APP_HABITS", "App", "cloud_pool", "pick_kind", "run_app"]

_BASE: Final = Habits(
    requests_median=3.0,
    requests_sigma=0.7,
    gap_median_s=45.0,
    new_conversation=0.05,
    context_median=40.0,
    context_sigma=0.8,
    retry_on_error=0.8,
)
APP_HABITS: Final[dict[str, Habits]] = {
    "support": replace(
        _BASE, tool_share=0.45, output_median=170.0, system_tokens=900, max_tokens=(1024,)
    ),
    "writing": replace(
        _BASE, requests_median=2.5, output_median=450.0, system_tokens=300, max_tokens=(2048,)
    ),
    "tutor": replace(
        _BASE, requests_median=4.0, output_median=520.0, system_tokens=600, max_tokens=(2048, 4096)
    ),
    "code": replace(
        _BASE,
        requests_median=5.0,
        context_median=900.0,
        context_sigma=1.0,
        output_median=420.0,
        system_tokens=1500,
        max_tokens=(4096,),
        gap_median_s=30.0,
    ),
    "legal": replace(
        _BASE,
        requests_median=2.0,
        context_median=3500.0,
        context_sigma=0.7,
        output_median=650.0,
        system_tokens=500,
        max_tokens=(4096,),
    ),
    "health": replace(_BASE, output_median=330.0, system_tokens=800, max_tokens=(1024,)),
    "travel": replace(
        _BASE, tool_share=0.5, output_median=520.0, system_tokens=700, max_tokens=(2048,)
    ),
    "recipes": replace(
        _BASE, requests_median=2.0, output_median=430.0, system_tokens=250, max_tokens=(1024, 2048)
    ),
    "grading": replace(
        _BASE,
        requests_median=1.5,
        new_conversation=1.0,
        output_median=380.0,
        system_tokens=1200,
        context_median=400.0,
        max_tokens=(1024,),
    ),
    "translation": replace(
        _BASE,
        requests_median=2.0,
        output_median=120.0,
        output_sigma=0.9,
        system_tokens=150,
        max_tokens=(1024,),
    ),
}
_PROFILE: Final[dict[str, str]] = {
    "support": "global",
    "writing": "office",
    "tutor": "student",
    "code": "developer",
    "legal": "office",
    "health": "consumer",
    "travel": "consumer",
    "recipes": "consumer",
    "grading": "office",
    "translation": "global",
}


@dataclass(slots=True)
class App:
    """One product on one account. ``kinds``: a reseller runs many products at once."""

    account: Account
    kinds: tuple[str, ...]
    sessions_per_day: float
    pool: tuple[Net, ...]
    client: Client
    system_prompts: tuple[str, ...]
    prompt_switch_ms: int | None
    models: ModelMix
    temperature: float | None
    cot_share: float
    foreign_share: float


def cloud_pool(rng: random.Random, size: int, region_country: str | None = None) -> tuple[Net, ...]:
    """Egress addresses of an autoscaled backend: one cloud provider, ``size`` nodes."""
    clouds = by_kind("cloud")
    asn = clouds[min(int(rng.expovariate(1.1)), len(clouds) - 1)]
    nets = []
    for _ in range(size):
        net = net_in(rng, asn, v6_share=0.1)
        nets.append(Net(net.ip, net.asn, region_country or net.country))
    return tuple(nets)


def run_app(em: Emitter, app: App, period: Period, begin: int, end: int) -> None:
    """All of an app's end-user sessions in ``[begin, end)``."""
    rng = em.rng
    a = app.account
    text = book()
    kinds = app.kinds
    profile = _PROFILE[kinds[0]] if len(kinds) == 1 else "global"
    starts = session_starts(rng, app.sessions_per_day, profile, a.tz_offset_ms, period, begin, end)
    for start in starts:
        kind = kinds[int(rng.random() * len(kinds))]
        language = None
        if app.foreign_share and rng.random() < app.foreign_share:
            language = LANGUAGES[int(rng.random() * len(LANGUAGES))]
        voice = Voice(random_style(rng), language, 0.9 if language else 0.0, app.cot_share)

        def ask(r: random.Random, kind: str = kind, voice: Voice = voice) -> str:
            return text.app(r, kind, voice)

        def follow(r: random.Random, voice: Voice = voice) -> str:
            return text.followup(r, voice)

        def tool_result(r: random.Random, voice: Voice = voice) -> str:
            return text.followup(r, voice, tool_result=True)

        prompts = app.system_prompts
        if app.prompt_switch_ms is not None and len(prompts) > 1:
            sp = prompts[1] if start >= app.prompt_switch_ms else prompts[0]
        else:
            sp = prompts[int(rng.random() * len(prompts))]
        habits = APP_HABITS[kind]
        if app.temperature is not None:
            habits = replace(habits, temperatures=(app.temperature,))
        run_session(
            em,
            a,
            start,
            habits,
            ask,
            follow,
            app.models,
            system_prompt_hash=sp,
            net=app.pool[int(rng.random() * len(app.pool))],
            client=app.client,
            tool_follow=tool_result,
        )


def pick_kind(rng: random.Random) -> str:
    return pick_weighted(
        rng,
        (
            ("support", 4.0),
            ("writing", 3.0),
            ("tutor", 3.0),
            ("code", 3.0),
            ("legal", 1.0),
            ("health", 1.0),
            ("travel", 1.0),
            ("recipes", 1.0),
            ("grading", 1.5),
            ("translation", 1.5),
        ),
    )
