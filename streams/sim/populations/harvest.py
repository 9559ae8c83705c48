"""What distillation harvesting looks like per request, shared by every attack campaign.

A harvester walks a capability taxonomy in blocks (a run of chemistry, then a run of law),
wraps each question in chain-of-thought elicitation, rubric grading or self-critique,
asks mostly single-turn with a fixed low temperature and a large ``max_tokens`` that long
answers often hit, and retries 429s with backoff. Campaigns differ in how they spread
this over accounts, addresses and time, and in how imperfectly they do it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from streams.sim.calls import Emitter, prompt_tokens
from streams.sim.clients import Client
from streams.sim.clock import lognormal
from streams.sim.grammar import book
from streams.sim.grammar.taxonomy import DOMAINS
from streams.sim.identity import Account, conversation_id
from streams.sim.network import Net
from streams.sim.populations.base import pick_weighted

__all__ = ["HarvestStyle", "Sweep", "harvest_call"]


@dataclass(frozen=True, slots=True)
class HarvestStyle:
    """A campaign's harvesting habits."""

    kinds: tuple[tuple[str, float], ...] = (
        ("cot", 6.0),
        ("rubric", 2.0),
        ("critique", 1.0),
        ("plain", 1.0),
    )
    domain_weights: tuple[tuple[str, float], ...] = tuple((d, 1.0) for d in DOMAINS)
    block_median: float = 8.0
    max_tokens: tuple[int, ...] = (4096, 8192)
    output_median: float = 2400.0
    output_sigma: float = 0.55
    context_median: float = 60.0
    multi_turn: float = 0.03
    conversations: bool = True
    retry_429: float = 0.9
    # Every exchange claims a history it never sent: turn 2 of a new conversation, with a
    # canned first turn of about this many tokens in its input (0: off).
    canned_turn_tokens: int = 0


class Sweep:
    """One account's walk through the taxonomy: blocks of questions per domain."""

    __slots__ = ("domain", "left", "style")

    def __init__(self, style: HarvestStyle) -> None:
        self.style = style
        self.domain = ""
        self.left = 0

    def next_domain(self, rng: random.Random) -> str:
        if self.left <= 0:
            self.domain = pick_weighted(rng, self.style.domain_weights)
            self.left = max(1, round(lognormal(rng, self.style.block_median, 0.6)))
        self.left -= 1
        return self.domain


def harvest_call(
    em: Emitter,
    a: Account,
    t: int,
    style: HarvestStyle,
    sweep: Sweep,
    *,
    model: str,
    temperature: float | None,
    net: Net | None = None,
    client: Client | None = None,
    system_prompt_hash: str | None = None,
    prompt: str | None = None,
    max_tokens: int | None = None,
) -> int:
    """Emit one harvesting exchange (plus retries and the odd follow-up turn) at ``t``.

    Returns the time the account is free again; ``-1`` once ``t`` is past the period.
    """
    rng = em.rng
    text = book()
    if prompt is None:
        kind = pick_weighted(rng, style.kinds)
        prompt = text.harvest(rng, sweep.next_domain(rng), kind)
    cap = max_tokens or style.max_tokens[int(rng.random() * len(style.max_tokens))]
    conv = conversation_id(rng) if style.conversations else None
    context = int(lognormal(rng, style.context_median, 0.5))
    input_tokens = context + prompt_tokens(prompt)
    canned = style.canned_turn_tokens > 0 and conv is not None
    if canned:
        input_tokens += int(lognormal(rng, style.canned_turn_tokens, 0.2))
    for attempt in range(5):
        status = em.call(
            a,
            t,
            model=model,
            prompt=prompt,
            input_tokens=input_tokens,
            output_tokens=int(lognormal(rng, style.output_median, style.output_sigma)),
            max_tokens=cap,
            temperature=temperature,
            conversation_id=conv,
            turn=(2 if canned else 1) if conv else None,
            system_prompt_hash=system_prompt_hash,
            net=net,
            client=client,
        )
        if status == 0:
            return -1
        t += int(400 + em.last_output * 20 * (0.8 + 0.4 * rng.random()))
        if status == 200 or status == 400 or rng.random() > style.retry_429:
            break
        t += int(1000 * 2**attempt * (1 + rng.random()))
    if conv is not None and not canned and status == 200 and rng.random() < style.multi_turn:
        follow = text.grammar.render(rng, "harvest_followup")
        t += int(lognormal(rng, 4000.0, 0.6))
        history = input_tokens + em.last_output + prompt_tokens(follow)
        em.call(
            a,
            t,
            model=model,
            prompt=follow,
            input_tokens=history,
            output_tokens=int(lognormal(rng, style.output_median, style.output_sigma)),
            max_tokens=cap,
            temperature=temperature,
            conversation_id=conv,
            turn=2,
            system_prompt_hash=system_prompt_hash,
            net=net,
            client=client,
        )
        t += int(400 + em.last_output * 20)
    return t
