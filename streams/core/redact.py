"""Strip raw prompt text from a record before it is written to the dead-letter topic.

The contract says the prompt never leaves the worker, and a record that failed parsing is
exactly the one we know least about, so this works on any bytes:

* JSON that parses: every ``"prompt"`` key, at any depth, has its non-null value replaced
  by ``"[redacted prompt: N chars]"`` (``"[redacted prompt: array]"`` etc. for a value of
  the wrong type), then the record is re-serialised with orjson. A record that is itself
  a JSON string (a double-encoded event) is redacted inside.
* Anything else (truncated JSON, invalid UTF-8, garbage): a byte-level scan replaces the
  value after every ``"prompt":`` key: a string up to its closing unescaped quote, an
  array/object up to its matching bracket. A value that runs to the end of the record
  (truncated), or a string whose closing quote is not followed by what JSON allows there
  (``}``, ``]``, the end, or ``,`` and the next key: else it was an unescaped quote inside
  the prompt), is redacted to the end of the record: losing the tail of a broken record
  is better than leaking part of a prompt.

A record with no prompt comes back unchanged, byte for byte (the same object). Redacting
twice changes nothing more: an existing placeholder is left as it is.

Not covered: a prompt key spelled with escapes (``"pro\\u006dpt"``) in a record that does
not parse; a prompt whose producer left a quote unescaped right before text that looks
like ``, "key":``; prompt text under other, unknown field names.
"""

from __future__ import annotations

import re
from typing import Any, Final

import orjson

__all__ = ["redact_prompt"]

_KEY: Final = "prompt"
# Exactly the placeholders this module writes (kept as they are, so redaction is
# idempotent); nothing looser, or a prompt could pass itself off as one.
_PLACEHOLDER: Final = re.compile(
    r"\[redacted prompt: (?:\d+ chars|array|object|number|boolean|value)"
    r"(?:, (?:unterminated|malformed))?\]"
)
_JSON_TYPE: Final = {list: "array", dict: "object", int: "number", float: "number", bool: "boolean"}

# Byte-level scanning. Possessive quantifiers keep the string scan linear on any input.
_KEY_BYTES: Final = re.compile(rb'"prompt"[ \t\r\n]*:[ \t\r\n]*')
_STRING: Final = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# What may follow a string value that really ended: the end of an object/array or record,
# or a comma and the next key (possibly truncated). Anything else means the quote was an
# unescaped one inside the prompt.
_AFTER_VALUE: Final = re.compile(
    rb'[ \t\r\n]*+(?:\Z|[}\]]|,[ \t\r\n]*+(?:\Z|"(?:[^"\\]++|\\.)*+(?:\Z|"[ \t\r\n]*+(?:\Z|:))))',
    re.DOTALL,
)
_LITERAL: Final = re.compile(rb"-?[0-9][0-9.eE+-]*+|true|false|null")
_TOKEN: Final = re.compile(rb'"(?:[^"\\]++|\\.)*+"?|[\[{]|[\]}]|[^"\[\]{}]++', re.DOTALL)


def redact_prompt(raw: bytes) -> bytes:
    """Return ``raw`` with every prompt value replaced by a placeholder (see module doc)."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _redact_bytes(raw)
    if isinstance(doc, str):  # a double-encoded record: redact the record inside
        inner = doc.encode("utf-8")
        redacted = redact_prompt(inner)
        return raw if redacted is inner else orjson.dumps(redacted.decode("utf-8", "replace"))
    try:
        new, changed = _redact_value(doc)
        return orjson.dumps(new) if changed else raw
    except (RecursionError, TypeError):
        # Nested deeper than Python's stack or orjson.dumps (255 levels) allow: the byte
        # scan needs neither.
        return _redact_bytes(raw)


def _redact_value(value: Any) -> tuple[Any, bool]:
    """Copy of a decoded JSON value with prompt values replaced, and whether any was."""
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == _KEY and item is not None:
                if isinstance(item, str) and _PLACEHOLDER.fullmatch(item):
                    out[key] = item
                    continue
                out[key] = _placeholder(item)
                changed = True
            else:
                out[key], sub_changed = _redact_value(item)
                changed = changed or sub_changed
        return out, changed
    if isinstance(value, list):
        results = [_redact_value(item) for item in value]
        if any(c for _, c in results):
            return [v for v, _ in results], True
    return value, False


def _placeholder(value: Any) -> str:
    if isinstance(value, str):
        return f"[redacted prompt: {len(value)} chars]"
    return f"[redacted prompt: {_JSON_TYPE.get(type(value), 'value')}]"


def _redact_bytes(raw: bytes) -> bytes:
    """Byte-level redaction for records that are not valid JSON."""
    out = bytearray()
    copied = 0  # raw[:copied] is already in out
    pos = 0  # where to look for the next key
    n = len(raw)
    while (key := _KEY_BYTES.search(raw, pos)) is not None:
        start = key.end()
        if start >= n:
            break
        first = raw[start : start + 1]
        if first == b'"':
            text, end = _scan_string(raw, start)
        elif first in (b"[", b"{"):
            text, end = _scan_container(raw, start)
        elif (literal := _LITERAL.match(raw, start)) and _AFTER_VALUE.match(raw, literal.end()):
            pos = literal.end()  # a number, true, false or null: no text to hide
            continue
        else:  # garbage where the value should be: it may be the prompt, so take it all
            text, end = f"[redacted prompt: {_chars(raw[start:])} chars, malformed]", n
        if text is not None:  # None: already a placeholder, keep it
            out += raw[copied:start]
            out += orjson.dumps(text)
            copied = end
        pos = end
    if copied == 0:
        return raw
    out += raw[copied:]
    return bytes(out)


def _scan_string(raw: bytes, start: int) -> tuple[str | None, int]:
    """Placeholder text (None to keep the value) and the end of the string at ``start``."""
    m = _STRING.match(raw, start)
    if m is None:
        return f"[redacted prompt: {_chars(raw[start + 1 :])} chars, unterminated]", len(raw)
    end = m.end()
    body = raw[start + 1 : end - 1]
    if _AFTER_VALUE.match(raw, end) is None:
        # An unescaped quote inside the prompt: the true end is unknown, so take it all.
        return f"[redacted prompt: {_chars(raw[start + 1 :])} chars, malformed]", len(raw)
    try:
        text = orjson.loads(raw[start:end])
    except orjson.JSONDecodeError:
        return f"[redacted prompt: {_chars(body)} chars, malformed]", end
    if _PLACEHOLDER.fullmatch(text):
        return None, end
    return f"[redacted prompt: {len(text)} chars]", end


def _scan_container(raw: bytes, start: int) -> tuple[str, int]:
    """Placeholder text and the end of the array/object starting at ``start``."""
    kind = "array" if raw[start : start + 1] == b"[" else "object"
    depth = 0
    for token in _TOKEN.finditer(raw, start):
        t = token.group()
        if t in (b"[", b"{"):
            depth += 1
        elif t in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                if _AFTER_VALUE.match(raw, token.end()) is None:
                    break  # brackets inside unescaped text: the true end is unknown
                return f"[redacted prompt: {kind}]", token.end()
    return f"[redacted prompt: {kind}, unterminated]", len(raw)


def _chars(body: bytes) -> int:
    """Rough length in characters of undecodable string bytes (for the placeholder)."""
    return len(body.decode("utf-8", "replace"))
