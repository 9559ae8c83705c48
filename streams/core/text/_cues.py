"""The word lists of ``lexicons`` compiled into one lookup structure.

One set intersection of the prompt's tokens with ``TRIGGERS`` finds every cue that can
match; a single-word cue then counts directly, a multi-word cue is confirmed by a
substring test on the space-joined normalised prompt (its trigger is its longest word,
usually the rarest), but only after a set lookup of its second word (cheap, and it rejects
most candidates), so the joined prompt is built only when a phrase can match. Scores
accumulate per *category*: CoT base, CoT intensity, rubric, one per topic and one per
language (function words).
"""

from __future__ import annotations

from typing import Final

from streams.core.text import lexicons as lx
from streams.core.text._normalise import tokens

COT_BASE: Final = 0
COT_INTENSE: Final = 1
RUBRIC: Final = 2
TOPIC0: Final = 3  # category of topic id t is TOPIC0 + t
LANG0: Final = TOPIC0 + len(lx.TOPICS)
LANGS: Final[tuple[str, ...]] = tuple(lx.LANG_WORDS)
N_CATEGORIES: Final = LANG0 + len(LANGS)

# token -> single-word cues ((category, weight), ...)
SINGLE: dict[bytes, tuple[tuple[int, float], ...]] = {}
# trigger token -> multi-word cues ((other word, " phrase ", category, weight), ...); the
# other word is the phrase's second-best trigger, tested in the token set first.
PHRASES: dict[bytes, tuple[tuple[bytes, str, int, float], ...]] = {}


# Words too common to be good triggers: a phrase is indexed under its longest *other* word,
# so fewer phrase tests run per prompt.
_COMMON: Final[frozenset[bytes]] = frozenset(
    w.encode()
    for w in (
        *lx.TEMPLATE_STOP,
        *[
            "step",
            "steps",
            "show",
            "answer",
            "think",
            "explain",
            "write",
            "give",
            "out",
            "before",
            "final",
            "response",
            "one",
            "time",
        ],
    )
)


def _build() -> None:
    best: dict[tuple[tuple[bytes, ...], int], float] = {}

    def add(text: str, cat: int, weight: float) -> None:
        toks = tuple(tokens(text))
        if not toks or (len(toks) == 1 and len(toks[0]) == 1):
            return  # nothing left, or a single letter: too ambiguous to be a cue
        key = (toks, cat)
        best[key] = max(best.get(key, 0.0), weight)

    for text, w in lx.COT_BASE:
        add(text, COT_BASE, w)
    for text, w in lx.COT_INTENSE:
        add(text, COT_INTENSE, w)
    for text, w in lx.RUBRIC:
        add(text, RUBRIC, w)
    for topic, cues in lx.TOPIC_CUES.items():
        for text, w in cues:
            add(text, TOPIC0 + lx.TOPIC_ID[topic], w)
    for i, lang in enumerate(LANGS):
        for text in lx.LANG_WORDS[lang]:
            add(text, LANG0 + i, 1.0)

    single: dict[bytes, list[tuple[int, float]]] = {}
    phrases: dict[bytes, list[tuple[bytes, str, int, float]]] = {}
    for (toks, cat), w in sorted(best.items()):
        if len(toks) == 1:
            single.setdefault(toks[0], []).append((cat, w))
        else:
            ranked = sorted(set(toks), key=lambda t: (t not in _COMMON, len(t), t), reverse=True)
            trigger = ranked[0]
            other = ranked[1] if len(ranked) > 1 else trigger
            phrase = " " + b" ".join(toks).decode("utf-8") + " "
            phrases.setdefault(trigger, []).append((other, phrase, cat, w))
    SINGLE.update({k: tuple(sorted(v)) for k, v in single.items()})
    PHRASES.update({k: tuple(sorted(v)) for k, v in phrases.items()})


_build()
SINGLE_TRIGGERS: Final[frozenset[bytes]] = frozenset(SINGLE)
PHRASE_TRIGGERS: Final[frozenset[bytes]] = frozenset(PHRASES)
TRIGGERS: Final[frozenset[bytes]] = SINGLE_TRIGGERS | PHRASE_TRIGGERS


def _by_script(
    pairs: list[tuple[str, int, float]],
) -> dict[str, tuple[tuple[str, int, float], ...]]:
    from streams.core.text._script import script_of_text

    out: dict[str, list[tuple[str, int, float]]] = {}
    for sub, cat, w in pairs:
        out.setdefault(script_of_text(sub), []).append((sub.lower(), cat, w))
    return {k: tuple(v) for k, v in out.items()}


def _substring_table() -> dict[str, tuple[tuple[str, int, float], ...]]:
    pairs: list[tuple[str, int, float]] = []
    for sub, w, base in lx.COT_SUBSTRINGS:
        pairs.append((sub, COT_BASE if base else COT_INTENSE, w))
    for sub, w in lx.RUBRIC_SUBSTRINGS:
        pairs.append((sub, RUBRIC, w))
    for topic, cues in lx.TOPIC_SUBSTRINGS.items():
        for sub, w in cues:
            pairs.append((sub, TOPIC0 + lx.TOPIC_ID[topic], w))
    return _by_script(pairs)


# script family ("han", "kana", "hangul", "cyrillic", ...) -> ((substring, category, weight),)
SUBSTRINGS: Final = _substring_table()

# Reasoning tags some harvesters ask for; checked only when "<" occurs.
TAGS: Final[tuple[tuple[str, int, float], ...]] = (
    ("<thinking>", COT_BASE, 0.9),
    ("<think>", COT_BASE, 0.9),
    ("<reasoning>", COT_BASE, 0.9),
    ("<scratchpad>", COT_BASE, 0.9),
    ("<thought>", COT_BASE, 0.9),
    ("<rationale>", COT_BASE, 0.9),
    ("<score>", RUBRIC, 0.6),
    ("<grade>", RUBRIC, 0.6),
    ("<rubric>", RUBRIC, 0.9),
)


def accumulate(words: set[bytes], toks: list[bytes], acc: list[float]) -> None:
    """Add every word-list cue found in the prompt to ``acc`` (indexed by category);
    ``words`` is ``set(toks)``."""
    single = SINGLE
    # Sorted: float sums and topic ties must not depend on set order (hash seed).
    for t in sorted(SINGLE_TRIGGERS.intersection(words)):
        for cat, w in single[t]:
            acc[cat] += w
    hits = PHRASE_TRIGGERS.intersection(words)
    if not hits:
        return
    norm = ""
    phrases = PHRASES
    for t in sorted(hits):
        for other, phrase, cat, w in phrases[t]:
            if other in words:
                if not norm:
                    norm = " " + b" ".join(toks).decode("utf-8", "surrogatepass") + " "
                if phrase in norm:
                    acc[cat] += w
