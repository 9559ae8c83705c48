"""Unicode script of a character, by code-point range (a bisect over range starts)."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Final

# (first code point, script family); a range runs until the next start.
_RANGES: Final[tuple[tuple[int, str], ...]] = (
    (0x0000, "latin"),
    (0x0370, "greek"),
    (0x0400, "cyrillic"),
    (0x0530, "other"),
    (0x0590, "hebrew"),
    (0x0600, "arabic"),
    (0x0700, "other"),
    (0x0750, "arabic"),
    (0x0780, "other"),
    (0x0900, "devanagari"),
    (0x0980, "other"),
    (0x0E00, "thai"),
    (0x0E80, "other"),
    (0x1100, "hangul"),
    (0x1200, "other"),
    (0x1E00, "latin"),
    (0x1F00, "greek"),
    (0x2000, "none"),
    (0x3040, "kana"),
    (0x3100, "none"),
    (0x3130, "hangul"),
    (0x3190, "none"),
    (0x3400, "han"),
    (0xA000, "none"),
    (0xAC00, "hangul"),
    (0xD7B0, "none"),
    (0xF900, "han"),
    (0xFB00, "none"),
    (0xFB50, "arabic"),
    (0xFE00, "none"),
    (0xFE70, "arabic"),
    (0xFF00, "none"),
    (0x20000, "han"),
    (0x30000, "none"),
)
_STARTS: Final = tuple(s for s, _ in _RANGES)
_NAMES: Final = tuple(n for _, n in _RANGES)

# The first character of a script other than Latin (and not punctuation/symbols).
NON_LATIN: Final = re.compile(
    "[\u0370-\u1dff\u1f00-\u1fff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufb50-\ufdff\ufe70-\ufeff\U00020000-\U0002ffff]"
)
# Runs of each script family's letters, for counting.
RUNS: Final[dict[str, re.Pattern[str]]] = {
    "greek": re.compile("[\u0370-\u03ff\u1f00-\u1fff]+"),
    "cyrillic": re.compile("[\u0400-\u052f]+"),
    "hebrew": re.compile("[\u0590-\u05ff]+"),
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]+"),
    "devanagari": re.compile("[\u0900-\u097f]+"),
    "thai": re.compile("[\u0e00-\u0e7f]+"),
    "hangul": re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+"),
    "kana": re.compile("[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+"),  # with kanji
    "han": re.compile("[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+"),
    "other": re.compile(
        "[\u0530-\u058f\u0700-\u074f\u0780-\u08ff\u0980-\u0dff\u0e80-\u10ff\u1200-\u1dff]+"
    ),
}
KANA: Final = re.compile("[\u3040-\u30ff]")


def script_of(code_point: int) -> str:
    return _NAMES[bisect_right(_STARTS, code_point) - 1]


def script_of_text(text: str) -> str:
    """Script family of the first non-Latin letter of ``text`` ("latin" if none)."""
    m = NON_LATIN.search(text)
    if m is None:
        return "latin"
    script = script_of(ord(m.group()))
    if script == "han" and KANA.search(text):
        return "kana"
    return script
