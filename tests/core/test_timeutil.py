"""RFC 3339 <-> epoch ms: exact values, the strict grammar, and the fast path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.timeutil import (
    MAX_MS,
    MIN_MS,
    _parse_general,
    format_rfc3339_ms,
    parse_rfc3339_ms,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MS = timedelta(milliseconds=1)


def exact_ms(dt: datetime) -> int:
    """Reference: floor of the instant to the millisecond, with integer arithmetic only."""
    return (dt - EPOCH) // ONE_MS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000Z", 0),
        ("2026-11-23T10:15:02.114Z", 1_795_428_902_114),
        ("2026-11-23t10:15:02.114z", 1_795_428_902_114),  # RFC 3339 5.6 allows lower case
        ("2026-11-23T10:15:02.114+00:00", 1_795_428_902_114),
        ("2026-11-23T10:15:02.114-00:00", 1_795_428_902_114),  # "offset unknown" is UTC
        ("2026-11-23T11:15:02.114+01:00", 1_795_428_902_114),
        ("2026-11-23T04:45:02.114-05:30", 1_795_428_902_114),
        ("2026-11-24T10:14:02.114+23:59", 1_795_428_902_114),
        ("2026-11-23T10:15:02Z", 1_795_428_902_000),
        ("2026-11-23T10:15:02.1Z", 1_795_428_902_100),
        ("2026-11-23T10:15:02.11Z", 1_795_428_902_110),
        ("2026-11-23T10:15:02.1149Z", 1_795_428_902_114),  # truncated, not rounded
        ("2026-11-23T10:15:02.999999999999Z", 1_795_428_902_999),
        ("2024-02-29T00:00:00Z", 1_709_164_800_000),  # leap year
        ("2000-02-29T00:00:00Z", 951_782_400_000),  # divisible by 400: leap
        ("1969-12-31T23:59:59.999Z", -1),  # before the epoch: negative, floor semantics
        ("1969-12-31T23:59:59.9999Z", -1),
        ("0001-01-01T00:00:00Z", MIN_MS),
        ("9999-12-31T23:59:59.999Z", MAX_MS),
        ("9999-12-31T23:59:59.999-23:59", MAX_MS + (23 * 60 + 59) * 60_000),  # UTC year 10000
        ("0001-01-01T00:00:00+01:00", MIN_MS - 3_600_000),  # UTC year 0
    ],
)
def test_parse_known_values(text: str, expected: int) -> None:
    assert parse_rfc3339_ms(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-11-23",
        "2026-11-23T10:15Z",
        "2026-11-23T10:15:02",  # no offset: local time is not RFC 3339
        "2026-11-23T10:15:02.Z",  # empty fraction
        "2026-11-23 10:15:02Z",  # space separator: ISO 8601 profile, not RFC 3339
        "2026-11-23_10:15:02Z",
        "2026-02-30T00:00:00Z",  # impossible date
        "2026-02-29T00:00:00Z",  # not a leap year
        "1900-02-29T00:00:00Z",  # divisible by 100, not 400: not a leap year
        "2026-04-31T00:00:00Z",
        "2026-00-10T00:00:00Z",
        "2026-13-10T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "0000-01-01T00:00:00Z",  # year 0 is not a year
        "2026-11-23T24:00:00Z",
        "2026-11-23T10:60:00Z",
        "2026-11-23T23:59:60Z",  # leap second: rejected, as by the schema checker
        "2026-11-23T10:15:02+24:00",
        "2026-11-23T10:15:02+01:60",
        "2026-11-23T10:15:02+0100",
        "2026-11-23T10:15:02+01",
        "2026-11-23T10:15:02,114Z",  # comma fraction: ISO 8601, not RFC 3339
        "2026-11-23T10:15:02.114Z\n",  # trailing newline
        "\n2026-11-23T10:15:02.114Z",
        " 2026-11-23T10:15:02.114Z",
        "2026-11-23T10:15:02.114Z ",
        "2026-11-23T10:15:02.114ZZ",
        "+2026-11-23T10:15:02.114Z",
        "12026-11-23T10:15:02.114Z",
        "226-11-23T10:15:02.114Z",
        "2026-1-23T10:15:02.114Z",
        "2026-11-23T1:15:02.114Z",
        "2026-11-23T10:15:02.-14Z",
        "2026-11-23T10:15:02.+14Z",
        "2026-11-23T10:15:02.1_4Z",
        "2026-11-23T10:15:02.1 4Z",
        "\uff12\uff10\uff12\uff16-11-23T10:15:02.114Z",  # fullwidth digits
        "2026-11-23T10:15:0\u0662.114Z",  # Arabic-Indic digit
        "2026-W47-1T10:15:02.114Z",  # ISO week date
        "2026-327T10:15:02.114Z",  # ISO ordinal date
        "20261123T101502.114Z",  # ISO basic format
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_rfc3339_ms(text)
    if text.strip():
        assert text.strip() not in str(info.value)  # the message never echoes the input


@settings(max_examples=500, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.just(UTC)
        | st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m))),
    ),
    st.integers(0, 9),
    st.booleans(),
)
def test_parse_matches_datetime(dt: datetime, frac_digits: int, lower: bool) -> None:
    """Any aware datetime written in any RFC 3339 style parses to its exact instant."""
    offset = dt.utcoffset()
    assert offset is not None
    minutes = offset // timedelta(minutes=1)
    sign = "+" if minutes >= 0 else "-"
    zone = "Z" if dt.tzinfo is UTC else f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    micro = f"{dt.microsecond:06d}"
    frac = ("." + (micro + "000")[:frac_digits]) if frac_digits else ""
    text = f"{dt.year:04d}-{dt:%m-%dT%H:%M:%S}{frac}{zone}"
    if lower:
        text = text.lower()
    truncated = dt.replace(microsecond=int((micro + "000")[:frac_digits].ljust(6, "0")[:6]))
    assert parse_rfc3339_ms(text) == exact_ms(truncated)


# The fast path (fixed 24-char shape, datetime.fromisoformat) must agree with the
# general regex path on every string of that shape, including near-misses.
_SHAPE_CHARS = "0123456789-:.TZtz +_,\u0662"


@st.composite
def near_canonical(draw: st.DrawFn) -> str:
    ms = draw(st.integers(MIN_MS, MAX_MS))
    text = list(format_rfc3339_ms(ms))
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(text) - 1))
        text[i] = draw(st.sampled_from(_SHAPE_CHARS))
    return "".join(text)


def _outcome(func: object, text: str) -> int | None:
    try:
        return func(text)  # type: ignore[operator, no-any-return]
    except ValueError:
        return None


@settings(max_examples=2000, deadline=None)
@given(near_canonical() | st.text(st.sampled_from(_SHAPE_CHARS), min_size=24, max_size=24))
def test_fast_path_agrees_with_general_path(text: str) -> None:
    assert _outcome(parse_rfc3339_ms, text) == _outcome(_parse_general, text)


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1_795_428_902_114, "2026-11-23T10:15:02.114Z"),
        (1_795_428_902_000, "2026-11-23T10:15:02.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (MIN_MS, "0001-01-01T00:00:00.000Z"),
        (MAX_MS, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_format_known_values(ms: int, expected: str) -> None:
    assert format_rfc3339_ms(ms) == expected


@pytest.mark.parametrize("ms", [MIN_MS - 1, MAX_MS + 1, 2**63])
def test_format_rejects_out_of_range(ms: int) -> None:
    with pytest.raises(ValueError):
        format_rfc3339_ms(ms)


@settings(max_examples=1000, deadline=None)
@given(st.integers(MIN_MS, MAX_MS), st.integers(MIN_MS, MAX_MS))
def test_round_trip_and_order(ms: int, other: int) -> None:
    text = format_rfc3339_ms(ms)
    assert len(text) == 24
    assert exact_ms(datetime.fromisoformat(text)) == ms  # independent reading
    assert parse_rfc3339_ms(text) == ms
    # One fixed shape: text order is time order.
    assert (text < format_rfc3339_ms(other)) == (ms < other)
