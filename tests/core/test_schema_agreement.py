"""The hand-written event parser accepts exactly what the JSON Schema accepts.

``schemas/api-call-event.schema.json``, validated by jsonschema's Draft 2020-12 validator
*with format assertion* (``format_checker=FORMAT_CHECKER``; ``date-time`` needs the
``rfc3339-validator`` package), is the authority. Hypothesis generates valid events,
mutated ones (dropped required fields; type confusions incl. bools, floats, strings,
null, lists, objects; out-of-range ints; empty/too-long strings; good and bad timestamps
and IPs; unknown extra fields), single-field changes of a complete event (so that no
second error masks the first), and non-object JSON; for each,
``parse_event(orjson.dumps(doc))`` must succeed iff the schema says the document is valid.
Timestamps and IP addresses also get dense checks of their own against the very schema
definitions, and the parser's field table is compared with the schema's properties.

Inherent edge cases, handled on purpose:

* The schema judges the document as it arrives on the wire: ``orjson.loads(raw)``, not the
  generated Python object. orjson writes NaN/Infinity as null and the wire doc is what
  both sides see, so generating them is fine.
* Integers must fit orjson.dumps (-2**63 .. 2**64-1). On the read side orjson turns a
  bigger integer literal into a float, which both sides then see identically (an integral
  float, i.e. a JSON Schema integer); that is covered by an example in
  test_event_parser.py, as is ``1e400`` (orjson refuses it: ``not_json``; a validator fed by
  Python's json would see infinity), which cannot be produced through orjson.dumps.
* Strings never contain lone surrogates: orjson cannot encode them, and no valid UTF-8
  record can carry them.
* Non-object JSON must be rejected by both.
* A required field set to null is invalid for both (the parser calls it ``missing_field``);
  an optional one set to null is valid for both (absent).
"""

from __future__ import annotations

import ipaddress
import json
import string
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from streams.core.event import (
    _IPV4,
    _IPV6,
    COUNTRY,
    DATETIME,
    FIELDS,
    INT,
    IP,
    NUM,
    STR,
    TS,
    InvalidEvent,
    is_ip_address,
    parse_event,
)
from streams.core.timeutil import MAX_MS, format_rfc3339_ms, parse_rfc3339_ms

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "api-call-event.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FORMAT_CHECKER)

assert "date-time" in FORMAT_CHECKER.checkers, (
    "jsonschema cannot check format date-time: `pip install rfc3339-validator` "
    "(without it date-time strings are silently accepted and this test is meaningless)"
)

EXAMPLES = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REQUIRED = [f.name for f in FIELDS if f.required]
OPTIONAL = [f.name for f in FIELDS if not f.required]
SPEC = {f.name: f for f in FIELDS}


def assert_agree(doc: object) -> None:
    """The core property: parser and schema agree on the document's wire form."""
    raw = orjson.dumps(doc)
    wire = orjson.loads(raw)
    schema_ok = VALIDATOR.is_valid(wire)
    try:
        parse_event(raw)
        parser_ok, why = True, ""
    except InvalidEvent as exc:
        parser_ok, why = False, f"{exc.reason}: {exc}"
    if parser_ok != schema_ok:
        errors = [e.message for e in VALIDATOR.iter_errors(wire)][:3]
        raise AssertionError(f"parser={parser_ok} ({why}) schema={schema_ok} {errors}")


# --- value strategies -------------------------------------------------------------------------
text = st.text(st.characters(codec="utf-8"), max_size=20)
json_ints = st.integers(-(2**63), 2**64 - 1)
small_ints = st.integers(-3, 3)
floats = st.floats(allow_nan=True, allow_infinity=True)
integral_floats = st.integers(-(2**53), 2**53).map(float) | st.sampled_from([-0.0, 1e20, 1e300])

json_scalars = st.none() | st.booleans() | json_ints | floats | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def rfc3339_like(draw: st.DrawFn) -> str:
    """Timestamps near the grammar: valid ones, impossible dates, bad clocks and offsets,
    lower-case t/z, fractions of any length, leap years, and single-character damage."""

    def part(lo: int, hi: int, edges: list[int]) -> int:
        # Boundary values are drawn as often as the ordinary range, so that e.g. a leap
        # second with everything else valid comes up many times per run.
        return draw(st.sampled_from(edges) | st.integers(lo, hi))

    year = part(1, 9999, [0, 1, 1900, 1970, 2000, 2023, 2024, 2100, 9999, 10000])
    month = part(1, 12, [0, 1, 2, 12, 13])
    day = part(1, 28, [0, 1, 28, 29, 30, 31, 32])
    hour, minute, second = part(0, 23, [0, 23, 24]), part(0, 59, [59, 60]), part(0, 59, [59, 60])
    frac = draw(st.none() | st.text("0123456789", min_size=0, max_size=12))
    sep = draw(st.sampled_from(["T", "t", "T", " ", "_"]))
    zone = draw(
        st.sampled_from(["Z", "z", "", "+0100", "+01"])
        | st.builds(
            lambda s, h, m: f"{s}{h:02d}:{m:02d}",
            st.sampled_from("+-"),
            st.sampled_from([0, 23, 24]) | st.integers(0, 23),
            st.sampled_from([0, 59, 60]) | st.integers(0, 59),
        )
    )
    year_text = draw(st.sampled_from([f"{year:04d}", f"{year:04d}", str(year)]))
    s = f"{year_text}-{month:02d}-{day:02d}{sep}{hour:02d}:{minute:02d}:{second:02d}"
    if frac is not None:
        s += "." + frac
    s += zone
    damage = draw(st.integers(0, 6))
    if damage == 1 and s:
        i = draw(st.integers(0, len(s) - 1))
        s = s[:i] + draw(st.sampled_from(list("\u0662\uff12 +-:.\n\tTZ0x"))) + s[i + 1 :]
    elif damage == 2:
        s += draw(st.sampled_from(["\n", " ", "Z", "0", "\x00"]))
    elif damage == 3:
        s = draw(st.sampled_from(["\n", " ", "+"])) + s
    return s


timestamps = st.one_of(
    rfc3339_like(),
    rfc3339_like(),
    rfc3339_like(),
    st.integers(-(10**6), 10**6).map(format_rfc3339_ms),
    st.integers(0, MAX_MS).map(format_rfc3339_ms),
    text,
)


@st.composite
def ip_like(draw: st.DrawFn) -> str:
    """Valid IPv4/IPv6 plus the classic near-misses."""
    base = draw(st.ip_addresses().map(str))
    kind = draw(st.integers(0, 8))
    if kind == 1:
        return draw(
            st.sampled_from(
                [
                    "01.2.3.4",
                    "1.2.3.04",
                    "256.1.1.1",
                    "1.2.3",
                    "1.2.3.4.5",
                    "1.2.3.4/32",
                    " 1.2.3.4",
                    "1.2.3.4\n",
                    "::1%eth0",
                    "fe80::1%1",
                    "::ffff:1.2.3.4",
                    "::FFFF:1.2.3.4",
                    "2001:DB8::1",
                    "2001:db8::1::1",
                    "2001:db8:0:0:0:0:0:0:1",
                    "::",
                    "0.0.0.0",
                    "\uff11.2.3.4",  # fullwidth digit
                    "1.2.3.\u0664",  # Arabic-Indic digit
                    "[::1]",
                    "",
                ]
            )
        )
    if kind == 2:
        return base.upper()
    if kind == 3:
        return base + draw(st.sampled_from(["\n", " ", "%eth0", "/24", ".1", ":1"]))
    if kind == 4:
        return draw(st.text("0123456789abcdefABCDEF:.%", max_size=45))
    if kind == 5:
        return draw(hextet_strings)
    return base


# Colon-separated groups of 0..5 hex digits: every "::" placement, too many or too few
# groups, over-long groups; the space where an IPv6 regex would go wrong.
hextet_strings = st.lists(
    st.text("0123456789abcdefABCDEF", max_size=5), min_size=1, max_size=10
).map(":".join)


countries = st.text("ABZaz1ÄΣ\n ", max_size=3) | st.sampled_from(
    ["US", "DE", "USA", "U", "", "us", "Us", "U1", "ÄB", "US\n", " US", "US "]
)

# The classic confusions: a third of the changes made to a field (see field_value).
CONFUSERS: st.SearchStrategy[Any] = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        1,
        2**63,
        -(2**63),
        2**64 - 1,
        0.0,
        -0.0,
        1.5,
        3.0,
        -1.0,
        1e20,
        "",
        "x",
        "0",
        "1.5",
        "true",
        "null",
        "x" * 128,
        "x" * 129,
        [],
        [1],
        {},
        {"a": 1},
    ]
)

NASTY: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    json_ints,
    small_ints,
    floats,
    integral_floats,
    text,
    st.sampled_from(["", "x" * 128, "x" * 129, "é" * 128, "😀" * 129, "3", "1.5", "null"]),
    timestamps,
    ip_like(),
    countries,
    st.lists(json_scalars, max_size=2),
    st.dictionaries(text, json_scalars, max_size=2),
)


def valid_value(name: str) -> st.SearchStrategy[Any]:
    """A strategy for values the contract accepts for field ``name``."""
    spec = SPEC[name]
    if spec.kind == STR:
        lo = spec.minimum or 0
        hi = spec.maximum if spec.maximum is not None else 40
        chars = st.characters(codec="utf-8")
        exact_edges = st.sampled_from([lo, hi]).flatmap(
            lambda n: st.text(chars, min_size=n, max_size=n)
        )
        return st.text(chars, min_size=lo, max_size=hi) | exact_edges
    if spec.kind == INT:
        lo = spec.minimum if spec.minimum is not None else -(2**63)
        floats_ok = st.integers(max(lo, -(2**53)), 2**53).map(float)  # 3.0 is an integer
        return st.integers(lo, 2**64 - 1) | floats_ok
    if spec.kind == NUM:
        return st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**63), 2**63)
    if spec.kind == TS:
        return st.integers(0, MAX_MS) | st.integers(0, MAX_MS).map(format_rfc3339_ms)
    if spec.kind == DATETIME:
        return st.integers(0, MAX_MS).map(format_rfc3339_ms)
    if spec.kind == IP:
        return st.ip_addresses().map(str)
    if spec.kind == COUNTRY:
        return st.text(string.ascii_uppercase, min_size=2, max_size=2)
    raise AssertionError(name)


def field_value(name: str) -> st.SearchStrategy[Any]:
    """Valid values, type confusions and near-misses, about a third each."""
    spec = SPEC[name]
    extra: st.SearchStrategy[Any] = NASTY
    if spec.maximum is not None and spec.kind == STR:  # one past the longest
        extra = st.text(min_size=spec.maximum + 1, max_size=spec.maximum + 1) | NASTY
    if spec.kind in (TS, DATETIME):
        extra = timestamps | NASTY
    elif spec.kind == IP:
        extra = ip_like()
    elif spec.kind == COUNTRY:
        extra = countries
    return st.one_of(valid_value(name), CONFUSERS, extra)


unknown_keys = text.filter(lambda k: k not in SPEC)

valid_events = st.fixed_dictionaries(
    {name: valid_value(name) for name in REQUIRED},
    optional={name: valid_value(name) | st.none() for name in OPTIONAL},
).flatmap(
    lambda doc: st.dictionaries(unknown_keys, json_values, max_size=2).map(
        lambda extra: {**extra, **doc}
    )
)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with one to three contract violations (or near-violations) applied."""
    doc = dict(draw(valid_events))
    # Mostly one change: a second invalid field would often mask the first.
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        action = draw(st.sampled_from(["drop", "set", "set", "set", "nasty", "extra"]))
        name = draw(st.sampled_from(list(SPEC)))
        if action == "drop":
            doc.pop(draw(st.sampled_from(REQUIRED)), None)
        elif action == "set":
            doc[name] = draw(field_value(name))
        elif action == "nasty":
            doc[name] = draw(NASTY)
        else:
            doc[draw(unknown_keys)] = draw(json_values)
    return doc


# --- properties ---------------------------------------------------------------------------------
@settings(EXAMPLES, max_examples=500)
@given(valid_events)
def test_valid_events_accepted_by_both(doc: dict[str, Any]) -> None:
    assert VALIDATOR.is_valid(orjson.loads(orjson.dumps(doc)))
    assert_agree(doc)


@EXAMPLES
@given(mutated_events())
def test_mutated_events_agree(doc: dict[str, Any]) -> None:
    assert_agree(doc)


FULL_EVENT: dict[str, Any] = {
    "event_id": "evt-1",
    "ts": "2026-11-23T10:15:02.114Z",
    "account_id": "acct-1",
    "model": "claude-sonnet",
    "input_tokens": 1200,
    "output_tokens": 300,
    "org_id": "org-1",
    "api_key_id": "key-1",
    "account_created_at": "2026-11-20T00:00:00Z",
    "signup_channel": "self_serve",
    "payment_fingerprint": "pf-1",
    "ip": "203.0.113.47",
    "asn": 64512,
    "country": "DE",
    "user_agent": "sdk/1.0",
    "tls_fingerprint": "t13d",
    "endpoint": "/v1/messages",
    "status": 200,
    "latency_ms": 2311,
    "max_tokens": 1024,
    "temperature": 0.7,
    "stop_reason": "end_turn",
    "conversation_id": "conv-1",
    "turn": 3,
    "tool_calls": 0,
    "prompt": "hello",
    "system_prompt_hash": "sha256:abc",
}


@EXAMPLES
@given(st.sampled_from(list(SPEC)).flatmap(lambda n: st.tuples(st.just(n), field_value(n))))
def test_single_field_changes_agree(change: tuple[str, Any]) -> None:
    """One field changed in an otherwise valid, complete event: nothing masks the change."""
    name, value = change
    assert_agree({**FULL_EVENT, name: value})


@settings(max_examples=300, deadline=None)
@given(json_values.filter(lambda v: not isinstance(v, dict)))
def test_non_objects_rejected_by_both(doc: object) -> None:
    assert_agree(doc)


# Dense checks of the two format-driven pieces, against the same schema definitions
# (fewer examples: each one is a single string, and the file must stay under ~30 s).
DENSE = settings(EXAMPLES, max_examples=1000)
RFC3339_VALIDATOR = Draft202012Validator(
    {**SCHEMA["$defs"]["rfc3339"], "$schema": SCHEMA["$schema"]}, format_checker=FORMAT_CHECKER
)
IP_VALIDATOR = Draft202012Validator(
    {**SCHEMA["properties"]["ip"], "$schema": SCHEMA["$schema"]}, format_checker=FORMAT_CHECKER
)


@DENSE
@given(timestamps)
def test_timestamp_strings_agree(s: str) -> None:
    try:
        parse_rfc3339_ms(s)
        ok = True
    except ValueError:
        ok = False
    assert ok == RFC3339_VALIDATOR.is_valid(s)


@DENSE
@given(hextet_strings | ip_like())
def test_ip_strings_agree(s: str) -> None:
    """Agreement with the schema's ipv4/ipv6 formats; and the parser's regex shortcuts must
    be subsets of the ipaddress rules they skip."""
    if _IPV4.fullmatch(s):
        ipaddress.IPv4Address(s)
    if _IPV6.fullmatch(s):
        assert not ipaddress.IPv6Address(s).scope_id
    assert is_ip_address(s) == IP_VALIDATOR.is_valid(s)


# --- the table itself ---------------------------------------------------------------------------
def _types(prop: dict[str, Any]) -> set[str]:
    t = prop.get("type", [])
    return {t} if isinstance(t, str) else set(t)


@pytest.mark.parametrize("spec", FIELDS, ids=[f.name for f in FIELDS])
def test_field_table_matches_schema(spec: Any) -> None:
    """FIELDS (which drives the parser) and the schema describe the same fields."""
    prop = SCHEMA["properties"][spec.name]
    assert (spec.name in SCHEMA["required"]) == spec.required
    if spec.kind == STR:
        assert _types(prop) == ({"string"} if spec.required else {"string", "null"})
        assert prop.get("minLength") == spec.minimum
        assert prop.get("maxLength") == spec.maximum
    elif spec.kind == INT:
        assert _types(prop) == ({"integer"} if spec.required else {"integer", "null"})
        assert prop.get("minimum") == spec.minimum
        assert prop.get("maximum") == spec.maximum
    elif spec.kind == NUM:
        assert _types(prop) == {"number", "null"}
    elif spec.kind == TS:
        integer_branch = next(b for b in prop["anyOf"] if b.get("type") == "integer")
        assert (integer_branch["minimum"], integer_branch["maximum"]) == (
            spec.minimum,
            spec.maximum,
        )
    elif spec.kind == DATETIME:
        assert {"$ref": "#/$defs/rfc3339"} in prop["anyOf"]


def test_schema_lists_exactly_the_table() -> None:
    assert list(SCHEMA["properties"]) == [f.name for f in FIELDS]
    assert SCHEMA["required"] == REQUIRED
    assert SCHEMA.get("additionalProperties", True) is True  # unknown fields allowed
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$id"] == "https://distillguard.dev/schemas/v1/api-call-event.schema.json"


@pytest.mark.parametrize(
    "doc",
    [
        {"ts": "2026-02-30T00:00:00Z"},
        {"ts": "2024-02-29T00:00:00Z"},
        {"ts": "2026-11-23T10:15:02.114Z\n"},
        {"ts": "2026-11-23t10:15:02.114z"},
        {"ts": "2026-11-23T10:15:02.123456789+05:30"},
        {"ts": True},
        {"ts": 1.5e12},
        {"ts": -1},
        {"ts": MAX_MS + 1},
        {"input_tokens": 3.0},
        {"input_tokens": True},
        {"input_tokens": -0.0},
        {"temperature": False},
        {"temperature": 1},
        {"country": "US\n"},
        {"country": "us"},
        {"ip": "::1%lo"},
        {"ip": "01.2.3.4"},
        {"event_id": "😀" * 128},
        {"event_id": "😀" * 129},
        {"account_created_at": 1_700_000_000_000},
        {"account_created_at": None},
        {"ts": None},
        {"turn": 0},
        {"asn": -5},
        {"status": None},
        {"prompt": ["list"]},
    ],
)
def test_named_edge_cases_agree(doc: dict[str, Any]) -> None:
    """Regressions and the rules the brief names, pinned as explicit examples."""
    base = {
        "event_id": "e1",
        "ts": "2026-11-23T10:15:02.114Z",
        "account_id": "a1",
        "model": "m",
        "input_tokens": 1,
        "output_tokens": 2,
    }
    assert_agree({**base, **doc})
