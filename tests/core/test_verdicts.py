"""The feedback parser (property-tested against the schema) and the verdict book."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.event import InvalidEvent
from streams.core.verdicts import Verdict, VerdictBook, VerdictParams, parse_feedback, pulled
from tests.test_schemas import validator

TS = "2026-11-23T08:00:00.000Z"
SECRET = "zebra-SECRET-42"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
ids = st.text(min_size=1, max_size=128)
feedback_docs = st.fixed_dictionaries(
    {},
    optional={
        "account_id": ids | json_values,
        "campaign_id": ids | json_values,
        "verdict": st.sampled_from(["abuse", "benign", "maybe", ""]) | json_values,
        "ts": st.sampled_from([TS, "2026-11-23T08:00:00+02:00", "yesterday", ""]) | json_values,
        "analyst": st.text() | json_values,
        "note": st.text() | json_values,
        "extra": json_values,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_verdict_or_a_contract_error(raw: bytes) -> None:
    try:
        parse_feedback(raw)
    except InvalidEvent as exc:
        assert exc.reason


@settings(max_examples=500, deadline=None)
@given(feedback_docs)
def test_accepted_records_are_exactly_the_schema_valid_ones(doc: dict[str, Any]) -> None:
    raw = orjson.dumps(doc)
    schema_ok = validator("feedback.schema.json").is_valid(doc)
    try:
        verdict = parse_feedback(raw)
    except InvalidEvent as exc:
        # Stricter than the schema only on id length (the contract's 1..128 for ids).
        lengths = [
            len(doc[k]) for k in ("account_id", "campaign_id") if isinstance(doc.get(k), str)
        ]
        assert not schema_ok or any(not 1 <= n <= 128 for n in lengths), exc.reason
        return
    assert schema_ok
    assert verdict.abuse == (doc["verdict"] == "abuse")
    assert (verdict.account_id, verdict.campaign_id) == (
        doc.get("account_id"),
        doc.get("campaign_id"),
    )


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"verdict": "abuse", "ts": TS}, "missing_field"),
        ({"account_id": "a", "ts": TS}, "missing_field"),
        ({"account_id": "a", "verdict": SECRET, "ts": TS}, "out_of_range"),
        ({"account_id": "a", "verdict": "benign", "ts": SECRET}, "bad_ts"),
        ({"account_id": "a", "verdict": "benign", "ts": 1_795_420_800_000}, "wrong_type"),
        ({"account_id": 7, "verdict": "benign", "ts": TS}, "wrong_type"),
        # A null id beside a valid one is still not a string (the schema rejects it too).
        ({"account_id": None, "campaign_id": "c", "verdict": "abuse", "ts": TS}, "wrong_type"),
        ({"account_id": "a", "verdict": "benign", "ts": TS, "note": 3}, "wrong_type"),
        ([SECRET], "not_object"),
    ],
)
def test_errors_name_the_problem_never_the_value(doc: Any, reason: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_feedback(orjson.dumps(doc))
    assert caught.value.reason == reason
    assert SECRET not in str(caught.value)


def test_the_same_decision_has_the_same_id_and_a_different_one_does_not() -> None:
    one = parse_feedback(
        orjson.dumps({"account_id": "a", "verdict": "benign", "ts": TS, "note": "x"})
    )
    again = parse_feedback(
        orjson.dumps({"account_id": "a", "verdict": "benign", "ts": TS, "note": "y"})
    )
    other = parse_feedback(orjson.dumps({"account_id": "a", "verdict": "abuse", "ts": TS}))
    assert one.verdict_id == again.verdict_id != other.verdict_id
    assert Verdict.from_row(orjson.loads(orjson.dumps(one.to_row()))) == one


# --- the book -----------------------------------------------------------------------------


def test_a_verdict_holds_for_its_ttl_and_the_latest_one_wins() -> None:
    book = VerdictBook(VerdictParams(ttl_ms=1000))
    book.record(Verdict("1", "a", None, False, 0))
    assert book.status("a", 999) is False and book.status("b", 0) is None
    book.record(Verdict("2", "a", None, True, 500))
    assert book.status("a", 1499) is True
    assert book.status("a", 1500) is None and "a" not in book.accounts


def test_the_book_is_bounded() -> None:
    book = VerdictBook(VerdictParams(max_accounts=3, window=2))
    for i in range(10):
        book.record(Verdict(str(i), f"a{i}", None, False, i))
        book.learn(str(i), {"x": float(i)}, bool(i % 2), 100)
    assert list(book.accounts) == ["a7", "a8", "a9"]
    assert list(book.examples) == ["8", "9"]
    assert not book.learn("9", {"x": 9.0}, True, 100)  # already known as is
    assert book.learn("9", {"x": 0.5}, True, 100)  # refreshed: replaced, not added
    assert list(book.examples) == ["8", "9"] and book.example("9") == {"x": 0.5}


def test_an_example_lapses_with_its_verdict() -> None:
    book = VerdictBook(VerdictParams(radius=1.0))
    book.learn("judged", {"x": 0.0}, False, until=1000)
    assert book.pull({"x": 0.0}, now=999)[1] > 0
    assert book.pull({"x": 0.0}, now=1000) == (0.0, 0.0)
    assert not book.examples


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from("abcd"), st.floats(0, 1), min_size=1),
            st.booleans(),
        ),
        max_size=12,
    ),
    st.dictionaries(st.sampled_from("abcd"), st.floats(0, 1), min_size=1),
    st.floats(0, 1),
)
def test_pull_stays_between_the_score_and_the_neighbours_and_survives_a_restore(
    examples: list[tuple[dict[str, float], bool]], probe: dict[str, float], score: float
) -> None:
    book = VerdictBook(VerdictParams(window=8))
    for i, (vector, abuse) in enumerate(examples):
        book.learn(str(i), vector, abuse, 10**12)
    target, strength = book.pull(probe, 0)
    assert 0.0 <= target <= 1.0 and 0.0 <= strength <= book.params.max_pull
    adjusted = pulled(score, target, strength)
    assert min(score, target) - 1e-9 <= adjusted <= max(score, target) + 1e-9
    restored = VerdictBook.from_bytes(book.to_bytes(), VerdictParams(window=8))
    assert restored.pull(probe, 0) == (target, strength)
    if strength == 0:
        assert adjusted == score  # unlike every example: untouched
