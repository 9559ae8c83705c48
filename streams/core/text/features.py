"""``prompt_features``: a raw prompt in, a handful of numbers out.

Privacy: the returned ``PromptFeatures`` holds ints, floats, a tuple of ints and a short
language code from a fixed set, never any part of the prompt. The template signature is a
MinHash of hashed words: it identifies *which template* without storing words (a
determined attacker with a dictionary could test guesses for single hashed words, as
for any unsalted hash, but cannot read the prompt back).

Speed: long prompts are cut to their head and tail (instructions sit at the start or the
end); one lower-case + ``bytes.translate`` + ``split`` pass gives the tokens; one set
intersection finds all word-list cues; the signature is built with C-level calls. The
regexes (fills to mask, names) run only when a cheap substring check says they can match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from streams.core.text import _cues as cues
from streams.core.text import _script as sc
from streams.core.text._normalise import MASKS, MASKS_UNICODE, NAMES, NON_ASCII_RUN, TABLE
from streams.core.text.lexicons import TEMPLATE_STOP, TOPIC_ID, TOPICS
from streams.core.text.minhash import signature

__all__ = ["LANGUAGES", "PromptFeatures", "prompt_features"]

_HEAD: Final = 900
_TAIL: Final = 300
# The template is read from at most the first 360 and the last 120 characters (about the
# first 60 and last 20 words): instructions sit there, pasted material in between.
_TEMPLATE_HEAD: Final = 360
_TEMPLATE_TAIL: Final = 120
_TEMPLATE_CHARS: Final = _TEMPLATE_HEAD + _TEMPLATE_TAIL
_STOP: Final[frozenset[bytes]] = frozenset(w.encode() for w in TEMPLATE_STOP)
_CODE: Final = cues.TOPIC0 + TOPIC_ID["code"]
_N_TOPICS: Final = len(TOPICS)
_TOPIC_MIN: Final = 0.9  # evidence a topic needs (one strong cue, or two weaker ones)

# Script family -> language code. Latin-script text is split further by function words.
_SCRIPT_LANG: Final[dict[str, str]] = {
    "han": "zh",
    "kana": "ja",
    "hangul": "ko",
    "cyrillic": "ru",
    "arabic": "ar",
    "devanagari": "hi",
    "hebrew": "he",
    "greek": "el",
    "thai": "th",
    "other": "other",
}
# Scripts whose characters carry about a word each (vs a letter): weighted when deciding
# whether a mixed prompt is mostly that script or mostly Latin.
_SYLLABIC: Final = frozenset({"han", "kana", "hangul", "thai"})
_NO_SPACES: Final = frozenset({"han", "kana", "thai"})
LANGUAGES: Final[tuple[str, ...]] = (
    "unknown",
    "en",
    *cues.LANGS,
    "latin-other",
    *sorted(set(_SCRIPT_LANG.values())),
)
# Characters never used as template tokens in no-space scripts: ASCII, digits, CJK
# punctuation, and very common function characters.
_CJK_DROP: Final[frozenset[str]] = frozenset(
    [chr(i) for i in range(128)]
    + list("　、。，．・：；？！「」『』（）【】《》〈〉“”‘’…—～０１２３４５６７８９")
    + list("的了是在我你他她它们这那个一二三四五六七八九十百千万和与或不有也就都要会请吗呢吧")
    + list("のはがをにでとへもやかなだですますするいうこれそれあるない")
)
_ASCII_LETTERS: Final = bytes(range(ord("a"), ord("z") + 1))


@dataclass(frozen=True, slots=True)
class PromptFeatures:
    """Compact, text-free features of one prompt (see module docstring)."""

    length_chars: int
    cot: float  # 0..1: how strongly it asks for step-by-step / full reasoning
    rubric: float  # 0..1: grading / scoring / judging style
    topic: int  # index into TOPICS, 0 = unknown
    template: tuple[int, ...]  # MinHash signature of the normalised word set
    language: str  # one of LANGUAGES


def prompt_features(prompt: str) -> PromptFeatures:
    """Features of one raw prompt. Pure and deterministic."""
    n = len(prompt)
    text = prompt if n <= _HEAD + _TAIL else prompt[:_HEAD] + "\n" + prompt[-_TAIL:]
    low = text.lower()
    lb = low.encode("utf-8", "surrogatepass")
    toks = lb.translate(TABLE).split()
    acc = [0.0] * cues.N_CATEGORIES

    script = "latin"
    if len(lb) != len(low):  # non-ASCII: which script, and its word lists
        script = _dominant_script(text, lb)
        if script != "latin":
            subs = cues.SUBSTRINGS.get(script, ())
            if script == "kana":
                subs = subs + cues.SUBSTRINGS.get("han", ())
            for sub, cat, w in subs:
                if sub in low:
                    acc[cat] += w
            if script in _NO_SPACES:
                toks = NON_ASCII_RUN.sub(" ", low).encode("ascii").translate(TABLE).split()
    words = set(toks)
    cues.accumulate(words, toks, acc)
    if "<" in low:
        for tag, cat, w in cues.TAGS:
            if tag in low:
                acc[cat] += w
    if "```" in text:
        acc[_CODE] += 1.5

    base = acc[cues.COT_BASE]
    cot = 0.0
    if base > 0.0:
        raw = min(base, 3.0) * (1.0 + min(acc[cues.COT_INTENSE], 2.0))
        cot = 1.0 - math.exp(-raw)
    rub = acc[cues.RUBRIC]
    rubric = 1.0 - math.exp(-rub) if rub > 0.0 else 0.0

    t0 = cues.TOPIC0
    topic_scores = acc[t0 : t0 + _N_TOPICS]
    best = max(topic_scores)
    topic = topic_scores.index(best) if best >= _TOPIC_MIN else 0

    if script == "latin":
        language = _latin_language(acc, lb, len(toks))
    else:
        language = _SCRIPT_LANG.get(script, "other")

    if n > _TEMPLATE_CHARS:  # the template is read from the head and tail only
        text = prompt[:_TEMPLATE_HEAD] + "\n" + prompt[-_TEMPLATE_TAIL:]
        low = text.lower()
        toks = low.encode("utf-8", "surrogatepass").translate(TABLE).split()
        if script in _NO_SPACES:
            toks = NON_ASCII_RUN.sub(" ", low).encode("ascii").translate(TABLE).split()
        words = set(toks)
    template = _template(text, low, words, script)
    return PromptFeatures(n, cot, rubric, topic, template, language)


def _dominant_script(text: str, lb: bytes) -> str:
    """The non-Latin script of a prompt if it outweighs its ASCII letters, else "latin"."""
    script = sc.script_of_text(text)
    if script == "latin" or script == "none":
        return "latin"
    count = sum(map(len, sc.RUNS[script].findall(text)))
    if script in _SYLLABIC:
        count *= 3
    ascii_letters = len(lb) - len(lb.translate(None, _ASCII_LETTERS))
    return script if count >= ascii_letters else "latin"


def _latin_language(acc: list[float], lb: bytes, n_tokens: int) -> str:
    """English unless another language's function words clearly show (two or more, or one
    in a very short prompt)."""
    if n_tokens == 0:
        return "unknown"
    votes = acc[cues.LANG0 :]
    best = max(votes)
    if best >= 2.0 or (best >= 1.0 and n_tokens <= 6):
        return cues.LANGS[votes.index(best)]
    return "en" if lb.isascii() else "latin-other"


def _template(text: str, low: str, words: set[bytes], script: str) -> tuple[int, ...]:
    """Signature of the prompt's word set minus stop words and template *fills*."""
    words = words - _STOP
    # A name needs an upper-case letter: none if lower-casing changes nothing.
    fills: list[str] = NAMES.findall(text) if low != text else []
    for trigger, rx in MASKS:
        if trigger in text:
            fills += rx.findall(text)
    if script != "latin" or len(low) != len(text) or not text.isascii():
        for trigger, rx in MASKS_UNICODE:
            if trigger in text:
                fills += rx.findall(text)
    if fills:
        joined = " ".join(fills).lower()
        words.difference_update(joined.encode("utf-8", "surrogatepass").translate(TABLE).split())
    if script not in _NO_SPACES:
        return signature(words)
    chars = set(low)
    chars -= _CJK_DROP
    if fills:
        chars.difference_update(joined)
    return signature([*words, *(c.encode("utf-8", "surrogatepass") for c in chars)])
