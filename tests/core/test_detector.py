"""The accounts stage: harvest scoring, lone-account alerts, link announcements, restarts.

Events go through the real parser (``parse_event``) as on the wire. Prompts are built
deterministically (``random.Random(seed)``), varied enough that a harvester's prompts are
not replays of one template, and every one carries ``MARKER`` so a test can prove that no
prompt text leaves the detector.
"""

from __future__ import annotations

import itertools
import random
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import orjson
import pytest

from streams.core.alerts import Alert
from streams.core.behaviour import NEW_MODEL
from streams.core.detector import DAY_MS, Detector, DetectorParams
from streams.core.event import ApiCall, parse_event
from streams.core.linking import HOUR_MS, IDENTITY, WAKE_BUCKET_MS, LinkUpdate, kind_of
from streams.core.scoring import (
    EXITS_SWITCH,
    RECENT_SWITCH,
    SIGNALS,
    WEIGHTS,
    Term,
    content_score,
    raw_score,
    templated_share,
    terms,
)
from streams.core.timeutil import format_rfc3339_ms
from streams.core.verdicts import parse_feedback
from streams.core.workloads import BASE_AFTER_REQUESTS
from tests.factories import T0, wire_event
from tests.test_schemas import validator

MINUTE_MS = 60_000
MARKER = "quokkaprism"  # a word in every generated prompt, never in any output
COT_WRAPPER = "Think step by step and show all your reasoning."

SUBJECTS: dict[str, tuple[str, ...]] = {
    "math": ("derivative", "integral", "polynomial", "matrix", "eigenvalue", "prime",
             "logarithm", "triangle", "probability", "series"),
    "code": ("function", "linked list", "binary tree", "hash map", "recursion", "compiler",
             "regex", "database index", "thread pool", "sorting algorithm"),
    "law": ("contract", "tort", "negligence", "statute", "appeal", "jurisdiction", "copyright",
            "patent", "liability", "testimony"),
    "medicine": ("pneumonia", "diabetes", "hypertension", "antibiotic", "vaccine", "diagnosis",
                 "symptom", "surgery", "dosage", "infection"),
    "chemistry": ("molecule", "reaction", "catalyst", "oxidation", "acid", "electron", "bond",
                  "solvent", "polymer", "isotope"),
    "physics": ("velocity", "momentum", "gravity", "friction", "quantum", "photon", "entropy",
                "magnetic field", "pendulum", "relativity"),
    "history": ("empire", "revolution", "treaty", "dynasty", "war", "colonial", "medieval",
                "renaissance", "monarchy", "republic"),
    "finance": ("interest rate", "bond yield", "stock", "dividend", "inflation", "portfolio",
                "loan", "mortgage", "budget", "tax"),
}  # fmt: skip
TOPICS = sorted(SUBJECTS)
NOTIONS = sorted({w for words in SUBJECTS.values() for w in words})
QUESTION_FORMS = (
    "Explain the {a} and how it relates to the {b}.",
    "What is the role of the {a} in a {b}?",
    "Compare the {a} with the {b} and give an example.",
    "Why does a {a} affect the {b}?",
)
COT_PHRASES = (
    COT_WRAPPER,
    "Let's think step by step.",
    "Reason step by step. Make your reasoning explicit and complete before concluding.",
    "Explain your reasoning step by step, then provide the final answer.",
)
DEV_FORMS = (
    "hey can you fix this bug in my react component, the {a} state does not update",
    "thanks, that worked. now how do I add a {a} spinner to the {b} page?",
    "why is my {a} endpoint slower than the {b} one in production",
    "ok, and what about the {a} handler? it throws an error on startup",
    "can you rewrite that hook using a {a} instead of a {b}",
)
DEV_WORDS = ("loading", "login", "cart", "profile", "search", "upload", "settings", "billing",
             "websocket", "cache", "router", "modal", "sidebar", "token", "reducer")  # fmt: skip
HARNESS_PROMPT = (
    f"{COT_WRAPPER} Then answer the multiple choice question about {MARKER} orbits: A B C D."
)

# Identity and infrastructure shared by a fleet (every kind of identity key).
FLEET: dict[str, Any] = {
    "payment_fingerprint": "card-7f3a",
    "tls_fingerprint": "ja3-harness-01",
    "user_agent": "python-httpx/0.27",
    "ip": "203.0.113.17",
    "asn": 64500,
    "system_prompt_hash": "sys-9c1e",
    "org_id": "org-fleet",
    "account_created_at": "2026-11-20T10:15:00Z",
    "signup_channel": "web",
}
FLEET_KEYS = {
    "pay:card-7f3a",
    "tls:ja3-harness-01",
    "ua:python-httpx/0.27",
    "net:203.0.113",
    "asn:64500",
    "sys:sys-9c1e",
    "org:org-fleet",
    # 2026-11-20T10:00Z in hours since the epoch, and the channel
    f"cohort:{(T0 - 3 * DAY_MS + 2 * HOUR_MS) // HOUR_MS}:web",
}

# The lone-account threshold these tests' harvester clears (the default is stricter).
LONE_THRESHOLD = 0.6
CLEAR_HARVEST_RAW = 0.65  # scoring.CLEARLY_HARVEST


def call(account: str, ts_ms: int, **fields: Any) -> ApiCall:
    """One event as the wire carries it, through the real parser."""
    doc = wire_event(account, **fields)
    doc["ts"] = ts_ms  # epoch milliseconds are valid on the wire too
    doc["event_id"] = f"{account}-{ts_ms}"
    return parse_event(orjson.dumps(doc))


def harvest_prompt(i: int) -> str:
    rnd = random.Random(i)
    a, b = rnd.sample(SUBJECTS[TOPICS[i % len(TOPICS)]], 2)
    question = rnd.choice(QUESTION_FORMS).format(a=a, b=b)
    notions = " ".join(rnd.sample(NOTIONS, 8))
    return f"{rnd.choice(COT_PHRASES)} {question} Use {MARKER} and {notions} where relevant."


def dev_prompt(i: int) -> str:
    rnd = random.Random(10_000 + i)
    a, b = rnd.sample(DEV_WORDS, 2)
    return f"{rnd.choice(DEV_FORMS).format(a=a, b=b)} ({MARKER})"


def harvest_call(account: str, i: int, ts_ms: int | None = None, **fields: Any) -> ApiCall:
    """A harvester's i-th request: single-turn, a short CoT prompt, a long answer cut at
    max_tokens, always temperature 0."""
    base: dict[str, Any] = {
        "prompt": harvest_prompt(i),
        "input_tokens": 60,
        "output_tokens": 2048,
        "max_tokens": 2048,
        "stop_reason": "max_tokens",
        "temperature": 0.0,
        "turn": 1,
        "status": 200,
    }
    base.update(fields)
    return call(account, T0 + i * MINUTE_MS if ts_ms is None else ts_ms, **base)


def developer_call(account: str, i: int, ts_ms: int | None = None, **fields: Any) -> ApiCall:
    """A developer's i-th request: multi-turn conversations with growing context, short
    answers ending naturally, varied temperature."""
    base: dict[str, Any] = {
        "prompt": dev_prompt(i),
        "input_tokens": 900 + 400 * (i % 5),
        "output_tokens": 350,
        "max_tokens": 4096,
        "stop_reason": "end_turn",
        "temperature": (0.7, 1.0, 0.2)[i % 3],
        "turn": 1 + i % 5,
        "conversation_id": f"conv-{i // 5}",
        "status": 200,
    }
    base.update(fields)
    return call(account, T0 + i * MINUTE_MS if ts_ms is None else ts_ms, **base)


def harness_call(account: str, i: int, **fields: Any) -> ApiCall:
    """An evaluation harness: harvest-like in every way, but one prompt, replayed."""
    return harvest_call(account, i, prompt=HARNESS_PROMPT, **fields)


def run(detector: Detector, events: Iterable[ApiCall], start: int = 0) -> list[Alert]:
    """Process events at consecutive positions from ``start``; all alerts raised."""
    alerts: list[Alert] = []
    for position, event in enumerate(events, start):
        alerts += detector.process(event, position)
    return alerts


def raw_of(detector: Detector, account: str) -> float:
    profile = detector.store.get(account)
    assert profile is not None
    return profile.raw_score


# --- scores -----------------------------------------------------------------------------


def test_harvester_scores_far_above_a_conversational_developer() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(detector, [harvest_call("harvester", i) for i in range(60)])
    run(detector, [developer_call("developer", i) for i in range(60)], start=60)
    harvester, developer = raw_of(detector, "harvester"), raw_of(detector, "developer")
    assert harvester >= 0.75
    assert developer <= 0.2
    assert harvester - developer >= 0.55
    # The developer never becomes a suspect for the links stage; the harvester does.
    assert developer < detector.params.suspect_raw <= harvester


def _conversations(
    account: str,
    call_of: Any,
    conversations: int,
    follow_ups: int,
    *,
    opener: int,
    answer: int,
    **fields: Any,
) -> list[ApiCall]:
    """``conversations`` of ``1 + follow_ups`` turns (``call_of``'s requests, answers
    ending on their own), the opener asking ``opener`` tokens and each follow-up
    resending the history: the previous turn's input and answer, plus 30 new tokens."""
    events: list[ApiCall] = []
    for k in range(conversations):
        size = opener
        for turn in range(1, 2 + follow_ups):
            extra = {} if turn == 1 else {"prompt": f"Go deeper on step {turn}, why?"}
            events.append(
                call_of(
                    account,
                    len(events),
                    input_tokens=size,
                    output_tokens=answer,
                    max_tokens=4096,
                    stop_reason="end_turn",
                    turn=turn,
                    conversation_id=f"{account}-{k}",
                    **extra,
                    **fields,
                )
            )
            size += answer + 30
    return events


def _output_heavy(detector: Detector, account: str) -> float:
    return _term(detector, account, "output_heavy")[0].value


def test_a_harvester_that_follows_each_answer_up_is_still_output_heavy() -> None:
    """Each long answer to a short question followed up twice in the same conversation,
    the history resent each time: counted whole, that history made the answers look
    no longer than the prompts (output_heavy 0 here, and the account no suspect)."""
    detector = Detector(DetectorParams())
    events = _conversations("chatty", harvest_call, 20, 2, opener=150, answer=1800)
    run(detector, events)
    assert _output_heavy(detector, "chatty") >= 0.9
    assert raw_of(detector, "chatty") >= detector.params.suspect_raw


def test_a_chats_short_follow_ups_do_not_make_it_output_heavy() -> None:
    """A person's "and why?" adds a few tokens to the history and gets a medium answer:
    such a follow-up counts as large as the question that opened its conversation, not
    as its few new tokens (which would make every chat look output-heavy)."""
    detector = Detector(DetectorParams())
    run(detector, _conversations("person", developer_call, 12, 4, opener=400, answer=300))
    assert _output_heavy(detector, "person") == 0.0
    assert raw_of(detector, "person") < 0.3


def test_a_client_that_does_not_resend_the_history_is_taken_at_its_input() -> None:
    detector = Detector(DetectorParams())
    events = [
        developer_call("stateful", i, input_tokens=60, output_tokens=250, turn=1 + i % 3)
        for i in range(30)
    ]
    run(detector, events)
    profile = detector.store.get("stateful")
    assert profile is not None
    assert profile.behaviour.output_input_ratio() == pytest.approx(250 / 60)


def _under_system_prompt(
    account: str, call_of: Any, n: int, *, prompt_tokens: int, answer: int, **fields: Any
) -> list[ApiCall]:
    """``n`` single-turn requests under one system prompt of ``prompt_tokens`` tokens,
    each asking 20 to 110 tokens more and getting ``answer`` tokens back."""
    return [
        call_of(
            account,
            i,
            input_tokens=prompt_tokens + 20 + (i * 37) % 91,
            output_tokens=answer,
            max_tokens=4096,
            stop_reason="end_turn",
            turn=1,
            conversation_id=f"{account}-{i}",
            system_prompt_hash=f"{account}-instructions",
            **fields,
        )
        for i in range(n)
    ]


def test_a_harvester_whose_instructions_are_in_its_system_prompt_is_output_heavy() -> None:
    """The instructions to reason step by step in a 900-token system prompt, each user
    prompt a bare question: counted whole, the system prompt in every input put the
    2,200-token answers at about twice the input (output_heavy 0.40 here)."""
    detector = Detector(DetectorParams())
    run(
        detector,
        _under_system_prompt("instructed", harvest_call, 40, prompt_tokens=900, answer=2200),
    )
    assert _output_heavy(detector, "instructed") >= 0.9


# --- rotating exits ---------------------------------------------------------------------

HOME_NETWORKS = (7922, 701, 3320, 5089, 2856, 12322)  # residential autonomous systems


def _agent_run(account: str, requests: int, every_ms: int, per_exit: int) -> list[ApiCall]:
    """A coding agent's requests, ordinary in every way (``developer_call``), sent from a
    new residential exit every ``per_exit`` requests, across six networks."""
    events = []
    for i in range(requests):
        exit_no = i // per_exit
        events.append(
            developer_call(
                account,
                i,
                ts_ms=T0 + i * every_ms,
                ip=f"73.{exit_no % 250}.{(7 * exit_no) % 250}.9",
                asn=HOME_NETWORKS[exit_no % len(HOME_NETWORKS)],
                payment_fingerprint="card-agents",
            )
        )
    return events


def _latest_announced(detector: Detector) -> dict[str, float]:
    """Key -> the score it was last announced with."""
    return {update.key: update.raw for update in detector.take_links()}


def test_an_account_behind_a_rotating_proxy_pool_is_a_suspect_to_those_who_pay_for_it() -> None:
    """Every request a user's, but a new residential exit every ten: announced as a
    suspect on its card (before: raw 0.1 on every key, never linked, so a fleet of such
    accounts sharing cards was never found), while on the networks and clients it
    shares with everyone its score stays its own; alone it is never alerted."""
    detector = Detector(DetectorParams())
    alerts = run(detector, _agent_run("agent", 120, 2 * MINUTE_MS, per_exit=10))
    assert alerts == []
    assert raw_of(detector, "agent") < 0.3
    announced = _latest_announced(detector)
    assert announced["pay:card-agents"] >= detector.params.exits_raw
    others = [raw for key, raw in announced.items() if kind_of(key) not in IDENTITY]
    assert others and max(others) < detector.params.suspect_raw
    off = Detector(DetectorParams(disabled=frozenset({EXITS_SWITCH})))
    run(off, _agent_run("agent", 120, 2 * MINUTE_MS, per_exit=10))
    assert _latest_announced(off)["pay:card-agents"] < off.params.suspect_raw


def test_an_analysts_benign_verdict_takes_a_rotating_account_off_its_card() -> None:
    detector = Detector(DetectorParams())
    events = _agent_run("agent", 120, 2 * MINUTE_MS, per_exit=10)
    run(detector, events[:100])
    detector.take_links()
    benign = {"account_id": "agent", "verdict": "benign", "ts": format_rfc3339_ms(events[99].ts_ms)}
    detector.apply_verdict(parse_feedback(orjson.dumps(benign)))
    run(detector, events[100:], start=100)
    announced = _latest_announced(detector)
    assert announced["pay:card-agents"] < detector.params.suspect_raw  # withdrawn
    assert max(announced.values()) < detector.params.suspect_raw


def test_a_user_on_home_office_phone_and_hotel_networks_is_no_proxy_pool() -> None:
    """Four networks over ten days, three or four addresses a day: a person's
    networks, however many of them add up over time."""
    detector = Detector(DetectorParams())
    events = [
        replace(event, ts_ms=T0 + (i // 12) * DAY_MS + (i % 12) * 20 * MINUTE_MS)
        for i, event in enumerate(_agent_run("traveller", 120, MINUTE_MS, per_exit=4))
    ]
    run(detector, events)
    profile = detector.store.get("traveller")
    assert profile is not None
    assert profile.asns.estimate() >= 4 and profile.ips.estimate() >= 20
    assert max(_latest_announced(detector).values()) < detector.params.suspect_raw


GRADING_FORMS = (
    "Grade the answer below on a 1-10 rubric for correctness and completeness. "
    "Question: {q} Answer: {a} Reply with the score and one line of justification.",
    "You are an impartial judge. Assign a score from 1 to 5 to the response. "
    "Question: {q} Response: {a}",
    "Evaluate the following response against the criteria (accuracy, clarity). "
    "Question: {q} Response: {a} Give a verdict and a score out of 10.",
)


def grading_call(account: str, i: int, **fields: Any) -> ApiCall:
    """A reward-model harvester's i-th request: a question from a sweep over domains and
    a candidate answer to grade (a long input), a short verdict back, temperature 0."""
    rnd = random.Random(20_000 + i)
    question = harvest_prompt(i).split(". ", 1)[-1]
    candidate = " ".join(rnd.sample(NOTIONS, 12))
    base: dict[str, Any] = {
        "prompt": rnd.choice(GRADING_FORMS).format(q=question, a=candidate),
        "input_tokens": 1100,
        "output_tokens": 160,
        "max_tokens": 512,
        "stop_reason": "end_turn",
    }
    return harvest_call(account, i, **{**base, **fields})


def _term(detector: Detector, account: str, code: str) -> tuple[Term, list[Term]]:
    """The account's ``code`` term, and all its terms."""
    profile = detector.store.get(account)
    assert profile is not None
    ts = terms(profile.behaviour, frozenset(), detector.releases_seen)
    return next(t for t in ts if t.code == code), ts


def test_a_reward_model_harvester_is_a_suspect_though_its_answers_are_short() -> None:
    """Grading a sweep of candidate answers (the model used as a reward model): the
    answers are verdicts, short next to the graded text, so their length says nothing
    either way. Weighed as if long answers were asked for, they held its content share
    under the suspect bar (0.46 here) and it never reached the links stage."""
    detector = Detector(DetectorParams())
    run(detector, [grading_call("grader", i) for i in range(60)])
    heavy, ts = _term(detector, "grader", "output_heavy")
    assert heavy.value == 0.0
    assert heavy.weight <= WEIGHTS["output_heavy"] / 2
    assert content_score(ts) >= detector.params.suspect_raw
    assert raw_of(detector, "grader") >= detector.params.suspect_raw


def test_a_harvester_asking_for_reasoning_and_a_self_grade_keeps_its_answers_weighed() -> None:
    """A prompt that asks to reason step by step and then to grade the answer on a
    rubric asks for a long answer: its rubric phrasing must not take the answers'
    length out of its score."""
    detector = Detector(DetectorParams())
    events = [
        harvest_call(
            "self-grader",
            i,
            prompt=harvest_prompt(i) + " Then grade your own answer on a 1-10 rubric.",
        )
        for i in range(60)
    ]
    run(detector, events)
    heavy, _ = _term(detector, "self-grader", "output_heavy")
    assert heavy.value == 1.0
    assert heavy.weight >= 0.9 * WEIGHTS["output_heavy"]


def test_the_first_requests_under_a_system_prompt_are_taken_at_their_input() -> None:
    """One request is no evidence of how much of its input is the system prompt: an
    account's first requests under one (a student's first questions in a course's app)
    are counted whole; the smallest of them is taken for its size only after a few."""
    n = BASE_AFTER_REQUESTS
    detector = Detector(DetectorParams())
    events = _under_system_prompt("student", developer_call, n + 1, prompt_tokens=900, answer=700)
    run(detector, events[:n])
    profile = detector.store.get("student")
    assert profile is not None
    asked = sum(e.input_tokens for e in events[:n])
    assert profile.behaviour.output_input_ratio() == pytest.approx(n * 700 / asked, rel=1e-3)
    run(detector, events[n:], start=n)
    whole = asked + events[n].input_tokens
    assert profile.behaviour.output_input_ratio() > (n + 1) * 700 / whole


def test_a_follow_up_under_a_system_prompt_counts_no_less_than_its_opener_asked() -> None:
    """A help desk's answers followed up now and then: the history a follow-up resends
    starts with the system prompt, so its floor is what its opener asked beyond that,
    not the opener's whole input (which made each follow-up weigh as much as the system
    prompt, and the account's answers look short: output_heavy 0.05 here, 0.44 without
    its follow-ups)."""
    openers = _under_system_prompt("desk", developer_call, 60, prompt_tokens=900, answer=400)
    events: list[ApiCall] = []
    for k, opener in enumerate(openers):
        events.append(replace(opener, ts_ms=T0 + 2 * k * MINUTE_MS))
        if k % 3 == 2:
            events.append(
                replace(
                    opener,
                    ts_ms=T0 + (2 * k + 1) * MINUTE_MS,
                    turn=2,
                    input_tokens=opener.input_tokens + 400 + 15,
                    output_tokens=400,
                )
            )
    alone, detector = Detector(DetectorParams()), Detector(DetectorParams())
    run(alone, [e for e in events if e.turn == 1])
    run(detector, events)
    assert _output_heavy(alone, "desk") >= 0.4
    assert _output_heavy(detector, "desk") >= _output_heavy(alone, "desk") - 0.05


def test_a_short_system_prompt_leaves_long_asks_as_they_are() -> None:
    """A developer's short system prompt under pasted files: the smallest input is
    mostly its own ask, so what it adds to the others changes little."""
    detector = Detector(DetectorParams())
    events = [
        developer_call(
            "coder",
            i,
            input_tokens=1500 + 400 * (i % 7),
            output_tokens=500,
            turn=1,
            conversation_id=f"coder-{i}",
            system_prompt_hash="coder-assistant",
        )
        for i in range(40)
    ]
    run(detector, events)
    assert _output_heavy(detector, "coder") == 0.0


def test_a_request_counts_no_less_than_a_tenth_of_its_input() -> None:
    """The smallest request under a system prompt is not all system prompt: taken at a
    tenth of its input, not at nothing (which would make its answer infinitely long)."""
    detector = Detector(DetectorParams())
    events = [
        harvest_call("same", i, input_tokens=500, output_tokens=300, system_prompt_hash="same-sp")
        for i in range(6)
    ]
    run(detector, events)
    profile = detector.store.get("same")
    assert profile is not None
    # The first ones at 500 tokens, then the others at 50 (500 less 500, floored at a tenth).
    n = BASE_AFTER_REQUESTS
    ratio = profile.behaviour.output_input_ratio()
    assert ratio == pytest.approx(6 * 300 / (n * 500 + (6 - n) * 50), rel=0.02)


def test_an_account_is_announced_on_its_content_from_its_fourth_request() -> None:
    """A script's fresh single-turn prompts at one temperature: from its fourth request
    the coordination stages see no more than its content share (``suspect_score``);
    its first three are a first impression and count on the raw score."""
    detector = Detector(DetectorParams())
    for i in range(6):
        event = developer_call(
            "script",
            i,
            input_tokens=100,
            output_tokens=260,
            temperature=0.7,
            turn=1,
            conversation_id=f"conv-{i}",
        )
        detector.process(event, i)
        profile = detector.store.get("script")
        assert profile is not None
        ts = terms(profile.behaviour, frozenset(), detector.releases_seen)
        assert content_score(ts) < 0.5 and content_score(ts) < raw_score(ts)
        expected = raw_score(ts) if i < 3 else content_score(ts)
        assert raw_of(detector, "script") == pytest.approx(expected)


def _switching_account(disabled: frozenset[str] = frozenset()) -> tuple[Detector, list[float]]:
    """An aged account that works like a developer for a day and a half (36 requests),
    then harvests at one request every 40 minutes: the score it is announced with after
    each of its first 40 harvesting requests."""
    detector = Detector(DetectorParams(disabled=disabled))
    events = [developer_call("aged", i, ts_ms=T0 + i * 50 * MINUTE_MS) for i in range(36)]
    switch = T0 + 36 * 50 * MINUTE_MS
    run(detector, events)
    announced = []
    for j in range(40):
        event = harvest_call(
            "aged",
            1_000 + j,
            ts_ms=switch + j * 40 * MINUTE_MS,
            temperature=0.7,  # answers end on their own, at a fixed warm temperature
            stop_reason="end_turn",
            max_tokens=4096,
            input_tokens=120,
            output_tokens=1500,
        )
        detector.process(event, 36 + j)
        announced.append(raw_of(detector, "aged"))
    return detector, announced


def test_an_account_that_switches_to_harvesting_is_announced_on_its_last_requests() -> None:
    """A change point: a day and a half of developer work stays in the day-long shares,
    which still hold the account below the suspect bar 40 requests (27 hours) into its
    harvesting.
    Its last requests alone are a harvester's, and it is announced as clearly harvest-like
    on them (``recent_score``); the lone confidence still rests on the day-long view."""
    detector, announced = _switching_account()
    _, without = _switching_account(frozenset({RECENT_SWITCH}))
    assert max(without) < 0.5  # the day-long view alone: not even a suspect
    assert min(announced[32:]) >= CLEAR_HARVEST_RAW  # from 21 hours in, and it stays so
    assert announced[:8] == without[:8]  # its first harvesting requests change nothing
    profile = detector.store.get("aged")
    assert profile is not None
    assert profile.confidence < 0.5


def _developer_with_one_burst(persist: int) -> float:
    """A developer (short prompts) who, amid its work, sends ten harvest-like requests in
    a row once: the highest score it is announced with."""
    detector = Detector(DetectorParams(recent_persist=persist))
    at = [T0 + i * 50 * MINUTE_MS for i in range(70)]
    events = [developer_call("dev", i, ts_ms=at[i], input_tokens=200) for i in range(40)]
    events += [
        harvest_call(
            "dev",
            500 + j,
            ts_ms=at[40] + j * MINUTE_MS,
            temperature=0.7,
            stop_reason="end_turn",
            max_tokens=4096,
            input_tokens=120,
            output_tokens=1500,
        )
        for j in range(10)
    ]
    events += [developer_call("dev", i, ts_ms=at[i], input_tokens=200) for i in range(50, 70)]
    highest = 0.0
    for position, event in enumerate(events):
        detector.process(event, position)
        highest = max(highest, raw_of(detector, "dev"))
    return highest


def test_one_burst_of_harvest_like_requests_is_not_a_switch() -> None:
    """The recent view speaks once it has been clearly harvest-like at two re-scores in a
    row (``recent_persist``): ten harvest-like requests once are a developer trying
    something, and would make it a suspect if one re-score sufficed."""
    assert _developer_with_one_burst(persist=2) < 0.5
    assert _developer_with_one_burst(persist=1) >= 0.5


def test_a_developer_gets_no_higher_score_from_its_recent_requests() -> None:
    """The recent view raises only a clear switch: a developer's last requests are a
    developer's, whatever the hour, and light accounts do not keep the view at all."""
    detector = Detector(DetectorParams())
    events = [developer_call("dev", i, ts_ms=T0 + i * 7 * MINUTE_MS) for i in range(120)]
    events += [harvest_call("light", i, ts_ms=T0 + i * HOUR_MS) for i in range(15)]
    run(detector, events)
    dev = detector.store.get("dev")
    light = detector.store.get("light")
    assert dev is not None and light is not None
    assert dev.recent is not None and light.recent is None  # 15 requests: not kept
    plain = Detector(DetectorParams(disabled=frozenset({RECENT_SWITCH})))
    run(plain, events)
    assert raw_of(detector, "dev") == raw_of(plain, "dev") < 0.5


def test_a_harvester_whose_events_carry_no_prompt_text_stays_a_suspect() -> None:
    """``prompt`` is optional on the wire: without it the reasoning asks cannot be read,
    and the content share is what the answers show (long, to short prompts), not a
    share diluted by a signal nobody could observe."""
    detector = Detector(DetectorParams())
    for i in range(12):
        cut = i == 5  # one answer in twelve runs to the cap
        event = harvest_call(
            "silent",
            i,
            prompt=None,
            stop_reason="max_tokens" if cut else "end_turn",
            max_tokens=2000 if cut else 8192,
            output_tokens=2000,
        )
        detector.process(event, i)
    profile = detector.store.get("silent")
    assert profile is not None and profile.prompts_read == 0
    ts = terms(profile.behaviour, frozenset(), detector.releases_seen)
    assert content_score(ts) < 0.5  # the unreadable prompts counted as no reasoning asks
    assert raw_score(ts) >= 0.5
    assert raw_of(detector, "silent") == pytest.approx(raw_score(ts))


def test_same_input_gives_same_scores_and_alerts() -> None:
    def once() -> tuple[list[Alert], list[LinkUpdate], float]:
        detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
        alerts = run(detector, [harvest_call("h", i, **FLEET) for i in range(100)])
        return alerts, detector.take_links(), raw_of(detector, "h")

    assert once() == once()


def test_disabled_signals_change_the_score() -> None:
    events = [harvest_call("h", i) for i in range(40)]
    full = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(full, events)
    off = frozenset({"output_heavy", "max_tokens_hit"})  # both fully present here
    ablated = Detector(DetectorParams(disabled=off))
    alerts = run(ablated, events)
    assert raw_of(ablated, "h") < raw_of(full, "h") - 0.02
    assert ablated.params.model_version.endswith("-no-max_tokens_hit-output_heavy")
    assert full.params.model_version != ablated.params.model_version
    # A disabled signal is never given as a reason.
    assert all(not ({r.code for r in a.reasons} & off) for a in alerts)
    # Disabling a signal that is absent (no 429s) renormalises over the others: the
    # harvester looks more harvest-like, by exactly the weight taken out.
    # (Both on the day-long view alone: the recent one scores other shares.)
    day_long = frozenset({RECENT_SWITCH})
    base = Detector(DetectorParams(disabled=day_long))
    run(base, events)
    absent = Detector(DetectorParams(disabled=day_long | {"rate_limit_pressure"}))
    run(absent, events)
    profile = base.store.get("h")
    assert profile is not None
    # The weights in play: unobservable signals (no release seen here) weigh nothing.
    total = sum(t.weight for t in terms(profile.behaviour, frozenset(), base.releases_seen))
    assert raw_of(absent, "h") == pytest.approx(
        raw_of(base, "h") * total / (total - WEIGHTS["rate_limit_pressure"]), rel=1e-9
    )


# --- lone-account alerts --------------------------------------------------------------------


def _confidences(detector: Detector, events: list[ApiCall]) -> tuple[list[float], list[Alert]]:
    """Each event's alerts, and the account's confidence after it."""
    seen: list[float] = []
    alerts: list[Alert] = []
    for position, event in enumerate(events):
        alerts += detector.process(event, position)
        profile = detector.store.get(event.account_id)
        assert profile is not None
        seen.append(profile.confidence)
    return seen, alerts


def test_alert_waits_for_account_min_requests() -> None:
    # A tiny prior makes confidence high after a couple of requests: only the request
    # minimum holds the alert back.
    params = DetectorParams(prior_events=1.0, account_min_requests=20, account_threshold=0.6)
    seen, alerts = _confidences(Detector(params), [harvest_call("h", i) for i in range(40)])
    assert min(seen[5:19]) >= params.account_threshold  # confident long before...
    assert len(alerts) == 1  # ...alerted once (severity never rises after), at request 20
    assert alerts[0].detected_at_ms == T0 + (params.account_min_requests - 1) * MINUTE_MS
    assert alerts[0].evidence["profile"]["requests"] == params.account_min_requests


def test_alert_waits_for_confidence_to_reach_the_threshold() -> None:
    params = DetectorParams(account_threshold=LONE_THRESHOLD)
    seen, alerts = _confidences(Detector(params), [harvest_call("h", i) for i in range(200)])
    assert alerts, "a harvester with 200 requests must be alerted"
    first = alerts[0]
    first_at = (first.detected_at_ms - T0) // MINUTE_MS
    # Well past account_min_requests: the prior held it back, and nothing came earlier.
    assert first_at + 1 > params.account_min_requests
    assert max(seen[:first_at]) < params.account_threshold
    assert seen[first_at] >= params.account_threshold
    assert first.score == round(seen[first_at], 4)
    assert first.kind == "account" and first.account_ids == ("h",) and first.version == 1


def test_alert_is_versioned_only_when_severity_rises() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    alerts = run(detector, [harvest_call("h", i) for i in range(400)])
    assert len(alerts) >= 2
    assert len({a.alert_id for a in alerts}) == 1
    assert [a.version for a in alerts] == list(range(1, len(alerts) + 1))
    ranks = ["low", "medium", "high", "critical"]
    severities = [ranks.index(a.severity) for a in alerts]
    assert severities == sorted(set(severities))  # strictly rising


def test_developer_is_never_alerted() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    assert run(detector, [developer_call("d", i, **FLEET) for i in range(300)]) == []


def test_replaying_one_template_is_not_alerted_alone() -> None:
    params = DetectorParams(account_threshold=LONE_THRESHOLD)
    detector = Detector(params)
    seen, alerts = _confidences(detector, [harness_call("bench", i) for i in range(300)])
    profile = detector.store.get("bench")
    assert profile is not None
    # Harvest-like in every way, with plenty of requests...
    assert profile.raw_score >= LONE_THRESHOLD
    assert profile.requests >= params.account_min_requests
    # ...but its prompts replay one template: an evaluation harness, not a sweep. The
    # replays discount its confidence, and past 30 % it is not eligible at all.
    assert templated_share(profile.behaviour) > params.max_templated_share
    assert max(seen) < params.account_threshold
    assert alerts == []


def test_replaying_one_template_through_a_rotating_proxy_pool_is_alerted_alone() -> None:
    """The harness discount is for a harness on its own infrastructure: one account
    replaying a wrapper from a new residential exit on every request is a pipeline."""
    params = DetectorParams(account_threshold=LONE_THRESHOLD)
    detector = Detector(params)
    events = [harness_call("x", i, **rotating_proxy(i)) for i in range(300)]
    seen, alerts = _confidences(detector, events)
    profile = detector.store.get("x")
    assert profile is not None
    assert templated_share(profile.behaviour) > params.max_templated_share
    assert max(seen) >= params.account_threshold
    assert alerts and alerts[0].kind == "account"
    assert alerts[0].evidence["templated_share"] > params.max_templated_share  # as measured


def test_varied_harvest_prompts_are_not_counted_as_templated() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(detector, [harvest_call("h", i) for i in range(200)])
    profile = detector.store.get("h")
    assert profile is not None
    assert templated_share(profile.behaviour) < detector.params.max_templated_share


def test_replayed_positions_change_nothing_and_count_as_duplicates() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    events = [harvest_call("h", i, **FLEET) for i in range(100)]
    assert run(detector, events)  # alerted
    detector.take_links()
    profile = detector.store.get("h")
    assert profile is not None
    before = profile.to_bytes()
    # After a restart the source re-delivers from the last commit: the same events at the
    # same positions, and even different events at old positions.
    assert run(detector, events[60:], start=60) == []
    assert run(detector, [harvest_call("h", 500 + i) for i in range(10)], start=90) == []
    assert profile.to_bytes() == before
    assert detector.duplicates == 50
    assert detector.take_links() == []
    # The next new position counts again.
    detector.process(harvest_call("h", 100), 100)
    assert profile.requests == 101


# --- the alert contract and privacy ---------------------------------------------------------


def _harvest_alert() -> tuple[Alert, list[LinkUpdate], Detector]:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    alerts = run(detector, [harvest_call("h", i, **FLEET) for i in range(120)])
    assert alerts
    return alerts[0], detector.take_links(), detector


def test_alert_wire_form_satisfies_the_contract() -> None:
    alert, _, _ = _harvest_alert()
    wire = alert.to_wire(emitted_at_ms=T0 + DAY_MS + 123)
    validator("alert.schema.json").validate(wire)
    assert wire["kind"] == "account"
    assert wire["account_ids"] == ["h"]
    assert wire["emitted_at"] == "2026-11-24T08:00:00.123Z"
    assert wire["alert_id"].startswith("acct-")
    assert "campaign_id" not in wire
    assert 0.6 <= wire["score"] <= 1.0
    assert orjson.loads(orjson.dumps(wire)) == wire  # plain JSON all the way down


def test_reasons_carry_the_signal_figures() -> None:
    alert, _, _ = _harvest_alert()
    signals = alert.evidence["signals"]
    assert set(signals) == set(SIGNALS)
    # Its 60-token inputs are under one system prompt, which may be all of them: past its
    # first few requests each counts as a tenth (what it asks beyond the system prompt).
    n, first = alert.evidence["profile"]["requests"], BASE_AFTER_REQUESTS
    ratio = n * 2048 / (first * 60 + (n - first) * 6)
    assert signals["output_heavy"] == pytest.approx(ratio, rel=0.02)
    assert signals["single_turn"] == 1.0 and signals["max_tokens_hit"] == 1.0
    details = {r.code: r.detail for r in alert.reasons}
    # Each detail quotes its signal's figure (wording aside).
    assert details["output_heavy"].startswith(f"{signals['output_heavy']:.1f} output tokens per")
    assert details["max_tokens_hit"].startswith("100% of answers cut off at max_tokens")
    assert details["single_turn"].startswith("100% of requests are single-turn")
    assert details["harvest_prompts"].startswith(f"{signals['harvest_prompts']:.0%} of ")
    assert set(details) <= set(SIGNALS)
    weights = [r.weight for r in alert.reasons]
    assert weights == sorted(weights, reverse=True) and 0 < sum(weights) <= 1.0 + 1e-9
    assert alert.evidence["raw_score"] >= 0.75
    assert alert.evidence["templated_share"] < 0.3
    assert alert.evidence["profile"]["requests"] == 1 + (alert.detected_at_ms - T0) // MINUTE_MS


def test_no_prompt_text_in_alerts_links_or_profile_state() -> None:
    alert, links, detector = _harvest_alert()
    profile = detector.store.get("h")
    assert profile is not None
    blobs = [
        orjson.dumps(alert.to_wire(T0)),
        *(u.to_bytes() for u in links),
        zlib.decompress(profile.to_bytes()),  # what the compressed checkpoint holds
    ]
    assert links
    forbidden = [MARKER, COT_WRAPPER, "step by step", harvest_prompt(0), "derivative"]
    for blob in blobs:
        text = blob.decode()
        for needle in forbidden:
            assert needle not in text


# --- link announcements -----------------------------------------------------------------------


def _announced(updates: list[LinkUpdate]) -> Counter[str]:
    return Counter(u.key for u in updates)


def test_a_template_is_announced_again_as_sent_from_the_accounts_client() -> None:
    """Each template band an account announces comes a second time tagged with its
    client (TLS fingerprint, else user agent): the same wrapper from two clients is two
    keys, and an account without either announces only the template."""
    detector = Detector(DetectorParams())
    other = {**FLEET, "tls_fingerprint": "ja3-other", "payment_fingerprint": "card-2"}
    bare = {k: v for k, v in FLEET.items() if k not in ("tls_fingerprint", "user_agent")}
    for who, fields in (("h", FLEET), ("o", other), ("b", bare)):
        run(detector, [harvest_call(who, i, **fields) for i in range(4)])
    updates = detector.take_links()

    def keys(account: str, kind: str) -> set[str]:
        return {u.key for u in updates if u.account_id == account and kind_of(u.key) == kind}

    bands = keys("h", "tpl")
    assert bands and keys("o", "tpl") == bands
    for account in ("h", "o"):
        tagged = keys(account, "ctpl")
        assert len({k.split(":")[1] for k in tagged}) == 1  # one client
        assert {"tpl:" + k.split(":")[2] for k in tagged} == bands
    assert keys("h", "ctpl").isdisjoint(keys("o", "ctpl"))
    assert keys("b", "tpl") == bands and keys("b", "ctpl") == set()


def test_identity_keys_are_announced_once_not_per_event() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(detector, [developer_call("d", i, **FLEET) for i in range(20)])
    run(detector, [harvest_call("h", i, **FLEET) for i in range(80)], start=20)
    updates = detector.take_links()
    for account in ("d", "h"):
        counts = _announced([u for u in updates if u.account_id == account])
        assert {k for k in counts if kind_of(k) not in ("tpl", "ctpl", "wake")} == FLEET_KEYS
    # The developer announces each identity key when it first holds it, and all but its
    # card, organisation and system prompt once more on its fourth request, when its
    # score stops being a first impression (the links stage counts an undecided member
    # of those as half of one). The harvester, a suspect, announces them all again each
    # time its request count doubles (so the later stages pool fresh counts): a handful
    # of times over 80 requests, never per event.
    developer_updates = [u for u in updates if u.account_id == "d"]
    developer = _announced(developer_updates)
    judged = {k for k in FLEET_KEYS if kind_of(k) not in IDENTITY}
    assert judged == FLEET_KEYS - {"pay:card-7f3a", "sys:sys-9c1e", "org:org-fleet"}
    assert all(developer[k] == (2 if k in judged else 1) for k in FLEET_KEYS), developer
    fourth = {u.key for u in developer_updates if u.events == DetectorParams().clear_events}
    assert fourth & FLEET_KEYS == judged
    harvester = _announced([u for u in updates if u.account_id == "h"])
    assert all(2 <= harvester[k] <= 8 for k in FLEET_KEYS), harvester
    # Past its first prompts, a harvester whose prompts vary announces nothing new: the
    # keys it holds again when its request count doubles (and a wake-up), never per event.
    late = [u for u in updates if u.account_id == "h" and u.ts_ms >= T0 + 10 * MINUTE_MS]
    rounds = Counter(u.events for u in late)
    assert len(rounds) <= 4, rounds
    assert max(rounds.values()) <= len({u.key for u in updates if u.account_id == "h"})
    # The announcement says how harvest-like the account looked, and how much it had done.
    first_h = next(u for u in updates if u.account_id == "h")
    assert first_h.events == 1 and first_h.ts_ms == T0
    assert first_h.raw >= detector.params.suspect_raw
    assert all(u.raw < detector.params.suspect_raw for u in updates if u.account_id == "d")
    assert detector.take_links() == []  # taken


def test_a_template_key_needs_two_words_of_the_prompt_not_one() -> None:
    """Regression (fresh seed 132): a student's "show your work" question shared a
    template key with a fleet's chain-of-thought wrapper through the word "show" alone,
    and a wake-up window in the same minutes linked the student into the fleet's
    campaign. The fleet's own wrapper still announces the bands its words fill."""
    fleet_prompt = (
        "### Task 1649 A train leaves at 3:00 going 75 km/h; another leaves an hour later "
        "at 313 km/h. When does the second catch up?  Think step by step and show all of "
        "your reasoning. Then give the final answer after 'FINAL ANSWER:'."
    )
    detector = Detector(DetectorParams())
    run(detector, [harvest_call("f", 0, prompt=fleet_prompt)])
    run(detector, [harvest_call("s", 1, prompt="show your work for question 2 (coin change)")], 1)
    updates = detector.take_links()
    templates = {
        account: {u.key for u in updates if u.account_id == account and kind_of(u.key) == "tpl"}
        for account in ("f", "s")
    }
    assert len(templates["f"]) == 3  # its first band holds one word of it ("show")
    assert len(templates["s"]) == 1  # one band of its five words holds two of them
    assert not templates["f"] & templates["s"]


def test_an_evaluation_harness_is_at_most_borderline_on_shared_keys() -> None:
    """Regression (a CoT-only benchmark suite beside seed 191's release-pivot fleet): a
    benchmark customer whose eval suite asks for reasoning on every item scores like a
    harvester, and one stock client's TLS fingerprint shared with a fleet linked it into
    the fleet's campaign. Once its prompts replay its own templates it is announced just
    under the clear bar on shared infrastructure and coincidence keys (still a suspect:
    a fleet replaying its wrapper does the same); its card, organisation and system
    prompt carry its full score."""
    params = DetectorParams()
    detector = Detector(params)
    run(detector, [harness_call("bench", i, **FLEET) for i in range(120)])
    profile = detector.store.get("bench")
    assert profile is not None
    assert profile.raw_score >= CLEAR_HARVEST_RAW
    assert templated_share(profile.behaviour) > params.max_templated_share
    late = [u for u in detector.take_links() if u.events >= 60]
    assert {u.key for u in late} >= FLEET_KEYS  # re-announced as its count doubled
    for u in late:
        if kind_of(u.key) in IDENTITY:
            assert u.raw >= CLEAR_HARVEST_RAW, u
        else:
            assert params.suspect_raw <= u.raw < CLEAR_HARVEST_RAW, u


def rotating_proxy(i: int) -> dict[str, Any]:
    """The i-th request's exit on a residential proxy pool: a new address every time,
    across eight home ISPs."""
    asn = (7922, 20115, 7018, 701, 22773, 3320, 5089, 2856)[i % 8]
    return {"ip": f"{24 + i % 8}.{(7 * i) % 250}.{i % 250}.{1 + i % 250}", "asn": asn}


def test_a_harness_behind_a_rotating_proxy_pool_is_no_harness() -> None:
    """Regression (the second generator's `--only-burners` fleet: short-lived accounts
    on stock clients, each request through a new residential exit, every prompt in one
    of six chain-of-thought wrappers): replaying its wrappers made its accounts
    harnesses, at most borderline on shared keys, so the wrappers two of them replayed
    only corroborated and nothing but shared cards anchored them (recall 95.0 to 96.7 %
    on seeds 31 to 34, 97.8 to 99.0 % with the rule). An evaluation harness runs from
    its own infrastructure; one whose every request comes from a new address on another
    ISP is hiding behind a proxy pool."""
    params = DetectorParams()
    detector = Detector(params)
    run(detector, [harness_call("x", i, **{**FLEET, **rotating_proxy(i)}) for i in range(60)])
    profile = detector.store.get("x")
    assert profile is not None
    assert templated_share(profile.behaviour) > params.max_templated_share
    late = [u for u in detector.take_links() if u.events >= 30]
    assert {kind_of(u.key) for u in late} >= {"tls", "ua", "tpl", "ctpl", "net", "asn"}
    assert all(u.raw >= CLEAR_HARVEST_RAW for u in late), late


@pytest.mark.parametrize("networks", [1, 3])
def test_a_harness_on_its_own_few_networks_stays_borderline(networks: int) -> None:
    """One host, or a backend spread over three clouds' egress addresses: no proxy pool,
    whatever the number of addresses."""
    params = DetectorParams()
    detector = Detector(params)
    events = [
        harness_call("bench", i, **{**FLEET, "ip": f"198.51.{i % networks}.{1 + i % 200}",
                                    "asn": 64500 + i % networks})
        for i in range(60)
    ]  # fmt: skip
    run(detector, events)
    late = [u for u in detector.take_links() if u.events >= 30]
    shared = [u for u in late if kind_of(u.key) not in IDENTITY]
    assert shared and all(u.raw < CLEAR_HARVEST_RAW for u in shared), shared


def test_a_harvester_turning_into_a_harness_re_announces_its_shared_keys() -> None:
    """The change of standing goes out at once, not at the next refresh."""
    params = DetectorParams()
    detector = Detector(params)
    run(detector, [harvest_call("x", i, **FLEET) for i in range(20)])
    clear = [u for u in detector.take_links() if u.events >= 8]
    assert clear and all(u.raw >= CLEAR_HARVEST_RAW for u in clear)
    run(detector, [harness_call("x", i, **FLEET) for i in range(20, 100)], start=20)
    profile = detector.store.get("x")
    assert profile is not None
    assert templated_share(profile.behaviour) > params.max_templated_share
    updates = detector.take_links()
    turned = next(u for u in updates if u.raw < CLEAR_HARVEST_RAW)
    at_turn = {u.key: u.raw for u in updates if u.ts_ms == turned.ts_ms}
    assert set(at_turn) >= FLEET_KEYS
    for key, raw in at_turn.items():
        assert (raw >= CLEAR_HARVEST_RAW) == (kind_of(key) in IDENTITY), key


def test_a_suspect_keeps_its_identity_keys_fresh_for_as_long_as_it_runs() -> None:
    params = DetectorParams(refresh_ms=12 * HOUR_MS)
    detector = Detector(params)
    run(detector, [harvest_call("h", i, **FLEET) for i in range(2 * 24 * 60 + 1)])  # 2 days
    updates = detector.take_links()
    for key in FLEET_KEYS:
        hours = sorted({(u.ts_ms - T0) // HOUR_MS for u in updates if u.key == key})
        # Re-announced at least every refresh period (and as the request count doubles).
        assert all(b - a <= 12 for a, b in itertools.pairwise(hours)), key
        assert hours[0] == 0 and hours[-1] >= 36, key


def test_keys_are_re_announced_when_the_account_becomes_a_suspect() -> None:
    params = DetectorParams(account_threshold=LONE_THRESHOLD)
    detector = Detector(params)
    # A developer-like start, then the account turns to harvesting.
    events = [developer_call("x", i, **FLEET) if i < 10 else harvest_call("x", i, **FLEET)
              for i in range(60)]  # fmt: skip
    run(detector, events)
    updates = detector.take_links()
    for key in FLEET_KEYS:
        mine = [u for u in updates if u.key == key]
        turned = next(i for i, u in enumerate(mine) if u.raw >= params.suspect_raw)
        # Below the bar on its first request and, but an identity key, when judged (its
        # fourth request), then a suspect: announced at each of those moments.
        judged = [params.clear_events] if kind_of(key) not in IDENTITY else []
        assert [u.events for u in mine[:turned]] == [1, *judged], key
    crossing = {u.ts_ms for u in updates if u.key in FLEET_KEYS and u.raw >= params.suspect_raw}
    crossed_ms = min(crossing)  # all keys at once, at the event that crossed
    assert {u.key for u in updates if u.ts_ms == crossed_ms} >= FLEET_KEYS
    # Every key held then goes out again, the first wake key too.
    before = {u.key for u in updates if u.ts_ms < crossed_ms}
    again = {u.key for u in updates if u.ts_ms == crossed_ms}
    assert before <= again


def test_suspect_keys_are_refreshed_after_refresh_ms() -> None:
    params = DetectorParams(refresh_ms=3_600_000)
    detector = Detector(params)
    # One request every 20 minutes for 3 hours: never idle for an hour.
    run(detector, [harvest_call("h", i, ts_ms=T0 + i * 20 * MINUTE_MS, **FLEET) for i in range(10)])
    pay = [u.ts_ms for u in detector.take_links() if u.key == "pay:card-7f3a"]
    # Past the first requests (re-announced as the count doubles: 2, 4, 8), every hour.
    late = [t for t in pay if t > T0 + 7 * 20 * MINUTE_MS]
    assert late == [T0 + 9 * 20 * MINUTE_MS]  # request 8 (doubling) at 140 min, 180 min
    assert all(b - a <= 60 * MINUTE_MS for a, b in itertools.pairwise(pay))
    assert pay[0] == T0 and pay[-1] >= T0 + 180 * MINUTE_MS


def test_wake_key_after_an_hour_idle() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))

    def keys_of(event: ApiCall, position: int) -> set[str]:
        detector.process(event, position)
        return {u.key for u in detector.take_links() if kind_of(u.key) == "wake"}

    assert keys_of(developer_call("d", 0, ts_ms=T0), 0) == {f"wake:{T0 // WAKE_BUCKET_MS}"}
    t1 = T0 + 59 * MINUTE_MS  # 59 minutes idle: not asleep
    assert keys_of(developer_call("d", 1, ts_ms=t1), 1) == set()
    t2 = t1 + HOUR_MS  # exactly an hour idle
    assert keys_of(developer_call("d", 2, ts_ms=t2), 2) == {f"wake:{t2 // WAKE_BUCKET_MS}"}
    t3 = t2 + 2 * MINUTE_MS
    # Awake, but its fourth request: judged, it announces the wake keys it holds again.
    held = {f"wake:{T0 // WAKE_BUCKET_MS}", f"wake:{t2 // WAKE_BUCKET_MS}"}
    assert keys_of(developer_call("d", 3, ts_ms=t3), 3) == held
    assert keys_of(developer_call("d", 4, ts_ms=t3 + MINUTE_MS), 4) == set()
    # Out-of-order (earlier) events never count as waking up.
    assert keys_of(developer_call("d", 5, ts_ms=T0 - 5 * HOUR_MS), 5) == set()


def test_consecutive_wake_ups_give_a_lockstep_key_also_when_read_back() -> None:
    """The pair (last wake-up window, this one) is the ``sync`` key. The last window is
    checkpointed, so a profile read back from its bytes announces the same keys."""
    live = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    spilled = Detector(DetectorParams(account_threshold=LONE_THRESHOLD, hot_accounts=1))

    def keys_of(detector: Detector, event: ApiCall, position: int) -> set[str]:
        detector.process(event, position)
        return {u.key for u in detector.take_links() if kind_of(u.key) == "sync"}

    t1, t2 = T0 + 2 * HOUR_MS, T0 + 5 * HOUR_MS
    b0, b1, b2 = (t // WAKE_BUCKET_MS for t in (T0, t1, t2))
    stream = [
        (developer_call("d", 0, ts_ms=T0), set()),  # no wake-up before
        (developer_call("d", 1, ts_ms=T0 + MINUTE_MS), set()),  # still awake
        (developer_call("e", 0, ts_ms=T0 + 2 * MINUTE_MS), set()),  # "d" spills
        (developer_call("d", 2, ts_ms=t1), {f"sync:{b0}-{b1}"}),
        (developer_call("e", 1, ts_ms=t1 + MINUTE_MS), {f"sync:{b0}-{b1}"}),
        # Its fourth request: judged, it announces the lockstep key it held once more.
        (developer_call("d", 3, ts_ms=t2), {f"sync:{b0}-{b1}", f"sync:{b1}-{b2}"}),
    ]
    for position, (event, expected) in enumerate(stream):
        assert keys_of(live, event, position) == expected
        assert keys_of(spilled, event, position) == expected
    assert spilled.store.loads >= 2


def test_first_use_of_a_newly_released_model_gives_a_pivot_key() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    position = iter(range(1_000))

    def pivots(account: str, model: str, ts_ms: int) -> set[str]:
        detector.process(developer_call(account, 0, ts_ms=ts_ms, model=model), next(position))
        return {u.key for u in detector.take_links() if kind_of(u.key) == "pivot"}

    # The partition's first day: the existing line-up, never a release.
    assert pivots("a", "m-old", T0) == set()
    assert pivots("b", "m-late", T0 + 23 * HOUR_MS) == set()
    assert pivots("c", "m-late", T0 + 23 * HOUR_MS + MINUTE_MS) == set()
    # Two days in, a model nobody used before: a release.
    release = T0 + 2 * DAY_MS
    assert pivots("a", "m-old", release - HOUR_MS) == set()
    assert pivots("a", "m-new", release) == {"pivot:m-new"}
    assert pivots("b", "m-new", release + 3 * HOUR_MS) == {"pivot:m-new"}  # another account
    assert pivots("b", "m-new", release + 3 * HOUR_MS + MINUTE_MS) == set()  # first use only
    # A day after its release the model is part of the line-up.
    assert pivots("c", "m-new", release + DAY_MS + MINUTE_MS) == set()
    # The old model used for the first time by an account after day one is no release.
    assert pivots("d", "m-late", release) == set()
    profile = detector.store.get("b")
    assert profile is not None and profile.behaviour.share(NEW_MODEL) > 0
    profile = detector.store.get("d")
    assert profile is not None and profile.behaviour.share(NEW_MODEL) == 0


# --- checkpoints and restarts -------------------------------------------------------------


def _mixed_events() -> list[ApiCall]:
    """Three accounts interleaved, ~12 hours; the harvester alerts and escalates."""
    events: list[ApiCall] = []
    for i in range(200):
        ts = T0 + i * 3 * MINUTE_MS
        events.append(harvest_call("h", i, ts_ms=ts, **FLEET))
        events.append(developer_call("d", i, ts_ms=ts + 1_000))
        if i % 4 == 0:
            events.append(harvest_call("light", 1_000 + i, ts_ms=ts + 2_000))
    return events


def _checkpoint(detector: Detector) -> dict[str, bytes]:
    return {k: v for k, v in detector.store.drain_changes() if v is not None}


def test_profile_state_round_trips() -> None:
    detector = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(detector, _mixed_events()[:300])
    for profile in detector.store.profiles():
        blob = profile.to_bytes()
        again = type(profile).from_bytes(blob)
        assert again.to_bytes() == blob
        assert again.raw_score == profile.raw_score
        assert again.behaviour.to_state() == profile.behaviour.to_state()
        assert again.announced.to_state() == profile.announced.to_state()
        recent = None if profile.recent is None else profile.recent.to_state()
        assert (None if again.recent is None else again.recent.to_state()) == recent
    # Each account here has made 16 requests or more (``recent_from``): each keeps one.
    assert all(p.recent is not None for p in detector.store.profiles())


@pytest.mark.parametrize("cut", [150, 301])
def test_restarted_detector_continues_identically(cut: int) -> None:
    events = _mixed_events()
    seen_whole: list[tuple[str, int, float]] = []
    whole = Detector(
        DetectorParams(account_threshold=LONE_THRESHOLD),
        observer=lambda *seen: seen_whole.append(seen),
    )
    alerts_whole = run(whole, events[:cut])
    whole.take_links()  # compare what is announced after the cut
    alerts_whole += run(whole, events[cut:], start=cut)

    first = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    alerts = run(first, events[:cut])
    checkpoint = _checkpoint(first)
    seen: list[tuple[str, int, float]] = []
    restarted = Detector(
        DetectorParams(account_threshold=LONE_THRESHOLD), checkpoint.get, lambda *s: seen.append(s)
    )
    restarted.restore_clock(first.clock_state())  # the shell checkpoints it with the profiles
    # The source re-delivers the last events before the cut: replays, ignored.
    assert run(restarted, events[cut - 20 : cut], start=cut - 20) == []
    assert restarted.duplicates == 20 and restarted.take_links() == []
    later = run(restarted, events[cut:], start=cut)

    assert alerts + later == alerts_whole  # same alerts, ids and versions across the restart
    assert alerts_whole
    assert restarted.take_links() == whole.take_links()
    assert seen == seen_whole[cut:]
    for account in ("h", "d", "light"):
        mine, theirs = restarted.store.get(account), whole.store.get(account)
        assert mine is not None and theirs is not None
        assert mine.to_bytes() == theirs.to_bytes()


def test_restart_keeps_release_detection() -> None:
    events = [developer_call("a", i, ts_ms=T0 + i * HOUR_MS) for i in range(36)]  # 1.5 days
    release = T0 + 2 * DAY_MS
    after = [harvest_call("b", i, ts_ms=release + i * MINUTE_MS, model="m-new") for i in range(5)]

    whole = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(whole, events + after)
    whole_pivots = {u.key for u in whole.take_links() if kind_of(u.key) == "pivot"}
    assert whole_pivots == {"pivot:m-new"}

    first = Detector(DetectorParams(account_threshold=LONE_THRESHOLD))
    run(first, events)
    restarted = Detector(DetectorParams(account_threshold=LONE_THRESHOLD), _checkpoint(first).get)
    restarted.restore_clock(first.clock_state())  # the shell checkpoints it with the profiles
    run(restarted, after, start=len(events))
    pivots = {u.key for u in restarted.take_links() if kind_of(u.key) == "pivot"}
    assert pivots == whole_pivots


def _many_keys_stream() -> list[ApiCall]:
    """Account "a" keeps its card and client but moves to a new address block every
    other request, so the new network keys push its card and client keys out of its
    announced-keys LRU (48 keys); account "b" interleaves, so a one-profile hot set
    spills "a" after each event."""
    events = []
    for i in range(200):
        ts = T0 + i * 60_000
        events.append(
            ApiCall(
                **{
                    **wire_fields("a", ts),
                    "payment_fingerprint": "card-a",
                    "tls_fingerprint": "tls-a",
                    "user_agent": "ua-a",
                    "ip": f"10.{i // 2}.0.1",
                }
            )
        )
        events.append(ApiCall(**{**wire_fields("b", ts + 1), "ip": "192.0.2.9"}))
    return events


def wire_fields(account: str, ts: int) -> dict[str, Any]:
    return {
        "event_id": f"{account}-{ts}",
        "ts_ms": ts,
        "account_id": account,
        "model": "m",
        "input_tokens": 100,
        "output_tokens": 500,
    }


def test_spilling_profiles_to_bytes_changes_no_announcement() -> None:
    """A profile read back from its bytes (spilled, or restored after a restart) must act
    as the live one would: it used to forget which identity it had last announced and
    announce identity keys again that the live profile held back."""
    live = Detector(DetectorParams())
    spilled = Detector(DetectorParams(hot_accounts=1))
    for position, event in enumerate(_many_keys_stream()):
        assert spilled.process(event, position) == live.process(event, position)
        assert spilled.take_links() == live.take_links(), position
    assert spilled.store.loads > 100  # "a" really was read back from bytes each time


def test_a_canned_first_turn_on_every_request_does_not_hide_a_harvester() -> None:
    """Sending each harvesting prompt as turn 2 of a conversation the account never held
    here (a canned first turn) would otherwise read as a conversation: single_turn and
    harvest_prompts would fall to 0."""
    plain, disguised = Detector(DetectorParams()), Detector(DetectorParams())
    run(plain, [harvest_call("plain", i) for i in range(40)])
    run(
        disguised,
        [harvest_call("disguised", i, turn=2, conversation_id=f"canned-{i}") for i in range(40)],
    )
    assert raw_of(disguised, "disguised") == pytest.approx(raw_of(plain, "plain"))


def test_real_follow_ups_still_count_as_conversation() -> None:
    """The same harvest-like answers inside conversations the account holds turn by turn
    stay multi-turn; without a conversation id a follow-up is taken at its word."""
    held = [
        harvest_call("held", i, turn=1 + i % 2, conversation_id=f"conv-{i // 2}") for i in range(40)
    ]
    untold = [harvest_call("untold", i, turn=1 + i % 2) for i in range(40)]
    canned = [harvest_call("canned", i, turn=2, conversation_id=f"c-{i}") for i in range(40)]
    detector = Detector(DetectorParams())
    run(detector, held + untold + canned)
    assert raw_of(detector, "held") == pytest.approx(raw_of(detector, "untold"))
    assert raw_of(detector, "held") < raw_of(detector, "canned") - 0.15
