"""Link keys: network prefixes, identity keys, and the records carrying them onwards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.linking import (
    HOUR_MS,
    KINDS,
    MAX_KEYS_PER_ACCOUNT,
    AnnouncedKeys,
    LinkUpdate,
    PairEvidence,
    harness_raw,
    identity_keys,
    kind_of,
    network_prefix,
)
from tests.factories import T0, api_call


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.17", "203.0.113"),
        ("203.0.113.254", "203.0.113"),
        ("10.0.0.1", "10.0.0"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
        ("2001:db8:abcd:ffff:1:2:3:4", "2001:db8:abcd::"),
        ("2001:0DB8:ABCD:0012:0000:0000:0000:0001", "2001:db8:abcd::"),  # one form per net
        ("::1", "::"),
    ],
)
def test_network_prefix_is_the_slash_24_or_slash_48(ip: str, prefix: str) -> None:
    assert network_prefix(ip) == prefix


def test_network_prefix_separates_networks() -> None:
    assert network_prefix("203.0.113.17") != network_prefix("203.0.114.17")
    assert network_prefix("2001:db8:abcd::1") != network_prefix("2001:db8:abce::1")


@pytest.mark.parametrize("ip", ["", "garbage", "2001:db8::/48", "fe80::zz", "::1::2"])
def test_network_prefix_of_invalid_input_is_none(ip: str) -> None:
    assert network_prefix(ip) is None


@pytest.mark.parametrize("ip", ["not.an.ip", "999.1.2.3", "1.2.3", "1.2.3.4/24"])
def test_network_prefix_of_invalid_dotted_input_is_none(ip: str) -> None:
    assert network_prefix(ip) is None


def test_ipv4_mapped_addresses_keep_their_ipv4_network() -> None:
    assert network_prefix("::ffff:198.51.100.7") != network_prefix("::ffff:203.0.113.9")


def test_identity_keys_of_every_field() -> None:
    created = T0 - 3 * 24 * HOUR_MS + 15 * 60_000  # 2026-11-20T08:15Z
    event = api_call(
        "a",
        payment_fingerprint="card-1",
        tls_fingerprint="ja3-x",
        user_agent="curl/8.4",
        ip="198.51.100.23",
        asn=64500,
        system_prompt_hash="sys-h",
        org_id="org-9",
        account_created_ms=created,
        signup_channel="api",
        prompt="never a key",
        model="m-1",
    )
    keys = identity_keys(event)
    assert keys == (
        "pay:card-1",
        "tls:ja3-x",
        "ua:curl/8.4",
        "net:198.51.100",
        "asn:64500",
        "sys:sys-h",
        "org:org-9",
        f"cohort:{created // HOUR_MS}:api",
    )
    assert {kind_of(k) for k in keys} <= set(KINDS)
    assert not any("never" in k for k in keys)


def test_identity_keys_of_a_bare_event_and_edge_values() -> None:
    assert identity_keys(api_call("a")) == ()
    assert identity_keys(api_call("a", asn=0)) == ("asn:0",)  # 0 is an ASN, not "absent"
    assert identity_keys(api_call("a", payment_fingerprint="", org_id="")) == ()
    assert identity_keys(api_call("a", ip="2001:db8:1:2::9")) == ("net:2001:db8:1::",)
    # Same signup hour, no channel: one cohort; another hour: another cohort.
    one = identity_keys(api_call("a", account_created_ms=T0 + 1))
    two = identity_keys(api_call("b", account_created_ms=T0 + HOUR_MS - 1))
    three = identity_keys(api_call("c", account_created_ms=T0 + HOUR_MS))
    assert one == two == (f"cohort:{T0 // HOUR_MS}:-",)
    assert three != one


def test_kind_of() -> None:
    assert kind_of("pay:abc") == "pay"
    assert kind_of("net:2001:db8::") == "net"
    assert kind_of("cohort:123:web") == "cohort"


# --- records ------------------------------------------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
_i64 = st.integers(-(2**63), 2**63 - 1)
_float = st.floats(allow_nan=False, allow_infinity=False)


@given(st.builds(LinkUpdate, _text, _text, _i64, _float, _i64))
def test_link_update_bytes_round_trip(update: LinkUpdate) -> None:
    assert LinkUpdate.from_bytes(update.to_bytes()) == update


@given(st.builds(PairEvidence, _text, _text, _float, _text, _i64, _float, _float, _i64, _i64))
def test_pair_evidence_bytes_round_trip(evidence: PairEvidence) -> None:
    assert PairEvidence.from_bytes(evidence.to_bytes()) == evidence


def test_records_carry_what_they_say() -> None:
    update = LinkUpdate("pay:card-1", "a", T0, 0.8123, 42)
    assert LinkUpdate.from_bytes(update.to_bytes()).raw == 0.8123
    evidence = PairEvidence("a", "b", 1.25, "pay:card-1", T0, 0.8, 0.7, 42, 9)
    again = PairEvidence.from_bytes(evidence.to_bytes())
    assert (again.a, again.b, again.weight, again.key) == ("a", "b", 1.25, "pay:card-1")
    assert (again.raw_a, again.raw_b, again.events_a, again.events_b) == (0.8, 0.7, 42, 9)


# --- announced keys ------------------------------------------------------------------------------


def test_announced_keys_are_capped_oldest_first() -> None:
    announced = AnnouncedKeys()
    for i in range(MAX_KEYS_PER_ACCOUNT + 5):
        assert announced.is_new(f"tpl:{i}")
        announced.remember(f"tpl:{i}", T0 + i)
        assert not announced.is_new(f"tpl:{i}")
    assert len(announced.keys) == MAX_KEYS_PER_ACCOUNT
    assert all(announced.is_new(f"tpl:{i}") for i in range(5))
    assert not announced.is_new(f"tpl:{MAX_KEYS_PER_ACCOUNT + 4}")
    # Remembering a key again makes it the most recent.
    announced.remember("tpl:5", T0 + 1000)
    announced.remember("tpl:new", T0 + 1001)
    assert not announced.is_new("tpl:5") and announced.is_new("tpl:6")


def test_announced_keys_state_round_trip() -> None:
    announced = AnnouncedKeys()
    announced.raw, announced.full_ms = 0.55, T0
    for i in range(10):
        announced.remember(f"k:{i}", T0 + i)
    again = AnnouncedKeys.from_state(announced.to_state())
    assert again.to_state() == announced.to_state()
    assert list(again.keys) == list(announced.keys)  # order (recency) kept


@given(st.floats(0.0, 1.0), st.floats(0.5, 1.0))
def test_a_harness_is_announced_just_under_the_clear_bar(raw: float, clear: float) -> None:
    announced = harness_raw(raw, clear)
    assert announced <= raw and announced < clear
    assert announced == raw or announced >= 0.98 * clear  # borderline, not dropped


def test_announced_keys_remember_a_harness_and_read_older_states() -> None:
    announced = AnnouncedKeys()
    announced.raw, announced.harness = 0.9, True
    announced.remember("tls:x", T0)
    again = AnnouncedKeys.from_state(announced.to_state())
    assert again.harness and again.to_state() == announced.to_state()
    older = [0.9, T0, 1, [["tls:x", T0]]]  # before the harness flag: four parts
    assert not AnnouncedKeys.from_state(older).harness
    assert AnnouncedKeys.from_state(older).to_state() == older  # and none written back


@given(
    st.one_of(
        st.text(max_size=20),
        st.builds(
            lambda parts: ".".join(parts),
            st.lists(
                st.one_of(st.integers(0, 300).map(str), st.sampled_from(["01", "00", "٣", ""])),
                min_size=3,
                max_size=5,
            ),
        ),
    )
)
def test_fast_ipv4_prefix_agrees_with_the_ipaddress_module(ip: str) -> None:
    from streams.core.linking import _network_prefix_parsed

    assert network_prefix(ip) == _network_prefix_parsed(ip)
