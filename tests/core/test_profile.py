import zlib

import orjson
from hypothesis import given
from hypothesis import strategies as st

from streams.core.profile import MAX_CONVERSATIONS, AccountProfile, AlertState
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


def _continues(profile: AccountProfile, conversation_id: str) -> bool:
    """Whether the account sent an earlier request of the conversation (and note it)."""
    return profile.follow(conversation_id, 0, 0) is not None


def test_a_conversation_continues_only_after_the_account_sent_it() -> None:
    profile = AccountProfile.new(api_call())
    assert not _continues(profile, "conv-1")  # first sight: remembered
    assert _continues(profile, "conv-1")
    assert not _continues(profile, "conv-2")
    assert _continues(profile, "conv-1") and _continues(profile, "conv-2")


def test_the_conversation_memory_is_bounded_and_keeps_the_latest_used() -> None:
    profile = AccountProfile.new(api_call())
    _continues(profile, "old")
    for i in range(MAX_CONVERSATIONS - 1):
        _continues(profile, f"c{i}")
    assert _continues(profile, "old")  # used again: now the most recent
    _continues(profile, "newcomer")  # evicts the least recently used (c0), not "old"
    assert len(profile.conversations) == 4 * MAX_CONVERSATIONS
    assert _continues(profile, "old")
    assert not _continues(profile, "c0")


@given(st.lists(st.text(max_size=40), max_size=200))
def test_the_conversation_memory_survives_a_checkpoint(ids: list[str]) -> None:
    profile = AccountProfile.new(api_call())
    for conversation in ids:
        _continues(profile, conversation)
    assert len(profile.conversations) <= 4 * MAX_CONVERSATIONS
    restored = AccountProfile.from_bytes(profile.to_bytes())
    assert restored.conversations == profile.conversations
    if ids:
        assert _continues(restored, ids[-1])


def test_a_checkpoint_from_before_the_conversation_memory_loads() -> None:
    profile = AccountProfile.new(api_call())
    _continues(profile, "conv-1")
    state = orjson.loads(zlib.decompress(profile.to_bytes()))
    old = AccountProfile.from_bytes(orjson.dumps(state[:30]))
    assert old.conversations == b""


def test_a_follow_up_learns_its_conversations_history_and_opener() -> None:
    profile = AccountProfile.new(api_call())
    assert profile.follow("conv-1", 150, 1800) is None  # an opener: nothing before it
    assert profile.follow("conv-2", 90, 400) is None
    assert profile.follow("conv-1", 1980, 1700) == (1950, 150)
    assert profile.follow("conv-1", 3710, 1600) == (3680, 150)
    assert profile.follow("conv-2", 520, 300) == (490, 90)


def test_an_opener_can_be_counted_at_what_it_asked_beyond_the_system_prompt() -> None:
    profile = AccountProfile.new(api_call())
    assert profile.follow("conv-1", 1150, 1800) is None
    profile.count_opener(150)  # 1,000 of its tokens were the system prompt
    assert profile.follow("conv-1", 2980, 1700) == (2950, 150)  # its history stays whole


def test_conversation_sizes_survive_a_checkpoint_and_a_checkpoint_without_them_loads() -> None:
    profile = AccountProfile.new(api_call())
    profile.follow("conv-1", 150, 1800)
    restored = AccountProfile.from_bytes(profile.to_bytes())
    assert restored.follow("conv-1", 0, 0) == (1950, 150)
    state = orjson.loads(zlib.decompress(profile.to_bytes()))
    old = AccountProfile.from_bytes(orjson.dumps(state[:33]))  # before the sizes
    assert old.follow("conv-1", 2000, 10) == (0, 0)  # known, its sizes are not
    assert old.follow("conv-1", 0, 0) == (2010, 0)


@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefghijklmnopq"), st.integers(0, 2**33), st.integers(0, 9))
    )
)
def test_conversation_sizes_stay_paired_with_their_conversation(
    calls: list[tuple[str, int, int]],
) -> None:
    """Whatever the order of conversations and evictions, a conversation's sizes are its
    own (its latest request's input plus answer, its opener's input; capped at 4 bytes
    each), and the memory stays bounded."""
    profile = AccountProfile.new(api_call())
    latest: dict[str, int] = {}
    opened: dict[str, int] = {}
    cap = 2**32 - 1
    for conversation, input_tokens, output_tokens in calls:
        sizes = profile.follow(conversation, input_tokens, output_tokens)
        if sizes is None:
            opened[conversation] = min(input_tokens, cap)
        else:
            assert sizes == (min(latest[conversation], cap), opened[conversation])
        latest[conversation] = input_tokens + output_tokens
    assert len(profile.conversation_tokens) == 2 * len(profile.conversations)
    assert len(profile.conversations) <= 4 * MAX_CONVERSATIONS
