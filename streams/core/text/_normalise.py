"""Shared normalisation: lower case, ASCII punctuation and digits to spaces, split on
whitespace, all on UTF-8 bytes (``bytes.translate`` is a C table lookup; ``str.translate``
is ten times slower on non-ASCII text). Non-ASCII bytes pass through unchanged, so UTF-8
stays valid and words in other scripts stay whole.
"""

from __future__ import annotations

import re
import string
from typing import Final

_DROP: Final = (string.punctuation + string.digits).encode("ascii")
TABLE: Final[bytes] = bytes.maketrans(_DROP, b" " * len(_DROP))


def tokens(text: str) -> list[bytes]:
    """Normalised word tokens of ``text`` (lower-cased, no punctuation, no digits)."""
    return text.lower().encode("utf-8", "surrogatepass").translate(TABLE).split()


def normalise(text: str) -> str:
    """The normalised form as one string with single spaces (used for the word lists)."""
    return b" ".join(tokens(text)).decode("utf-8", "surrogatepass")


# Spans whose content is a *fill* of a template, not part of it. One small regex per kind,
# each run only when its first character occurs in the prompt (a regex with one literal
# start is scanned fast; one big alternation is not).
# (trigger substring, regex): fenced/inline code, URLs, e-mail addresses, quoted strings
# (straight, curly, guillemets, CJK corner brackets), and single-quoted strings (a quote
# that starts/ends a word, so apostrophes don't count).
MASKS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("`", re.compile(r"```.*?(?:```|$)|`[^`\n]{1,200}`", re.DOTALL)),
    ("/", re.compile(r"(?:https?|ftp)://\S+")),
    ("www.", re.compile(r"www\.\S+")),
    ("@", re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")),
    ('"', re.compile(r'"[^"\n]{1,300}"')),
    ("'", re.compile(r"(?<!\w)'[^'\n]{1,200}'(?!\w)")),
)
# Non-ASCII quotes, only looked for in non-ASCII prompts.
MASKS_UNICODE: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("“", re.compile("“[^”\n]{1,300}”")),
    ("«", re.compile("«[^»\n]{1,300}»")),
    ("「", re.compile("「[^」\n]{1,300}」")),
    ("『", re.compile("『[^』\n]{1,300}』")),
)

# Names: capitalised word runs in mid-sentence (after a lower-case letter, comma or
# semicolon and one space). Sentence-initial words are not masked. Latin and Cyrillic.
_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_LO = "a-zß-öø-ÿа-яё"
NAMES: Final = re.compile(rf"[{_UP}](?<=[{_LO},;] [{_UP}])[{_LO}'’]+(?:[ -][{_UP}][{_LO}'’]+)*")

# Runs of non-ASCII characters (used to pull the ASCII words out of CJK text).
NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f]+")
