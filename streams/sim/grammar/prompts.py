"""The prompt book: one call per kind of request, over the whole grammar.

Populations ask for "a developer's prompt in German, typed sloppily" or "a capability
sweep question in chemistry wrapped in chain-of-thought elicitation"; this module knows
which rules to combine. The grammar is compiled once per process (a few milliseconds).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from typing import Final

from streams.sim.grammar.engine import Grammar
from streams.sim.grammar.lexicon import LEXICON
from streams.sim.grammar.multilingual import LANGUAGES, MULTILINGUAL
from streams.sim.grammar.noise import CLEAN, Style, humanize
from streams.sim.grammar.phrasing import APP_KINDS, PHRASING
from streams.sim.grammar.taxonomy import DOMAINS, TAXONOMY

__all__ = ["HARVEST_KINDS", "PromptBook", "Voice", "book"]

HARVEST_KINDS: Final[tuple[str, ...]] = ("cot", "rubric", "critique", "plain")
"""How a harvesting request wraps its question."""

_EXPERT: Final[dict[str, str]] = {
    "math": "mathematician",
    "code": "senior software engineer",
    "law": "lawyer",
    "medicine": "physician",
    "chemistry": "chemist",
    "physics": "physicist",
    "biology": "biologist",
    "writing": "professional writer",
    "reasoning": "logician",
    "multilingual": "translator",
    "economics": "economist",
    "history": "historian",
    "philosophy": "philosopher",
    "data": "data scientist",
    "finance": "financial analyst",
    "security": "security engineer",
}

_GLUE: Final[dict[str, list[str]]] = {
    "q_any": [f"{{q_{d}}}" for d in DOMAINS],
}


@dataclass(frozen=True, slots=True)
class Voice:
    """One writer: their typing style, their other language, and how often they use it."""

    style: Style = CLEAN
    language: str | None = None
    language_share: float = 0.0
    cot_share: float = 0.0


class PromptBook:
    """Renders requests of every kind; all randomness comes from the caller's RNG."""

    def __init__(self) -> None:
        self.grammar = Grammar(LEXICON, TAXONOMY, PHRASING, MULTILINGUAL, _GLUE)

    def _say(self, rng: random.Random, rule: str, voice: Voice) -> str:
        text = self.grammar.render(rng, rule).strip().replace("  ", " ")
        return humanize(rng, text, voice.style)

    def _maybe_foreign(self, rng: random.Random, voice: Voice, family: str) -> str | None:
        if voice.language is None or rng.random() >= voice.language_share:
            return None
        text = self.grammar.render(rng, f"{family}_{voice.language}")
        if rng.random() < voice.cot_share * 2:
            text += " " + self.grammar.render(rng, f"cot_{voice.language}")
        return humanize(rng, text, voice.style)

    def _with_cot(self, rng: random.Random, text: str, voice: Voice) -> str:
        if voice.cot_share and rng.random() < voice.cot_share:
            return text + " " + self.grammar.render(rng, "cot_soft")
        return text

    def developer(self, rng: random.Random, voice: Voice) -> str:
        """A developer's request: code, errors, writing, the odd general question."""
        foreign = self._maybe_foreign(rng, voice, "dev" if rng.random() < 0.7 else "ask")
        if foreign is not None:
            return foreign
        return self._with_cot(rng, self._say(rng, "dev", voice), voice)

    def followup(self, rng: random.Random, voice: Voice, *, tool_result: bool = False) -> str:
        """The next user turn of a conversation (or the tool result fed back)."""
        if tool_result:
            return self.grammar.render(rng, "tool_followup")
        return self._say(rng, "followup", voice)

    def app(self, rng: random.Random, kind: str, voice: Voice) -> str:
        """An end user's message to a SaaS product of the given kind."""
        if kind not in APP_KINDS:
            raise ValueError(f"unknown app kind {kind!r}")
        foreign = self._maybe_foreign(rng, voice, "ask") if kind != "code" else None
        if foreign is not None:
            return foreign
        return self._with_cot(rng, self._say(rng, f"app_{kind}", voice), voice)

    def enterprise(self, rng: random.Random, voice: Voice) -> str:
        """An employee's request to an internal assistant."""
        return self._with_cot(rng, self._say(rng, "ent", voice), voice)

    def campus(self, rng: random.Random, voice: Voice) -> str:
        """A student's question about the class's problem set."""
        return self._say(rng, "campus", voice)

    def hackathon(self, rng: random.Random, voice: Voice) -> str:
        """A hackathon participant trying the API for the first time."""
        return self._say(rng, "hack", voice)

    def benchmark(self, rng: random.Random, suite: str) -> str:
        """One eval-harness item; ``suite`` is ``mcq``, ``cot``, ``code`` or ``gen``."""
        return self.grammar.render(rng, f"bench_{suite}")

    def question(self, rng: random.Random, domain: str) -> str:
        """A bare question from the taxonomy."""
        return self.grammar.render(rng, f"q_{domain}")

    def harvest(
        self,
        rng: random.Random,
        domain: str,
        kind: str,
        *,
        language: str | None = None,
        wrap_rule: str | None = None,
    ) -> str:
        """A harvesting request: a taxonomy question wrapped for maximal answer value.

        ``kind``: ``cot`` (chain-of-thought elicitation), ``rubric`` (grade an answer),
        ``critique`` (answer, self-critique, improve) or ``plain`` (the bare question).
        ``language``: phrase the question in that language with its own elicitation.
        """
        if domain == "multilingual" and language is None and rng.random() < 0.5:
            language = LANGUAGES[int(rng.random() * len(LANGUAGES))]
        if language is not None:
            family = "ask" if rng.random() < 0.6 else "dev"
            question = self.grammar.render(rng, f"{family}_{language}")
            if kind == "plain":
                return question
            return question + " " + self.grammar.render(rng, f"cot_{language}")
        question = self.question(rng, domain)
        if kind == "plain":
            return question
        rule = wrap_rule or {"cot": "harvest_wrap", "rubric": "rubric_wrap"}.get(
            kind, "critique_wrap"
        )
        return self.grammar.render(rng, rule, {"question": question, "expert": _EXPERT[domain]})


@cache
def book() -> PromptBook:
    """The process-wide prompt book (compiled on first use)."""
    return PromptBook()


def _check_domains() -> None:
    missing = [d for d in DOMAINS if f"q_{d}" not in TAXONOMY]
    if missing:
        raise AssertionError(f"taxonomy lacks question rules for {missing}")


_check_domains()
