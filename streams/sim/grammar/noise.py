"""Human noise: typos, casing and punctuation habits, so people don't type like templates.

Each account gets a ``Style`` (a careful writer, a lowercase texter, a typo-prone one);
scripts and harnesses get ``CLEAN``. The noise is applied after rendering, cheaply.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

__all__ = ["CLEAN", "Style", "humanize", "random_style"]

_NEIGHBOURS: Final[dict[str, str]] = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}


@dataclass(frozen=True, slots=True)
class Style:
    """How one person types. Probabilities are per prompt; ``typos`` per 100 characters."""

    lower: float = 0.0
    capitalize: float = 1.0
    typos: float = 0.0
    drop_final_punct: float = 0.0
    shout: float = 0.0


CLEAN: Final = Style()
"""Programmatic text: exactly as rendered."""


def random_style(rng: random.Random) -> Style:
    """A person's habits: most are tidy-ish, a third type in lowercase, a few are sloppy."""
    sloppy = rng.random()
    return Style(
        lower=rng.choice((0.0, 0.0, 0.1, 0.6, 0.95)),
        capitalize=rng.choice((0.3, 0.8, 1.0)),
        typos=0.0 if sloppy < 0.4 else (0.3 if sloppy < 0.8 else 1.2),
        drop_final_punct=rng.choice((0.0, 0.3, 0.8)),
        shout=0.005 if sloppy > 0.95 else 0.0,
    )


def humanize(rng: random.Random, text: str, style: Style) -> str:
    """Apply ``style`` to ``text`` (returns it unchanged for ``CLEAN``)."""
    if style is CLEAN or not text:
        return text
    r = rng.random()
    if r < style.shout:
        text = text.upper()
    elif r < style.lower:
        text = text.lower()
    elif rng.random() < style.capitalize:
        text = text[0].upper() + text[1:]
    if style.typos:
        expected = len(text) * style.typos / 100.0
        count = int(expected) + (1 if rng.random() < expected - int(expected) else 0)
        for _ in range(min(count, 6)):
            text = _typo(rng, text)
    if style.drop_final_punct and text[-1] in ".?!" and rng.random() < style.drop_final_punct:
        text = text[:-1]
    return text


def _typo(rng: random.Random, text: str) -> str:
    """One keyboard slip at a random letter: swap, drop, double or a neighbouring key."""
    n = len(text)
    if n < 4:
        return text
    i = int(rng.random() * (n - 1))
    c = text[i]
    if not c.isalpha():
        return text
    kind = rng.random()
    if kind < 0.35:
        return text[:i] + text[i + 1] + c + text[i + 2 :]
    if kind < 0.6:
        return text[:i] + text[i + 1 :]
    if kind < 0.75:
        return text[:i] + c + text[i:]
    near = _NEIGHBOURS.get(c.lower())
    if near is None:
        return text
    return text[:i] + near[int(rng.random() * len(near))] + text[i + 1 :]
