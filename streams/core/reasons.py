"""Reason codes with human-readable details, and what a score means as a severity."""

from __future__ import annotations

from streams.core.alerts import Reason
from streams.core.scoring import Term

_DETAILS: dict[str, str] = {
    "output_heavy": "{:.1f} output tokens per input token",
    "harvest_prompts": "{:.0%} of read single-turn prompts ask for reasoning steps or grading",
    "single_turn": "{:.0%} of requests are single-turn (no follow-up)",
    "max_tokens_hit": "{:.0%} of answers cut off at max_tokens",
    "capability_sweep": "topic spread {:.2f} over capability domains (0 one, 1 all evenly)",
    "new_model_rush": "{:.0%} of requests on a model released in the last day",
    "fixed_sampling": "{:.0%} of requests repeat the previous temperature",
    "rate_limit_pressure": "{:.0%} of requests rate-limited (HTTP 429)",
    "risky_context": "{:.0%} of accounts in this context (age, channel, rate, spread) "
    "harvested here (learned)",
}

# Score -> severity: the upper bounds of low, medium and high.
SEVERITY_BOUNDS: tuple[tuple[float, str], ...] = ((0.5, "low"), (0.7, "medium"), (0.85, "high"))


def severity_for(score: float) -> str:
    for bound, severity in SEVERITY_BOUNDS:
        if score < bound:
            return severity
    return "critical"


def term_detail(term: Term) -> str:
    return _DETAILS[term.code].format(term.figure)


def account_reasons(terms: list[Term], limit: int = 5) -> tuple[Reason, ...]:
    """The strongest contributing signals, weight = share of the score they carry."""
    total = sum(t.points for t in terms)
    ranked = sorted((t for t in terms if t.points > 0), key=lambda t: (-t.points, t.code))
    if not ranked or total <= 0:
        return (Reason("harvest_pattern", "harvest-like behaviour", 1.0),)
    return tuple(Reason(t.code, term_detail(t), round(t.points / total, 3)) for t in ranked[:limit])
