"""A seeded fuzzer of broken input records, for the dead-letter path.

Built on ``streams.sim.malformed`` (the realistic breakages, each failing for one known
reason) plus blind damage: byte flips, insertions, deletions and truncation (also in the
middle of a multi-byte character), invalid UTF-8, values of the wrong JSON type at any
field, dropped or nulled required fields, out-of-range values, JSON that is not an object
(scalars, a double-encoded record, nesting deeper than any parser allows), JSON that orjson
refuses (NaN, ``1e400``, lone surrogates, a byte-order mark), raw control characters,
oversized records, tombstones (no value at all) and empty records.

Every record it returns is checked against the worker's own parser: it is malformed, and
``expected_reason`` is the dead-letter reason the worker must give it. A blind mutation
that happens to leave a valid event (a flipped byte inside the prompt text) is dropped
and another one drawn, so the count is exact.
"""

from __future__ import annotations

import json
import random
import string
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from streams.core.event import InvalidEvent, parse_event
from streams.sim.malformed import KINDS, corrupt

CANARY = "CANARY-f00d"
"""In every fuzzed record's prompt: it must never reach the dead-letter topic."""

_REQUIRED = ("event_id", "ts", "account_id", "model", "input_tokens", "output_tokens")
_OPTIONAL_INT = ("asn", "status", "latency_ms", "max_tokens", "turn", "tool_calls")
_OPTIONAL_STR = (
    "org_id",
    "api_key_id",
    "signup_channel",
    "payment_fingerprint",
    "user_agent",
    "tls_fingerprint",
    "endpoint",
    "stop_reason",
    "conversation_id",
    "system_prompt_hash",
)
_TEXT = (
    string.ascii_letters + string.digits + " .,;:!?-_'\"\\/{}[]" + "éüßçøñ中文日本語한국어Ωπ∑😀\t\n"
)


@dataclass(frozen=True)
class Fuzzed:
    """One record to send: its Kafka key and value (None: a tombstone) and the reason the
    worker must dead-letter it for."""

    key: bytes | None
    value: bytes | None
    expected_reason: str
    how: str


def expected_reason(value: bytes | None, max_bytes: int) -> str | None:
    """The dead-letter reason the worker gives ``value``; None for a valid event."""
    if value is None:
        return "not_json"  # a tombstone
    try:
        parse_event(value, max_bytes)
    except InvalidEvent as exc:
        return exc.reason
    return None


def _text(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(_TEXT) for _ in range(rng.randint(low, high)))


def valid_event(rng: random.Random, index: int, account: str) -> dict[str, Any]:
    """A well-formed event with a random selection of optional fields, some at the edge
    of what the contract allows (integer ``ts``, integral floats, nulls, unknown fields)."""
    ts_ms = 1_795_420_800_000 + index * 250 + rng.randint(0, 249)
    doc: dict[str, Any] = {
        "event_id": f"ev-{index}-{rng.getrandbits(32):08x}",
        "ts": ts_ms if rng.random() < 0.15 else _rfc3339(ts_ms, rng),
        "account_id": account,
        "model": rng.choice(("frontier-large-2026-10", "small-2026-06", "m", "é-model")),
        "input_tokens": rng.choice((0, rng.randint(1, 50_000), 12.0)),
        "output_tokens": rng.randint(0, 8_000),
        "prompt": f"{CANARY} {_text(rng, 0, 300)}",
    }
    for field in rng.sample(_OPTIONAL_STR, rng.randint(0, len(_OPTIONAL_STR))):
        doc[field] = _text(rng, 0, 40)
    for field in rng.sample(_OPTIONAL_INT, rng.randint(0, len(_OPTIONAL_INT))):
        doc[field] = rng.randint(1, 70_000)
    if rng.random() < 0.5:
        doc["ip"] = rng.choice(("24.1.2.3", "2001:db8::7", "10.0.0.255", "::1"))
    if rng.random() < 0.5:
        doc["country"] = rng.choice(("US", "DE", "JP", "BR"))
    if rng.random() < 0.4:
        doc["temperature"] = rng.choice((0, 0.7, 1.0, 2, 1e-9))
    if rng.random() < 0.3:
        doc["account_created_at"] = _rfc3339(ts_ms - rng.randint(0, 10**10), rng)
    if rng.random() < 0.2:
        doc[rng.choice(_OPTIONAL_STR + _OPTIONAL_INT)] = None  # null optional = absent
    if rng.random() < 0.2:
        doc[f"x_{_text(rng, 1, 8)}"] = rng.choice(([1, {"a": None}], "extra", 3.5, False))
    # Valid, but at the edge: token counts with no upper bound, an event time from 1970.
    if rng.random() < 0.02:
        doc[rng.choice(("input_tokens", "output_tokens"))] = rng.choice((2**64 - 1, 1e20, 1e300))
    if rng.random() < 0.005:
        doc["ts"] = rng.choice((0, "1970-01-01T00:00:01Z"))
    return doc


def _rfc3339(ms: int, rng: random.Random) -> str:
    seconds, millis = divmod(ms, 1000)
    tm = time.gmtime(seconds)
    base = (
        f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T"
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d}"
    )
    return base + rng.choice((f".{millis:03d}Z", f".{millis:03d}+00:00", "Z"))


# --- the mutations: each takes a valid event (dict and bytes) and returns broken bytes ----
Mutation = Callable[[random.Random, dict[str, Any], bytes, int], bytes | None]


def _classic(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    names = [k for k, _ in KINDS]
    return corrupt(rng, raw, rng.choices(names, weights=[w for _, w in KINDS])[0])


def _flip(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        pos = rng.randrange(len(data) + 1)
        if op < 0.4 and pos < len(data):
            data[pos] = rng.randrange(256)
        elif op < 0.7:
            data[pos:pos] = bytes([rng.randrange(256)])
        elif pos < len(data):
            del data[pos : pos + rng.randint(1, 8)]
    return bytes(data)


def _truncate(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    return raw[: rng.randrange(len(raw))]


def _bad_utf8(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    junk = rng.choice(
        (b"\xff", b"\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf5\x80\x80\x80", b"\x80")
    )
    text = doc["prompt"].encode()
    start = raw.find(text)
    pos = start + rng.randrange(len(text) + 1) if start >= 0 else rng.randrange(len(raw) + 1)
    return raw[:pos] + junk + raw[pos:]


def _cut_character(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    """Truncated in the middle of a multi-byte character (a torn write of unicode text)."""
    cuts = [i for i, b in enumerate(raw) if b >= 0xC0 and i + 1 < len(raw)]
    if not cuts:
        return raw[:-1]
    return raw[: rng.choice(cuts) + 1]


_WRONG_VALUES: tuple[Any, ...] = (
    "12",
    "",
    True,
    False,
    1.5,
    -0.5,
    [],
    [1, 2],
    {},
    {"nested": {"deeper": [None]}},
    10**30,
)


def _wrong_type(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    out = dict(doc)
    field = rng.choice(_REQUIRED + _OPTIONAL_INT + _OPTIONAL_STR + ("ip", "country", "temperature"))
    out[field] = rng.choice(_WRONG_VALUES)
    return _dumps(out)


def _dumps(doc: Any) -> bytes:
    try:
        return orjson.dumps(doc)
    except TypeError:  # an integer beyond 64 bits, which orjson does not write
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _missing(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    out = dict(doc)
    for field in rng.sample(_REQUIRED, rng.randint(1, 3)):
        if rng.random() < 0.3:
            out[field] = None
        else:
            out.pop(field, None)
    return _dumps(out)


def _out_of_range(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    out = dict(doc)
    field, value = rng.choice(
        (
            ("input_tokens", -1),
            ("output_tokens", -(10**6)),
            ("latency_ms", -3),
            ("turn", 0),
            ("tool_calls", -1),
            ("max_tokens", -7),
            ("event_id", ""),
            ("event_id", "e" * 129),
            ("account_id", ""),
            ("account_id", "a" * 200),
            ("ts", -1),
            ("ts", 10**15),
            ("ip", "999.1.1.1"),
            ("ip", "fe80::1%eth0"),
            ("ip", "not an ip"),
            ("country", "us"),
            ("country", "USA"),
            ("country", "Ü1"),
        )
    )
    out[field] = value
    return _dumps(out)


def _bad_ts(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    out = dict(doc)
    field = "ts" if rng.random() < 0.8 else "account_created_at"
    out[field] = rng.choice(
        (
            "2026-02-30T10:00:00Z",
            "2026-11-23T24:00:01Z",
            "2026-11-23 10:00:00",
            "2026-11-23T10:00:00",
            "tomorrow",
            "1795420800000",
            "",
            "2026-11-23T10:00:00.000+25:00",
            _text(rng, 1, 30),
        )
    )
    return _dumps(out)


def _not_object(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    return rng.choice(
        (
            b"null",
            b"true",
            b"42",
            b"-1.5e3",
            b'"just a string"',
            orjson.dumps(raw.decode()),  # a double-encoded record
            orjson.dumps([doc, doc]),
            b"[]",
        )
    )


def _refused_json(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    """Text that is not JSON orjson accepts, in many forms."""
    return rng.choice(
        (
            b"",
            b"   \n",
            b"\xef\xbb\xbf" + raw,  # a byte-order mark
            raw[:-1] + b',"temperature":NaN}',
            raw[:-1] + b',"temperature":1e400}',
            raw[:-1] + b',"org_id":"\\ud800"}',
            raw[:-1] + b',"org_id":"tab\there"}',
            raw[:-1] + b',"org_id":"nul\x00byte"}',
            raw + b"\n" + raw,  # two records in one
            raw + b" trailing",
            raw.replace(b'":', b"':", 1),
            b"[" * 2000 + b"]" * 2000,  # deeper than any parser recurses
            b'{"a":' * 600 + b"1" + b"}" * 600,
            raw.replace(b"{", b"{,", 1),
        )
    )


def _oversize(rng: random.Random, doc: dict[str, Any], raw: bytes, limit: int) -> bytes:
    out = dict(doc)
    pad = limit + rng.randint(1, limit)
    if rng.random() < 0.5:
        out["prompt"] = f"{CANARY} " + "x" * pad
        return _dumps(out)
    return (b"not json at all " * (pad // 16 + 1))[: limit + rng.randint(1, 64)]


MUTATIONS: dict[str, tuple[Mutation, float]] = {
    "classic": (_classic, 3.0),
    "flip": (_flip, 3.0),
    "truncate": (_truncate, 1.5),
    "bad_utf8": (_bad_utf8, 1.0),
    "cut_character": (_cut_character, 0.5),
    "wrong_type": (_wrong_type, 2.0),
    "missing": (_missing, 1.5),
    "out_of_range": (_out_of_range, 1.5),
    "bad_ts": (_bad_ts, 1.0),
    "not_object": (_not_object, 0.7),
    "refused_json": (_refused_json, 1.0),
    "oversize": (_oversize, 0.3),
}


def fuzz(
    rng: random.Random, count: int, max_bytes: int, accounts: list[str], tombstones: int = 20
) -> list[Fuzzed]:
    """``count`` malformed records (``tombstones`` of them without a value), varied."""
    names = list(MUTATIONS)
    weights = [w for _, w in MUTATIONS.values()]
    out = [
        Fuzzed(rng.choice(accounts).encode(), None, "not_json", "tombstone")
        for _ in range(tombstones)
    ]
    index = 0
    while len(out) < count:
        index += 1
        account = rng.choice(accounts)
        doc = valid_event(rng, index, account)
        # Unicode-heavy prompts make sure multi-byte characters are around to tear.
        doc["prompt"] += rng.choice(("", " ünïcödé ☃ 雪", " 😀😀"))
        how = rng.choices(names, weights)[0]
        value = MUTATIONS[how][0](rng, doc, orjson.dumps(doc), max_bytes)
        if value is None:
            continue
        reason = expected_reason(value, max_bytes)
        if reason is None:
            continue  # the damage left a valid event: draw another
        key = rng.choice((account.encode(), None, bytes(rng.getrandbits(8) for _ in range(5))))
        out.append(Fuzzed(key, value, reason, how))
    rng.shuffle(out)
    return out
