"""Harvest score terms: each signal moves the score the right way; raw and confidence."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.alerts import Reason
from streams.core.behaviour import Behaviour
from streams.core.reasons import account_reasons, severity_for, term_detail
from streams.core.scoring import (
    CONTENT_SIGNALS,
    SIGNALS,
    WEIGHTS,
    Term,
    confidence,
    content_score,
    context_term,
    lone_confidence,
    lone_raw_score,
    pooled_terms,
    raw_score,
    recent_score,
    suspect_score,
    templated_share,
    terms,
)
from tests.factories import observation

MINUTE = 60_000


def behaviour(n: int = 40, every: int = MINUTE, **pattern: Any) -> Behaviour:
    """``n`` events; a value in ``pattern`` may be a function of the event index."""
    b = Behaviour()
    for i in range(n):
        fields = observation(text_seen=True, template_repeat=False)
        for name, value in pattern.items():
            fields[name] = value(i) if callable(value) else value
        b.observe(i * every, **fields)
    return b


def value(b: Behaviour, code: str) -> float:
    return next(t.value for t in terms(b) if t.code == code)


def figure(b: Behaviour, code: str) -> float:
    return next(t.figure for t in terms(b) if t.code == code)


def every_nth(k: int) -> Any:
    return lambda i: i % k == 0


# --- each term's direction ------------------------------------------------------------------


def test_output_heavy_grows_with_output_per_input() -> None:
    ratios = [0.5, 1, 2, 4, 8, 30]
    values = [value(behaviour(output_tokens=int(100 * r)), "output_heavy") for r in ratios]
    assert values[0] == 0.0 and values[1] == 0.0  # 1:1 and less: no evidence
    assert values[2] == pytest.approx(1 / 3) and values[3] == pytest.approx(2 / 3)
    assert values[4] == 1.0 and values[5] == 1.0  # 8:1 and above: full
    assert figure(behaviour(output_tokens=3000), "output_heavy") == 30.0
    assert value(behaviour(input_tokens=0, output_tokens=0), "output_heavy") == 0.0


def test_follow_ups_lower_single_turn() -> None:
    values = [value(behaviour(follow_up=every_nth(k)), "single_turn") for k in (20, 10, 3, 2)]
    assert value(behaviour(follow_up=False), "single_turn") == 1.0
    assert 1.0 > values[0] > values[1] > values[2] == values[3] == 0.0  # 1 in 3: a chat
    assert figure(behaviour(follow_up=every_nth(2)), "single_turn") == pytest.approx(0.5, abs=1e-3)


def test_cot_and_rubric_prompts_raise_harvest_prompts_only_when_single_turn() -> None:
    plain = value(behaviour(), "harvest_prompts")
    some = value(behaviour(cot=lambda i: 0.9 if i % 10 == 0 else 0.0), "harvest_prompts")
    cot = value(behaviour(cot=0.9), "harvest_prompts")
    rubric = value(behaviour(rubric=0.9), "harvest_prompts")
    assert plain == 0.0 < some < cot == rubric == 1.0
    # Asking for reasoning inside a conversation is what people do: it does not count.
    assert value(behaviour(cot=0.9, follow_up=True), "harvest_prompts") == 0.0
    # Only read prompts count: unread ones neither add nor dilute.
    half_read = behaviour(cot=0.9, text_seen=every_nth(2))
    assert figure(half_read, "harvest_prompts") == pytest.approx(0.9, abs=1e-3)


def test_max_tokens_hits_raise_max_tokens_hit() -> None:
    values = [value(behaviour(max_tokens_hit=every_nth(k)), "max_tokens_hit") for k in (50, 10, 4)]
    assert value(behaviour(), "max_tokens_hit") == 0.0
    assert 0.0 < values[0] < values[1] < values[2] == 1.0


def test_capability_sweep_needs_spread_topics_and_enough_prompts() -> None:
    sweep = value(behaviour(topic=lambda i: 1 + i % 12), "capability_sweep")
    one_domain = value(behaviour(topic=3), "capability_sweep")
    few = value(behaviour(n=6, topic=lambda i: 1 + i % 6), "capability_sweep")
    assert one_domain == 0.0
    assert sweep == pytest.approx(1.0, abs=0.01)
    assert 0.0 < few < sweep  # spread, but too few prompts to trust it
    assert value(behaviour(topic=lambda i: 1 + i % 12, text_seen=False), "capability_sweep") == 0


def test_new_model_rush_grows_with_traffic_on_a_release() -> None:
    values = [value(behaviour(new_model=every_nth(k)), "new_model_rush") for k in (10, 5, 3, 1)]
    assert value(behaviour(), "new_model_rush") == 0.0
    assert 0.0 < values[0] < values[1] < values[2] < values[3] == 1.0


def test_fixed_sampling_needs_the_same_temperature_every_time() -> None:
    fixed = value(behaviour(n=200, temperature=0.0), "fixed_sampling")
    varied = value(behaviour(n=200, temperature=lambda i: (0.2, 0.7, 1.0)[i % 3]), "fixed_sampling")
    mostly = value(behaviour(n=200, temperature=lambda i: 0.3 if i % 50 else 0.9), "fixed_sampling")
    assert fixed == pytest.approx(1.0, abs=0.06)  # the first request has nothing to repeat
    assert varied == 0.0
    assert 0.0 < mostly < fixed
    assert value(behaviour(temperature=None), "fixed_sampling") == 0.0  # unknown is not fixed


def test_rate_limits_raise_pressure_but_other_errors_do_not() -> None:
    limited = value(behaviour(status=lambda i: 429 if i % 10 == 0 else 200), "rate_limit_pressure")
    errors = value(behaviour(status=lambda i: 500 if i % 10 == 0 else 200), "rate_limit_pressure")
    assert limited == pytest.approx(1.0, abs=0.01)
    assert errors == 0.0
    assert value(behaviour(status=None), "rate_limit_pressure") == 0.0


def test_templated_share_counts_read_prompts_replaying_own_templates() -> None:
    assert templated_share(behaviour()) == 0.0
    assert templated_share(behaviour(template_repeat=every_nth(2))) == pytest.approx(0.5, abs=0.02)
    assert templated_share(behaviour(template_repeat=True)) == 1.0
    # A share of *read* prompts: unread events do not dilute it.
    assert templated_share(behaviour(template_repeat=True, text_seen=every_nth(3))) == 1.0


# --- raw score and confidence ------------------------------------------------------------------

HARVEST: dict[str, Any] = {
    "output_tokens": 3000,
    "cot": 0.9,
    "max_tokens_hit": True,
    "topic": lambda i: 1 + i % 12,
    "temperature": 0.0,
}


def test_raw_score_of_no_evidence_and_of_everything() -> None:
    assert raw_score(terms(behaviour(follow_up=True))) == 0.0
    everything = behaviour(**HARVEST, new_model=True, status=lambda i: 429 if i % 10 == 0 else 200)
    assert raw_score(terms(everything)) == pytest.approx(1.0, abs=0.01)
    # Without a release or a ready context model, those terms weigh nothing.
    unobserved = WEIGHTS["new_model_rush"] + WEIGHTS["risky_context"]
    assert raw_score(terms(behaviour(**HARVEST), releases=False)) == pytest.approx(
        1 - WEIGHTS["rate_limit_pressure"] / (sum(WEIGHTS.values()) - unobserved), abs=0.02
    )
    assert raw_score([]) == 0.0
    assert raw_score(terms(everything, frozenset(SIGNALS))) == 0.0  # all off: no division by 0


def test_terms_cover_every_signal_and_disabled_ones_weigh_nothing() -> None:
    b = behaviour(**HARVEST)
    full = terms(b, context=0.9)
    assert [t.code for t in full] == list(SIGNALS)
    assert [t.weight for t in full] == [WEIGHTS[c] for c in SIGNALS]
    ablated = terms(b, frozenset({"output_heavy"}), context=0.9)
    assert {t.code: t.weight for t in ablated}["output_heavy"] == 0.0
    assert {t.code: t.value for t in ablated} == {t.code: t.value for t in full}
    assert raw_score(ablated) < raw_score(full)


_pattern = st.fixed_dictionaries(
    {
        "n": st.integers(0, 30),
        "every": st.integers(0, 3 * 3_600_000),
        "output_tokens": st.integers(0, 100_000),
        "input_tokens": st.integers(0, 100_000),
        "cot": st.floats(0, 1),
        "rubric": st.floats(0, 1),
        "follow_up": st.booleans(),
        "max_tokens_hit": st.booleans(),
        "new_model": st.booleans(),
        "template_repeat": st.booleans(),
        "topic": st.integers(0, 40),
        "temperature": st.none() | st.floats(0, 2),
        "status": st.none() | st.sampled_from([200, 400, 429, 500]),
    }
)


@given(_pattern, st.sets(st.sampled_from(SIGNALS)))
def test_raw_score_and_every_term_stay_within_zero_and_one(
    pattern: dict[str, Any], disabled: set[str]
) -> None:
    b = behaviour(**pattern)
    ts = terms(b, frozenset(disabled))
    assert all(0.0 <= t.value <= 1.0 for t in ts)
    assert 0.0 <= raw_score(ts) <= 1.0 + 1e-12
    assert 0.0 <= templated_share(b) <= 1.0 + 1e-12


def test_confidence_shrinks_with_few_events_and_approaches_raw_with_many() -> None:
    raw = 0.8
    assert confidence(raw, 0, 30.0) == 0.0
    assert confidence(raw, 3, 30.0) == pytest.approx(raw * 3 / 33)
    assert confidence(raw, 30, 30.0) == pytest.approx(raw / 2)
    series = [confidence(raw, n, 30.0) for n in (1, 10, 100, 1000, 100_000)]
    assert series == sorted(series) and all(c < raw for c in series)
    assert series[-1] == pytest.approx(raw, rel=1e-3)
    assert confidence(0.0, 10_000, 30.0) == 0.0


@given(st.floats(0, 1), st.floats(0, 1e6), st.floats(0.1, 1000))
def test_confidence_is_never_above_raw(raw: float, events: float, prior: float) -> None:
    assert 0.0 <= confidence(raw, events, prior) <= raw


# --- reasons ------------------------------------------------------------------------------------


def test_reasons_rank_signals_by_their_share_of_the_score() -> None:
    ts = terms(behaviour(**HARVEST))
    reasons = account_reasons(ts)
    assert 1 <= len(reasons) <= 5
    shares = [r.weight for r in reasons]
    assert shares == sorted(shares, reverse=True)
    assert reasons[0].code in ("output_heavy", "harvest_prompts")  # the heaviest, both full
    assert {r.code for r in reasons} <= {t.code for t in ts if t.points > 0}
    points = {t.code: t.points for t in ts}
    total = sum(points.values())
    for r in reasons:
        assert r.weight == pytest.approx(points[r.code] / total, abs=1e-3)
    assert len(account_reasons(ts, limit=2)) == 2


def test_reason_details_quote_the_figures() -> None:
    detail = term_detail(Term("output_heavy", 3.0, 1.0, 34.1333))
    assert detail.startswith("34.1 output tokens per input token")
    assert term_detail(Term("max_tokens_hit", 1.5, 1.0, 0.25)).startswith("25% of answers")
    assert term_detail(Term("capability_sweep", 1.0, 1.0, 0.8123)).startswith("topic spread 0.81 ")
    assert term_detail(Term("rate_limit_pressure", 0.5, 1.0, 0.07)).startswith("7% of requests")
    for code in SIGNALS:  # every signal has a detail
        assert term_detail(Term(code, 1.0, 1.0, 0.5))


def test_no_evidence_still_gives_one_reason() -> None:
    assert account_reasons(terms(behaviour(follow_up=True))) == (
        Reason("harvest_pattern", "harvest-like behaviour", 1.0),
    )


@pytest.mark.parametrize(
    ("score", "severity"),
    [(0.0, "low"), (0.4999, "low"), (0.5, "medium"), (0.6999, "medium"), (0.7, "high"),
     (0.8499, "high"), (0.85, "critical"), (1.0, "critical")],
)  # fmt: skip
def test_severity_bounds(score: float, severity: str) -> None:
    assert severity_for(score) == severity


def test_context_term_is_silent_until_the_model_is_ready_and_below_even_odds() -> None:
    assert context_term(None).weight == 0.0
    assert context_term(0.45).points == 0.0
    assert context_term(0.7).points == pytest.approx(WEIGHTS["risky_context"] * 0.5)
    assert context_term(0.95).value == 1.0
    assert context_term(0.95, frozenset({"risky_context"})).weight == 0.0


def test_a_release_day_rush_raises_raw_but_not_the_lone_account_confidence() -> None:
    """Benchmark customers evaluate a model on its release day; a *group* doing so is the
    release pivot, which the raw score (suspects, campaign pooling) still carries."""
    rushing = terms(behaviour(**HARVEST, new_model=True))
    steady = terms(behaviour(**HARVEST))
    assert raw_score(rushing) > raw_score(steady)
    assert lone_raw_score(rushing) == pytest.approx(lone_raw_score(steady))


def scripted_prototype(reasoning_every: int) -> list[Term]:
    """A hackathon team's prototype: fresh single-turn prompts at one temperature to the
    model released that morning, one in ``reasoning_every`` asking for reasoning,
    answers three times the prompt."""
    return terms(
        behaviour(
            output_tokens=300,
            cot=lambda i: 0.9 if i % reasoning_every == 0 else 0.0,
            temperature=0.7,
            new_model=True,
        )
    )


def test_a_scripted_prototype_is_no_suspect_but_a_harvester_is() -> None:
    """A hackathon team's fresh single-turn prompts at one temperature to the model
    released that morning, a few asking for reasoning, answers three times the prompt:
    automated use, scored half harvest-like on how it calls the API. What it asks for
    and gets back is not harvesting, and that is what it is announced with."""
    prototype = scripted_prototype(reasoning_every=5)
    assert raw_score(prototype) >= 0.5  # a suspect on its usage pattern alone
    assert content_score(prototype) < 0.5
    assert suspect_score(prototype) == pytest.approx(content_score(prototype))
    harvester = terms(behaviour(**HARVEST))
    assert content_score(harvester) > raw_score(harvester)
    assert suspect_score(harvester) == pytest.approx(raw_score(harvester))


def test_without_content_signals_the_suspect_score_is_the_raw_score() -> None:
    """Ablation switching every content signal off leaves nothing to cap with."""
    ts = terms(behaviour(temperature=0.0, new_model=True), disabled=CONTENT_SIGNALS)
    assert raw_score(ts) > 0.0
    assert suspect_score(ts) == pytest.approx(raw_score(ts))


def test_without_prompt_text_the_content_is_what_the_answers_show() -> None:
    """No prompt read: the reasoning-ask signal is unobservable, not evidence of none."""
    ts = terms(behaviour(output_tokens=3000, temperature=0.0, text_seen=False))
    assert content_score(ts) < 0.5 <= content_score(ts, prompts=False)
    assert suspect_score(ts, 0.5, prompts=False) == pytest.approx(raw_score(ts))


@given(st.lists(st.tuples(st.floats(0.0, 3.0), st.floats(0.0, 1.0)), min_size=9, max_size=9))
def test_a_suspect_reaches_the_bar_on_its_score_and_on_its_content(
    values: list[tuple[float, float]],
) -> None:
    """Never above the raw score; at or above the suspect bar exactly when both the raw
    score and the content share are, and then the raw score whole (a fleet's clear
    suspects stay clear)."""
    ts = [Term(c, w, v, 0.0) for c, (w, v) in zip(SIGNALS, values, strict=True)]
    suspect, raw = suspect_score(ts, 0.5), raw_score(ts)
    assert 0.0 <= suspect <= raw + 1e-12
    if any(t.weight > 0.0 for t in ts if t.code in CONTENT_SIGNALS):
        assert (suspect >= 0.5) == (raw >= 0.5 and content_score(ts) >= 0.5)
        if content_score(ts) >= 0.5:
            assert suspect == raw


@given(
    st.lists(st.tuples(st.floats(0.0, 3.0), st.floats(0.0, 1.0)), min_size=9, max_size=9),
    st.floats(0.0, 1.0),
)
def test_recent_requests_count_only_when_their_content_is_clearly_harvesting(
    values: list[tuple[float, float]], content_bar: float
) -> None:
    """The recent view says nothing (0) unless its content share reaches the bar; then
    it is the suspect score of those requests, never more."""
    ts = [Term(c, w, v, 0.0) for c, (w, v) in zip(SIGNALS, values, strict=True)]
    score = recent_score(ts, 0.5, content_bar)
    if content_score(ts) < content_bar:
        assert score == 0.0
    else:
        assert score == suspect_score(ts, 0.5)


def test_a_burst_of_borderline_content_is_not_a_switch_but_harvesting_is() -> None:
    """A hackathon's scripted prototype over its last requests: borderline content, no
    switch. A harvester's last requests: clearly harvesting, announced at their score."""
    prototype = scripted_prototype(reasoning_every=3)
    assert 0.5 <= content_score(prototype) < 0.75  # borderline
    assert recent_score(prototype, 0.5, 0.75) == 0.0
    harvester = terms(behaviour(**HARVEST))
    assert recent_score(harvester, 0.5, 0.75) == pytest.approx(raw_score(harvester))


def test_self_templated_prompts_discount_the_lone_account_confidence() -> None:
    """A quarter of the prompts replaying the account's own templates is a quarter less
    evidence of new harvest: a slope, not only the 30 % cliff."""
    ts = terms(behaviour(**HARVEST))
    fresh = lone_confidence(ts, 0.0, 100, 30.0)
    assert fresh == pytest.approx(confidence(lone_raw_score(ts), 100, 30.0))
    assert lone_confidence(ts, 0.25, 100, 30.0) == pytest.approx(0.75 * fresh)


_term_values = st.lists(
    st.tuples(st.floats(0.0, 3.0), st.floats(0.0, 1.0), st.floats(-1e6, 1e6)),
    min_size=len(SIGNALS) + 1,
    max_size=len(SIGNALS) + 1,
)


@given(st.lists(st.tuples(_term_values, st.integers(1, 10_000)), min_size=1, max_size=8))
def test_pooled_workloads_score_between_their_parts(
    parts: list[tuple[list[tuple[float, float, float]], int]],
) -> None:
    """Pooling is a request-weighted mean of the parts' evidence: the pooled raw score
    lies between the parts' lowest and highest, and one part pools to itself."""
    codes = [*SIGNALS, "risky_context"]
    built = [
        ([Term(c, w, v, f) for c, (w, v, f) in zip(codes, values, strict=True)], n)
        for values, n in parts
    ]
    pooled = pooled_terms(built)
    assert [t.code for t in pooled] == codes
    raws = [raw_score(ts) for ts, _ in built if sum(t.weight for t in ts) > 0]
    if raws:
        assert min(raws) - 1e-9 <= raw_score(pooled) <= max(raws) + 1e-9
    one = pooled_terms(built[:1])
    assert [round(t.points, 9) for t in one] == [round(t.points, 9) for t in built[0][0]]
