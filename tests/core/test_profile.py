import zlib

import orjson

from streams.core.profile import AccountProfile, AlertState
from tests.factories import T0, api_call


def test_update_counts_tokens_ips_asns_and_errors() -> None:
    profile = AccountProfile.new(api_call())
    for i in range(5):
        profile.update(
            api_call(
                ts_ms=T0 + i * 1000,
                ip=f"10.0.0.{i % 3}",
                asn=64500 + i % 2,
                status=429 if i == 4 else 200,
            ),
            position=i,
        )
    assert profile.requests == 5
    assert profile.output_tokens == 2500
    assert profile.ips.estimate() == 3
    assert profile.asns.estimate() == 2
    assert profile.errors == 1
    assert profile.last_position == 4
    assert profile.window_total(300, "requests") == 5


def test_age_prefers_account_creation_time() -> None:
    profile = AccountProfile.new(api_call())
    profile.update(api_call(account_created_ms=T0 - 86_400_000), 0)
    assert profile.age_s(T0) == 86_400
    first = api_call(ts_ms=T0 + 60_000)
    fresh = AccountProfile.new(first)
    fresh.update(first, 0)
    assert fresh.age_s(T0 + 60_000) == 0  # no creation time: age counts from first sight
    assert fresh.age_s(T0 + 120_000) == 60


def test_serialisation_round_trip_is_lossless() -> None:
    profile = AccountProfile.new(api_call())
    for i in range(20):
        profile.update(api_call(ts_ms=T0 + i * 60_000, ip=f"1.2.3.{i}", signup_channel="edu"), i)
    profile.alert = AlertState("acct-x", 2, "high", T0)
    restored = AccountProfile.from_bytes(profile.to_bytes())
    assert restored.to_bytes() == profile.to_bytes()
    assert restored.summary() == profile.summary()


def test_state_carries_no_prompt_text() -> None:
    profile = AccountProfile.new(api_call())
    profile.update(api_call(prompt="CANARY-PROMPT-TEXT tell me everything"), 0)
    assert b"CANARY" not in profile.to_bytes()
    assert "CANARY" not in str(profile.summary())


def test_the_last_identity_survives_the_round_trip_as_a_digest() -> None:
    profile = AccountProfile.new(api_call())
    profile.last_identity = ("card", "tls", None, "10.0.0.1", 64512, None, None, None, "web")
    restored = AccountProfile.from_bytes(profile.to_bytes())
    assert restored.last_identity is None  # the fields themselves are not kept
    assert restored.identity_digest == profile.last_identity_digest() is not None
    again = AccountProfile.from_bytes(restored.to_bytes())  # read back, spilled again
    assert again.identity_digest == restored.identity_digest


def test_a_checkpoint_from_before_the_identity_digest_still_loads() -> None:
    profile = AccountProfile.new(api_call())
    state = orjson.loads(zlib.decompress(profile.to_bytes()))[:28]
    restored = AccountProfile.from_bytes(zlib.compress(orjson.dumps(state)))
    assert restored.identity_digest is None and restored.requests == profile.requests
