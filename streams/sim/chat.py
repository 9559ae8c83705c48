"""Interactive sessions: a person (or an app's end user) talking to the model.

A session is a burst of requests with think-time gaps, grouped into conversations whose
later turns resend the history (so ``input_tokens`` grows with ``turn``); agent-style
conversations alternate tool calls and tool results. Failed calls are retried by hand.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from streams.sim.calls import COUNT_TOKENS, MESSAGES, Emitter, ModelMix, prompt_tokens
from streams.sim.clients import Client
from streams.sim.clock import lognormal
from streams.sim.identity import Account, conversation_id
from streams.sim.network import Net

__all__ = ["Ask", "Habits", "run_session"]

Ask = Callable[[random.Random], str]
"""Renders a user's message (first turn or follow-up) with the given RNG."""


@dataclass(frozen=True, slots=True)
class Habits:
    """How one kind of user works in a session (medians and lognormal spreads)."""

    requests_median: float = 4.0
    requests_sigma: float = 0.8
    max_requests: int = 60
    gap_median_s: float = 70.0
    gap_sigma: float = 0.9
    new_conversation: float = 0.3
    max_turns: int = 14
    context_median: float = 120.0
    context_sigma: float = 1.2
    output_median: float = 350.0
    output_sigma: float = 0.85
    max_tokens: tuple[int, ...] = (1024, 2048, 4096)
    temperatures: tuple[float | None, ...] = (None, 1.0, 0.7)
    tool_share: float = 0.0
    system_tokens: int = 0
    retry_on_error: float = 0.6
    count_tokens_share: float = 0.0
    stop_sequences: bool = False


def run_session(
    em: Emitter,
    a: Account,
    t: int,
    habits: Habits,
    ask: Ask,
    follow: Ask,
    models: ModelMix,
    *,
    system_prompt_hash: str | None = None,
    net: Net | None = None,
    client: Client | None = None,
    api_key: str | None = None,
    requests: int | None = None,
    tool_follow: Ask | None = None,
    endpoint: str = MESSAGES,
) -> int:
    """Emit one session starting at ``t``; returns the time after its last request."""
    rng = em.rng
    h = habits
    n = requests or max(
        1, min(h.max_requests, round(lognormal(rng, h.requests_median, h.requests_sigma)))
    )
    conv = ""
    turn = 0
    history = 0
    max_tokens = h.max_tokens[0]
    temperature: float | None = None
    model = ""
    tools = False
    last_tool = False
    sent = 0
    prompt = ""
    retry = False
    while sent < n:
        if retry:
            retry = False
        elif not conv or turn >= h.max_turns or rng.random() < h.new_conversation:
            conv = conversation_id(rng)
            turn = 1
            max_tokens = h.max_tokens[int(rng.random() * len(h.max_tokens))]
            temperature = h.temperatures[int(rng.random() * len(h.temperatures))]
            model = models.pick(rng, t)
            tools = h.tool_share > 0 and rng.random() < h.tool_share
            prompt = ask(rng)
            history = h.system_tokens + int(lognormal(rng, h.context_median, h.context_sigma))
            last_tool = False
            if h.count_tokens_share and rng.random() < h.count_tokens_share:
                em.call(
                    a,
                    t,
                    model=model,
                    prompt=prompt,
                    input_tokens=history + prompt_tokens(prompt),
                    output_tokens=0,
                    max_tokens=None,
                    conversation_id=conv,
                    turn=1,
                    system_prompt_hash=system_prompt_hash,
                    net=net,
                    client=client,
                    endpoint=COUNT_TOKENS,
                    api_key=api_key,
                )
                t += 300 + int(rng.random() * 900)
        else:
            turn += 1
            prompt = tool_follow(rng) if last_tool and tool_follow is not None else follow(rng)
        input_tokens = history + prompt_tokens(prompt)
        tool_calls = 0
        if tools and rng.random() < 0.55:
            tool_calls = 1 if rng.random() < 0.75 else 2
        status = em.call(
            a,
            t,
            model=model,
            prompt=prompt,
            input_tokens=input_tokens,
            output_tokens=int(lognormal(rng, h.output_median, h.output_sigma)),
            max_tokens=max_tokens,
            temperature=temperature,
            conversation_id=conv,
            turn=turn,
            tool_calls=tool_calls,
            system_prompt_hash=system_prompt_hash,
            net=net,
            client=client,
            api_key=api_key,
            stop_sequence=h.stop_sequences,
            endpoint=endpoint,
        )
        if status == 0:
            break
        sent += 1
        if status == 200:
            history = input_tokens + em.last_output
            last_tool = tool_calls > 0
            if last_tool:  # the client runs the tool and answers at machine speed
                t += 400 + int(lognormal(rng, 1500.0, 0.8))
                continue
        elif rng.random() < h.retry_on_error:
            retry = True
            t += 1000 + int(rng.random() * 15_000)
            continue
        t += int(lognormal(rng, h.gap_median_s, h.gap_sigma) * 1000) + em.last_output * 15
    return t
