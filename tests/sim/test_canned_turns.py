"""The opt-in ``canned_turns`` fleet: every request claims a conversation it never held."""

from __future__ import annotations

import pytest

from streams.core.event import ApiCall
from tests.sim.conftest import SimRun, extra_labels, run_with_extra

NAME = "canned_turns"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    return run_with_extra(tmp_path_factory, NAME, seed=11, scale=0.2)


@pytest.fixture(scope="module")
def events(run: SimRun) -> list[ApiCall]:
    return run.of(NAME)


def test_only_with_extra(sim: SimRun, run: SimRun, events: list[ApiCall]) -> None:
    rows = extra_labels(sim, run, NAME)
    assert len(rows) >= 5 and {e.account_id for e in events} == {r["account_id"] for r in rows}
    assert {(r["label"], r["campaign_id"]) for r in rows} == {("attack", "camp-08-canned_turns")}


def test_every_request_is_turn_two_of_a_conversation_never_seen_before(
    events: list[ApiCall],
) -> None:
    assert events and {e.turn for e in events} == {2}
    conversations = [e.conversation_id for e in events]
    assert None not in conversations
    # Retries after a 429 repeat their conversation; nothing else does.
    by_conversation: dict[object, set[str]] = {}
    for e in events:
        by_conversation.setdefault(e.conversation_id, set()).add(e.account_id)
    assert all(len(holders) == 1 for holders in by_conversation.values())
    assert len(by_conversation) > 0.9 * len(events)


def test_the_canned_history_is_in_the_input(events: list[ApiCall]) -> None:
    """A canned first turn of about 350 tokens sits in every answered request's input."""
    answered = [e for e in events if e.status == 200]
    assert answered and min(e.input_tokens for e in answered) > 200


def test_accounts_share_no_card_or_organisation(events: list[ApiCall]) -> None:
    for key in ("payment_fingerprint", "org_id"):
        holders: dict[object, set[str]] = {}
        for e in events:
            holders.setdefault(getattr(e, key), set()).add(e.account_id)
        assert all(len(h) == 1 for h in holders.values()), key
