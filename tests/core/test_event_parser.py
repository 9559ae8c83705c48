"""Example-based tests of parse_event: every reason code, conversions, and no value leaks."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
import pytest

from streams.core.event import (
    FIELDS,
    ApiCall,
    InvalidEvent,
    event_from_dict,
    is_ip_address,
    parse_event,
)

BASE: dict[str, Any] = {
    "event_id": "evt-1",
    "ts": "2026-11-23T10:15:02.114Z",
    "account_id": "acct-1",
    "model": "claude-sonnet",
    "input_tokens": 1200,
    "output_tokens": 300,
}
TS_MS = 1_795_428_902_114
CANARY = "CANARY-7f3a-secret-prompt-text"


def raw(**changes: Any) -> bytes:
    """BASE with changes; a value of ``...`` deletes the field."""
    doc = {**BASE, **changes}
    return orjson.dumps({k: v for k, v in doc.items() if v is not ...})


def reason_of(data: bytes, **kwargs: Any) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as info:
        parse_event(data, **kwargs)
    return info.value


# --- accepted ---------------------------------------------------------------------------------
def test_minimal_event() -> None:
    call = parse_event(raw())
    assert call == ApiCall("evt-1", TS_MS, "acct-1", "claude-sonnet", 1200, 300)


def test_full_event() -> None:
    data = raw(
        org_id="org-1",
        api_key_id="key-1",
        account_created_at="2026-11-20T00:00:00+01:00",
        signup_channel="self_serve",
        payment_fingerprint="pf",
        ip="2001:db8::1",
        asn=64512,
        country="DE",
        user_agent="sdk/1.0",
        tls_fingerprint="t13d1516h2_8daaf6152771_b0da82dd1658",
        endpoint="/v1/messages",
        status=200,
        latency_ms=2311,
        max_tokens=1024,
        temperature=0.7,
        stop_reason="end_turn",
        conversation_id="conv-1",
        turn=3,
        tool_calls=0,
        prompt="hello",
        system_prompt_hash="sha256:abc",
    )
    call = parse_event(data)
    assert call.account_created_ms == 1_795_132_800_000 - 3_600_000  # 2026-11-19T23:00Z
    assert (call.ip, call.asn, call.country, call.turn, call.prompt) == (
        "2001:db8::1",
        64512,
        "DE",
        3,
        "hello",
    )
    assert call.temperature == 0.7


def test_ts_integer_epoch_ms() -> None:
    assert parse_event(raw(ts=TS_MS)).ts_ms == TS_MS
    assert parse_event(raw(ts=0)).ts_ms == 0


def test_integral_floats_are_integers() -> None:
    """JSON Schema 2020-12: 3.0 is an integer. Converted, so ApiCall holds real ints."""
    call = parse_event(raw(ts=1.7e12, input_tokens=3.0, turn=2.0, asn=-0.0))
    assert (call.ts_ms, call.input_tokens, call.turn, call.asn) == (1_700_000_000_000, 3, 2, 0)
    assert type(call.input_tokens) is int and type(call.ts_ms) is int
    # A literal too big for 64 bits: orjson makes it a float, integral, so still an integer.
    big = parse_event(raw().replace(b'"input_tokens":1200', b'"input_tokens":18446744073709551616'))
    assert big.input_tokens == 2**64 and type(big.input_tokens) is int


def test_int_temperature_becomes_float() -> None:
    call = parse_event(raw(temperature=1))
    assert call.temperature == 1.0 and type(call.temperature) is float


def test_null_optional_fields_are_absent() -> None:
    nulls = {f.name: None for f in FIELDS if not f.required}
    call = parse_event(raw(**nulls))
    assert call == ApiCall("evt-1", TS_MS, "acct-1", "claude-sonnet", 1200, 300)


def test_unknown_fields_ignored() -> None:
    call = parse_event(raw(extra={"nested": [1, 2]}, another=True, ts_ms="not checked"))
    assert call == parse_event(raw())


def test_lengths_count_code_points() -> None:
    assert parse_event(raw(event_id="😀" * 128)).event_id == "😀" * 128  # 512 bytes, 128 chars
    assert reason_of(raw(event_id="😀" * 129)).reason == "out_of_range"


def test_event_from_dict_is_the_same_validation() -> None:
    assert event_from_dict(dict(BASE)) == parse_event(raw())
    with pytest.raises(InvalidEvent):
        event_from_dict({**BASE, "turn": 0})


def test_field_table_matches_dataclass() -> None:
    assert [f.attr for f in FIELDS] == [f.name for f in fields(ApiCall)]
    assert [f.name for f in FIELDS if f.required] == [
        "event_id",
        "ts",
        "account_id",
        "model",
        "input_tokens",
        "output_tokens",
    ]


# --- each reason code ---------------------------------------------------------------------------
def test_too_large_checked_before_parsing() -> None:
    data = raw(prompt="x" * 2000)
    exc = reason_of(data, max_bytes=1000)
    assert exc.reason == "too_large"
    assert parse_event(data, max_bytes=len(data)).prompt == "x" * 2000  # the limit is inclusive
    assert reason_of(b"{" * 2000, max_bytes=1000).reason == "too_large"  # not "not_json"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b'{"event_id": "e"',
        b"nope",
        b"{'single': 'quotes'}",
        b'{"a": 1,}',
        b'{"ts": 1e400}',  # overflows a double: orjson refuses it
        b'{"prompt": "\\ud800"}',  # lone surrogate escape
        b"\xef\xbb\xbf{}",  # UTF-8 byte-order mark
        b'{"a": NaN}',
    ],
)
def test_not_json(data: bytes) -> None:
    assert reason_of(data).reason == "not_json"


@pytest.mark.parametrize("data", [b'{"prompt": "\xff\xfe"}', b"\xc3\x28", b'{"a": "\xed\xa0\x80"}'])
def test_bad_encoding(data: bytes) -> None:
    """Invalid UTF-8 is reported as ``bad_encoding``, not ``not_json``."""
    assert reason_of(data).reason == "bad_encoding"


@pytest.mark.parametrize("data", [b"[]", b"[{}]", b'"{}"', b"1", b"1.5", b"true", b"null"])
def test_not_object(data: bytes) -> None:
    assert reason_of(data).reason == "not_object"


@pytest.mark.parametrize(
    "name", ["event_id", "ts", "account_id", "model", "input_tokens", "output_tokens"]
)
@pytest.mark.parametrize("value", [..., None])
def test_missing_field(name: str, value: Any) -> None:
    """Absent, and null (gateways send nulls), are both ``missing_field`` when required."""
    exc = reason_of(raw(**{name: value}))
    assert (exc.reason, exc.field) == ("missing_field", name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("event_id", 1),
        ("event_id", ["e"]),
        ("ts", True),
        ("ts", 1.5e12 + 0.5),
        ("ts", {"ms": 1}),
        ("account_id", False),
        ("model", 3),
        ("input_tokens", True),  # booleans are not integers
        ("input_tokens", "12"),
        ("input_tokens", 1.5),
        ("output_tokens", [1]),
        ("account_created_at", TS_MS),  # the contract says RFC 3339 string only
        ("ip", 3232235777),
        ("asn", "AS64512"),
        ("country", ["DE"]),
        ("status", 200.5),
        ("temperature", False),
        ("temperature", "0.7"),
        ("turn", True),
        ("prompt", ["list", "of", "messages"]),
        ("prompt", {"text": "hi"}),
        ("system_prompt_hash", 0),
    ],
)
def test_wrong_type(name: str, value: Any) -> None:
    exc = reason_of(raw(**{name: value}))
    assert (exc.reason, exc.field) == ("wrong_type", name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("event_id", ""),
        ("event_id", "x" * 129),
        ("account_id", ""),
        ("input_tokens", -1),
        ("output_tokens", -1.0),
        ("ts", -1),
        ("ts", 253_402_300_800_000),  # past 9999-12-31T23:59:59.999Z
        ("latency_ms", -5),
        ("max_tokens", -1),
        ("turn", 0),
        ("tool_calls", -1),
        ("ip", "256.1.1.1"),
        ("ip", "01.2.3.4"),
        ("ip", "fe80::1%eth0"),
        ("ip", "example.com"),
        ("country", "de"),
        ("country", "DEU"),
        ("country", "US\n"),
        ("country", "ÄB"),
    ],
)
def test_out_of_range(name: str, value: Any) -> None:
    exc = reason_of(raw(**{name: value}))
    assert (exc.reason, exc.field) == ("out_of_range", name)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ts", "2026-02-30T00:00:00Z"),
        ("ts", "2026-11-23 10:15:02Z"),
        ("ts", "2026-11-23T10:15:02"),
        ("ts", "yesterday"),
        ("ts", ""),
        ("ts", "2026-11-23T10:15:02.114Z\n"),
        ("account_created_at", "2026-13-01T00:00:00Z"),
    ],
)
def test_bad_ts(name: str, value: Any) -> None:
    exc = reason_of(raw(**{name: value}))
    assert (exc.reason, exc.field) == ("bad_ts", name)


def test_ip_validation_examples() -> None:
    for good in ["0.0.0.0", "203.0.113.47", "::", "::1", "2001:DB8::1", "::ffff:1.2.3.4"]:
        assert is_ip_address(good), good
    for bad in ["", "1.2.3", "1.2.3.4 ", "::1%1", "1.2.3.4/32", "[::1]", "localhost"]:
        assert not is_ip_address(bad), bad


# --- messages never carry values ---------------------------------------------------------------
LEAKY_VALUES = [
    CANARY,
    [CANARY],
    {"text": CANARY},
    CANARY * 10,
]


@pytest.mark.parametrize("spec", FIELDS, ids=[f.name for f in FIELDS])
@pytest.mark.parametrize("value", LEAKY_VALUES, ids=["str", "list", "object", "long"])
def test_error_message_never_contains_the_value(spec: Any, value: Any) -> None:
    """For every field, a rejected value never appears in the exception text."""
    try:
        parse_event(raw(**{spec.name: value}))
    except InvalidEvent as exc:
        for text in (str(exc), repr(exc), repr(exc.args), exc.reason, str(exc.field)):
            assert "CANARY" not in text
        assert exc.field == spec.name
    else:
        assert spec.kind == 0 and isinstance(value, str)  # a plain string field took it


@pytest.mark.parametrize(
    "data",
    [
        b'{"prompt": "' + CANARY.encode() + b'", "event_id": ',  # truncated
        b'{"prompt": "' + CANARY.encode() + b'\xff"}',  # bad UTF-8
        b'{"prompt": ' + CANARY.encode() + b"}",  # bare word
        orjson.dumps([{"prompt": CANARY}]),
        orjson.dumps(CANARY),
    ],
)
def test_parse_errors_never_contain_the_record(data: bytes) -> None:
    exc = reason_of(data)
    assert "CANARY" not in str(exc) and "CANARY" not in repr(exc)
    # orjson's message (which may quote input) is not chained into tracebacks either.
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)
