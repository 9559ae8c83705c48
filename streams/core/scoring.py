"""Account harvest score: how much an account's recent behaviour looks like answer harvesting.

Each signal becomes a term in 0..1 with a fixed weight chosen from what harvesting *is*
(long answers to short prompts, single-turn, chain-of-thought and rubric phrasing, answers
cut at ``max_tokens``, sweeps across capability domains, one fixed temperature, jumps onto
a just-released model), never fitted to one dataset. The score is the weighted share of
the evidence present, so it reads as "this much of the harvesting pattern is here":

* ``raw``: from the account's behaviour alone, usable after one event (the campaign stage
  pools the raw scores of coordinated accounts, so light accounts still count);
* ``confidence``: the raw score without group-level signals and discounted by the
  account's self-templated share, shrunk by how little has been seen
  (``n / (n + prior_events)``), the figure a lone-account alert needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from streams.core.behaviour import (
    FOLLOW_UP,
    HARVEST,
    JUDGING,
    MAX_TOKENS_HIT,
    NEW_MODEL,
    RATE_LIMITED,
    TEMP_SEEN,
    TEMPLATE_REPEAT,
    Behaviour,
)


class Term(NamedTuple):
    """One signal's contribution: ``value`` in 0..1 times ``weight``, with its figure.

    A named tuple, not a frozen dataclass: an account is re-scored every few requests
    and each scoring builds nine terms, which a frozen dataclass builds 4x slower.
    """

    code: str
    weight: float
    value: float
    figure: float

    @property
    def points(self) -> float:
        return self.weight * self.value


# Reason code -> weight. A signal's weight says how specific it is to harvesting.
WEIGHTS: dict[str, float] = {
    "output_heavy": 3.0,  # output/input token ratio
    "harvest_prompts": 3.0,  # single-turn prompts asking for reasoning or grading
    "single_turn": 2.0,  # no follow-up turns
    "max_tokens_hit": 1.5,  # answers cut at the requested cap
    "capability_sweep": 1.0,  # prompts spread evenly over capability domains
    "new_model_rush": 1.5,  # traffic on a model released within the last day
    "fixed_sampling": 0.5,  # the same temperature on every request
    "rate_limit_pressure": 0.5,  # 429s: pushing against the rate cap
    # The partition's learned model of which contexts harvest (learner.ContextModel):
    # weak on purpose, it corroborates behaviour and never carries an alert alone.
    "risky_context": 1.0,
}
TOTAL_WEIGHT = sum(WEIGHTS.values())
SIGNALS: tuple[str, ...] = tuple(WEIGHTS)


def _clip(x: float) -> float:
    return 0.0 if x <= 0.0 else 1.0 if x >= 1.0 else x


def terms(
    behaviour: Behaviour,
    disabled: frozenset[str] = frozenset(),
    releases: bool = True,
    context: float | None = None,
) -> list[Term]:
    """The account's evidence terms (``disabled`` ones weigh 0: ablation).

    A signal that cannot be observed yet weighs in only as far as it can: the topic spread
    after 20 read prompts, fixed sampling in proportion to requests that set a
    temperature, the release rush once the partition has seen a release (``releases``).
    Absent evidence is not evidence of absence: counting it as 0 would hold every new
    account's score down. Likewise the length of answers weighs only as far as the
    prompts ask for answers rather than verdicts (the ``JUDGING`` share): a grader's
    answer is a score and a line of reasons, short and never cut at ``max_tokens``,
    whether it feeds a reward model or a customer's evaluation. The last term is the
    context model's (``context``: its probability, None while it is not ready).
    """
    b = behaviour
    ratio = b.output_input_ratio()
    follow_up = b.share(FOLLOW_UP)
    harvest = b.share(HARVEST)
    hit = b.share(MAX_TOKENS_HIT)
    entropy = b.topic_entropy()
    text_n = b.text_events
    fixed = b.temperature_fixedness()
    new_model = b.share(NEW_MODEL)
    limited = b.share(RATE_LIMITED)
    values = {  # every signal but the context model's (context_term)
        # 1:1 -> 0, 8:1 and above -> 1 (log scale).
        "output_heavy": (_clip(math.log2(ratio) / 3.0) if ratio > 0 else 0.0, ratio),
        "harvest_prompts": (_clip(harvest / 0.3), harvest),
        "single_turn": (_clip(1.0 - follow_up / 0.25), 1.0 - follow_up),
        "max_tokens_hit": (_clip(hit / 0.2), hit),
        # Evenness of the topic histogram, trusted only once there are prompts to spread.
        "capability_sweep": (_clip((entropy - 0.3) / 0.4), entropy),
        "new_model_rush": (_clip(new_model / 0.5), new_model),
        "fixed_sampling": (_clip((fixed - 0.9) / 0.1), fixed),
        "rate_limit_pressure": (_clip(limited / 0.05), limited),
    }
    answers = 1.0 - b.share(JUDGING)  # how far the prompts ask for answers, not verdicts
    observed = {
        "output_heavy": answers,
        "max_tokens_hit": answers,
        "capability_sweep": _clip(text_n / 20.0),
        # Repetition needs a previous temperature to repeat.
        "fixed_sampling": b.share(TEMP_SEEN) * _clip(b.events - 1.0),
        "new_model_rush": 1.0 if releases else 0.0,
    }
    return [
        Term(
            code,
            0.0 if code in disabled else WEIGHTS[code] * observed.get(code, 1.0),
            value,
            round(figure, 4),
        )
        for code, (value, figure) in values.items()
    ] + [context_term(context, disabled)]


def pooled_terms(parts: Sequence[tuple[list[Term], int]]) -> list[Term]:
    """The terms of several workloads of one account taken as one, each weighing by its
    requests: a signal's weight, points and figure are request-weighted means."""
    total = sum(n for _, n in parts)
    pooled = []
    for i, term in enumerate(parts[0][0]):
        weight = math.fsum(ts[i].weight * n for ts, n in parts) / total
        points = math.fsum(ts[i].points * n for ts, n in parts) / total
        figure = math.fsum(ts[i].figure * n for ts, n in parts) / total
        value = points / weight if weight > 0 else 0.0
        pooled.append(Term(term.code, weight, value, round(figure, 4)))
    return pooled


def context_term(probability: float | None, disabled: frozenset[str] = frozenset()) -> Term:
    """The context model's opinion as a term: nothing below even odds, full at 0.9.

    Weighs nothing until the model is ready (``probability`` None) or when switched off.
    """
    code = "risky_context"
    if probability is None or code in disabled:
        return Term(code, 0.0, 0.0, 0.0)
    return Term(code, WEIGHTS[code], _clip((probability - 0.5) / 0.4), round(probability, 4))


def raw_score(ts: list[Term]) -> float:
    """Weighted share of the harvesting pattern present (0..1)."""
    total = sum(t.weight for t in ts)
    return sum(t.points for t in ts) / total if total > 0 else 0.0


# Raw score from which an account is *clearly* harvest-like (not a borderline suspect):
# it labels the context model's positives and lets one shared fingerprint link accounts.
CLEARLY_HARVEST = 0.65

# Requests an account needs before its raw score is a judgement rather than a first
# impression: one to three requests can make a developer look like a harvester, or a
# harvester's human-looking first prompts look ordinary. The links stage counts a
# first impression below the suspect bar as half a member of a key other than identity
# (``links.LinkParams``); the campaign stage does not let one above it link
# on one shared address or fingerprint.
CLEAR_EVENTS = 4

# Signals that say something about a group, not about one account: a lone account using
# a model on its release day is what every benchmark customer and early adopter does; a
# group of harvest-like accounts pivoting together is the release-pivot tactic (and the
# links stage's ``pivot`` key). They count in ``raw`` (suspects, campaign pooling), not in
# the lone-account confidence.
GROUP_SIGNALS = frozenset({"new_model_rush"})


# Signals about what an account asks for and gets back: the content of harvesting. The
# others say how it calls the API (single-turn, one temperature, a new model, rate
# limits, its context), which scripts, new users and a hackathon's prototypes share.
CONTENT_SIGNALS = frozenset(
    {"output_heavy", "harvest_prompts", "max_tokens_hit", "capability_sweep"}
)


# The content signal read from prompt text: unobservable for an account whose events
# carry none (``prompt`` is optional on the wire).
PROMPT_SIGNALS = frozenset({"harvest_prompts"})


def _content_terms(ts: list[Term], prompts: bool) -> list[Term]:
    codes = CONTENT_SIGNALS if prompts else CONTENT_SIGNALS - PROMPT_SIGNALS
    return [t for t in ts if t.code in codes]


def content_score(ts: list[Term], prompts: bool = True) -> float:
    """``raw_score`` over the content signals alone (``CONTENT_SIGNALS``); without the
    prompt-text ones when no prompt of the account was read (``prompts`` False)."""
    return raw_score(_content_terms(ts, prompts))


def suspect_score(ts: list[Term], bar: float = 0.5, prompts: bool = True) -> float:
    """The score an account is announced with to the coordination stages: ``raw_score``,
    unless its content share (``content_score``) is below ``bar`` (the suspect bar):
    then no more than that share.

    Coordination pools the scores of linked accounts, so how an account calls the API
    alone must not make it a suspect: a hackathon's new accounts, each sending fresh
    single-turn prompts at one temperature to the model released that morning, look
    automated, and linked by their venue's address they would pool into a campaign.
    A fleet's accounts harvest: their content is as harvest-like as their score, and
    their score is kept whole. ``prompts`` False: no prompt text of the account was
    read, and its content is what its answers show. With every content signal switched
    off (ablation) the raw score stands.
    """
    raw = raw_score(ts)
    content = _content_terms(ts, prompts)
    if not any(t.weight > 0.0 for t in content):
        return raw
    share = raw_score(content)
    return raw if share >= bar else min(raw, share)


# Not a signal but a second view of the same signals, switched off like one (ablation):
# the account's last requests scored on their own (``recent_score``).
RECENT_SWITCH = "recent_switch"

# Not a signal of harvesting either but of hiding: an account calling through a rotating
# proxy pool is a suspect to the coordination stages (``Detector._hides_its_exits``),
# switched off like a signal (ablation).
EXITS_SWITCH = "rotating_exits"


def recent_score(ts: list[Term], bar: float, content_bar: float, prompts: bool = True) -> float:
    """What the account's last requests say on their own (``ts``: the terms of a
    short-memory view of its behaviour): their ``suspect_score`` if their content is
    clearly harvest-like (content share at least ``content_bar``), else 0.

    A change point: an aged account that worked like a developer for days and then
    harvests keeps its history in its day-long shares, which stay borderline for a day
    or more. Its last requests alone are a harvester's. Only content clearly a
    harvester's counts: a few requests of borderline content (a hackathon's bursts, a
    developer trying a reasoning prompt) are noise.
    """
    if raw_score(_content_terms(ts, prompts)) < content_bar:
        return 0.0
    return suspect_score(ts, bar, prompts)


def lone_raw_score(ts: list[Term]) -> float:
    """``raw_score`` without the group-level signals: what a lone-account alert rests on."""
    return raw_score([t for t in ts if t.code not in GROUP_SIGNALS])


def lone_confidence(ts: list[Term], templated: float, events: float, prior_events: float) -> float:
    """What a lone-account alert rests on: the raw score without group-level signals,
    discounted by the share of prompts that replay the account's own templates (a
    replayed prompt is an evaluation harness or a product integration, not new harvest),
    shrunk while few events back it."""
    return confidence(lone_raw_score(ts) * (1.0 - templated), events, prior_events)


def confidence(raw: float, events: float, prior_events: float) -> float:
    """``raw`` shrunk towards 0 while few events back it."""
    return raw * events / (events + prior_events) if events > 0 else 0.0


def templated_share(behaviour: Behaviour) -> float:
    """Share of read prompts reusing one of the account's own recent templates.

    One account replaying its own template is an evaluation harness or a product
    integration; harvesting sweeps vary the content. (Many accounts sharing a template
    is a different matter, and the coordination stage's.)
    """
    return behaviour.share(TEMPLATE_REPEAT)
