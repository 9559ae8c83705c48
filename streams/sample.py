"""The demo's bundled sample stream: ordinary accounts and one small distillation fleet.

Three hours of traffic. About 120 light, ordinary accounts hold multi-turn conversations
about everyday work (fix this query, shorten this email), each from its own address and
payment card, on popular client libraries. Half an hour in, a fleet of twelve accounts
(``FLEET``), all signed up within the same hour two days earlier and paid for with two
cards, starts a 75-minute harvesting job through one scraping harness (one TLS
fingerprint, one user agent, addresses in two /24s of one hosting provider): single-turn
prompts asking for the full chain of thought and a rubric self-grade, worded differently
each time, walking a sweep of capability domains at one fixed temperature, with long
answers that often hit ``max_tokens``. No fleet account (about 60 requests each) is busy
enough to look guilty on its own; together they are a campaign.

Small and deterministic (same seed, same bytes). The full labelled traffic simulator
(``streams.sim``) is a separate, much richer tool; this one only has to make the
pipeline's purpose visible in a few seconds.
"""

from __future__ import annotations

import gzip
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from streams.core.timeutil import format_rfc3339_ms

START_MS = 1_795_420_800_000  # 2026-11-23T08:00:00Z
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
FLEET_START_MS = START_MS + 30 * 60_000  # the fleet's job starts half an hour in...
FLEET_END_MS = FLEET_START_MS + 75 * 60_000  # ...and runs for an hour and a quarter
FLEET_SIGNUP_MS = START_MS - 2 * DAY_MS - 6 * HOUR_MS  # fleet accounts created in this hour
FLEET: tuple[str, ...] = tuple(f"acct-fleet-{i:02d}" for i in range(1, 13))
MODELS = ("frontier-large-2026-10", "frontier-medium-2026-06", "frontier-small-2026-03")

# --- ordinary accounts ------------------------------------------------------------------
# Everyday requests, free of any reasoning-elicitation or grading phrasing.
_TOPICS = (
    "sql query",
    "python decorator",
    "marketing email",
    "unit test",
    "regex",
    "cover letter",
    "docker compose file",
    "kubernetes probe",
    "recipe",
    "css grid",
)
_OPENERS = (
    "Can you help me fix this {t}? It fails on the second call.",
    "Write a short {t} for our onboarding flow.",
    "My {t} is slow. How can I speed it up?",
    "Review this {t} and point out anything risky.",
    "What's the idiomatic way to write a {t}?",
    "Here is my {t}, can you tidy it up?",
    "I need a {t} that handles empty input. Here's what I have so far.",
)
_FOLLOW_UPS = (
    "Thanks, that works. Can you also handle the empty case?",
    "It still fails with the same message, any idea?",
    "Can you make it shorter?",
    "Nice. What if the input is much bigger?",
    "Could you add a couple of comments?",
    "Hmm, that changed the output format. Keep the old one please.",
    "Perfect, one more thing: rename the variables to match ours.",
    "Why did you drop the second part?",
)
# Popular client libraries: user agent and TLS fingerprint (JA4) go together.
_CLIENTS = (
    ("anthropic-python/0.40.0", "t13d1715h2_5b57614c22b0_3d5424432f57"),
    ("anthropic-typescript/0.32.1", "t13d1516h2_8daaf6152771_e5627efa2ab1"),
    ("openai-python/1.54.3", "t13d1715h2_5b57614c22b0_3d5424432f57"),
    ("curl/8.5.0", "t13d3112h2_e8f1e7e78f70_6bebaf5329ac"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Safari/605.1.15",
     "t13d2014h2_a09f3c656075_14788d8d241b"),
)  # fmt: skip

# --- the fleet --------------------------------------------------------------------------
_FLEET_CLIENT = ("python-httpx/0.27.2", "t13d1812h1_85036bcba153_b26ce05bbdd6")
_FLEET_ASN = 14061
_FLEET_NETS = ("198.51.100", "192.0.2")
_FLEET_MAX_TOKENS = 4096
_FLEET_TEMPERATURE = 0.2
_FLEET_GAP_MS = (45_000, 105_000)  # between one account's requests: ~60 requests each
_FLEET_RAMP_MS = 2 * 60_000  # accounts join the job within this long of its start
# Each prompt: a chain-of-thought instruction, a question, mostly a grading instruction;
# the parts and their order vary, so no account replays one template.
_COT = (
    "Think step by step and write out your full reasoning before giving the final answer.",
    "Reason through this one step at a time, showing every intermediate step.",
    "Show your complete chain of thought; do not skip any step.",
    "Before answering, lay out your entire thought process explicitly.",
    "Walk through your reasoning in detail, then state the final answer.",
    "Show all of your work and explain each step of the derivation before you answer.",
)
_GRADE = (
    "Then grade your own answer against a rubric of correctness, completeness and clarity, "
    "giving a score from 1 to 10 for each criterion.",
    "Afterwards act as an impartial judge: rate the response on a scale of 1 to 5 for "
    "factual accuracy and justify your score.",
    "Finally evaluate the answer against these criteria: correctness, rigor, concision. "
    "End with a verdict, pass or fail.",
    "Close with a self-assessment: score your answer out of 10 for helpfulness and "
    "correctness and explain your score.",
)
# Capability domain -> questions; {a} and {b} are filled with numbers.
_QUESTIONS: dict[str, tuple[str, ...]] = {
    "math": (
        "Solve for x: {a}x^2 - {b}x + 6 = 0.",
        "Prove that the sum of the first {a} odd numbers is a perfect square.",
        "Compute the integral of x^{a} times ln(x) from 1 to {b}.",
    ),
    "code": (
        "Write a Python function that merges {a} sorted lists in O(n log k) time.",
        "Implement an LRU cache in Java with capacity {a} and explain its complexity.",
        "Debug this recursion that overflows the stack for n = {b}.",
    ),
    "law": (
        "Under US contract law, is a promise made without consideration enforceable "
        "after {a} days of reliance?",
        "A tenant is sued by the landlord after {a} months of unpaid rent. What defenses "
        "does the defendant have in court?",
    ),
    "medicine": (
        "A {b}-year-old patient presents with chest pain and shortness of breath. "
        "Give the differential diagnosis.",
        "What is the correct pediatric dosage of amoxicillin for a {a} kg child with an "
        "ear infection?",
    ),
    "chemistry": (
        "How many moles of CO2 form when {b} g of propane burns completely? Balance the "
        "chemical equation first.",
        "Predict the products of the oxidation of {a}-hexanol with a chromium catalyst.",
    ),
    "physics": (
        "A projectile is launched at {b} m/s at {a} degrees. Find its range and maximum "
        "height, ignoring friction.",
        "A {a} kg block slides down a ramp; find its acceleration and kinetic energy after {b} m.",
    ),
    "biology": (
        "Explain how a point mutation in a gene can change the protein an enzyme "
        "folds into, with {a} examples.",
        "Compare mitosis and meiosis in a cell with {a} chromosome pairs.",
    ),
    "finance": (
        "Compute the NPV of a project costing {b}000 with cash flows of {a}000 a year "
        "for 5 years at an interest rate of 7%.",
        "How does a rise in inflation of {a}% affect bond yields and a stock portfolio?",
    ),
    "history": (
        "Why did the Western Roman Empire fall in the fifth century? Weigh {a} causes.",
        "Compare the causes of the American Revolution and the French Revolution, both "
        "in the eighteenth century, along {a} dimensions.",
    ),
    "machine_learning": (
        "Why does gradient descent diverge with a learning rate of 0.{a}? Relate it to "
        "overfitting and the training data.",
        "Derive backpropagation for a neural network with {a} hidden layers.",
    ),
    "philosophy": (
        "Does utilitarianism permit sacrificing one person to save {a}? Contrast it "
        "with Kant's ethics.",
        "Is free will compatible with determinism? Give {a} philosophical positions.",
    ),
    "cybersecurity": (
        "Explain how a buffer overflow vulnerability in a C parser reading {b} bytes "
        "can be mitigated.",
        "How would you detect a phishing campaign against {b} employees?",
    ),
}
_DOMAINS = tuple(_QUESTIONS)


def generate(seed: int = 7, hours: int = 3, normal_accounts: int = 120) -> Iterator[dict[str, Any]]:
    """Events in event-time order: ``normal_accounts`` light users plus the ``FLEET``."""
    rng = random.Random(seed)
    end_ms = START_MS + hours * HOUR_MS
    events: list[dict[str, Any]] = []
    for i in range(normal_accounts):
        events.extend(_normal_account(rng, i, end_ms))
    cards = [f"pf_{rng.getrandbits(64):016x}" for _ in range(2)]
    for i, account in enumerate(FLEET):
        events.extend(
            _fleet_account(rng, account, cards[i % len(cards)], min(end_ms, FLEET_END_MS))
        )
    events.sort(key=lambda e: (e["ts"], e["event_id"]))
    yield from events


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def _normal_account(rng: random.Random, i: int, end_ms: int) -> list[dict[str, Any]]:
    """A light user: a few sessions an hour, each a short conversation."""
    account = f"acct-{i:04d}"
    user_agent, tls = rng.choice(_CLIENTS)
    identity: dict[str, Any] = {
        "account_created_at": format_rfc3339_ms(
            START_MS - rng.randrange(30 * DAY_MS, 1200 * DAY_MS)
        ),
        "signup_channel": rng.choice(("self_serve", "self_serve", "startup_program", "edu")),
        "payment_fingerprint": f"pf_{rng.getrandbits(64):016x}",
        "ip": f"203.0.{rng.randrange(1, 250)}.{rng.randrange(1, 250)}",
        "asn": 64512 + i % 40,
        "country": "US",
        "user_agent": user_agent,
        "tls_fingerprint": tls,
    }
    model = rng.choice(MODELS)
    max_tokens = rng.choice((2048, 4096, 8192))
    sets_temperature = rng.random() < 0.5
    sessions_per_hour = rng.uniform(2.0, 8.0)
    events: list[dict[str, Any]] = []
    conversation = 0
    t = START_MS + int(rng.expovariate(sessions_per_hour / HOUR_MS))
    while t < end_ms:
        conversation += 1
        topic = rng.choice(_TOPICS)
        context = 0  # tokens of the conversation so far, resent with every turn
        for turn in range(1, 2 + min(7, int(rng.expovariate(1 / 2.5)))):
            if t >= end_ms:
                break
            if turn == 1:
                prompt = rng.choice(_OPENERS).format(t=topic)
                pasted = int(rng.lognormvariate(math.log(250), 0.6))  # their code, text
            else:
                prompt = rng.choice(_FOLLOW_UPS)
                pasted = 0
            input_tokens = context + _tokens(prompt) + pasted
            output = min(max_tokens, int(rng.lognormvariate(math.log(320), 0.6)))
            temperature = round(rng.choice((0.7, 1.0, rng.uniform(0, 1))), 2)
            events.append(
                _event(
                    rng,
                    account,
                    t,
                    identity,
                    model=model if rng.random() < 0.8 else rng.choice(MODELS),
                    prompt=prompt,
                    input_tokens=input_tokens,
                    output_tokens=output,
                    max_tokens=max_tokens,
                    temperature=temperature if sets_temperature else None,
                    conversation=f"{account}-c{conversation}",
                    turn=turn,
                )
            )
            context = input_tokens + output
            t += int(rng.uniform(20_000, 240_000))  # reading the answer, typing the next
        t += int(rng.expovariate(sessions_per_hour / HOUR_MS))
    return events


def _fleet_account(
    rng: random.Random, account: str, card: str, end_ms: int
) -> list[dict[str, Any]]:
    """One harvesting account: single-turn sweeps, steady pace, one harness."""
    user_agent, tls = _FLEET_CLIENT
    net = rng.choice(_FLEET_NETS)
    identity: dict[str, Any] = {
        "account_created_at": format_rfc3339_ms(FLEET_SIGNUP_MS + rng.randrange(HOUR_MS)),
        "signup_channel": "self_serve",
        "payment_fingerprint": card,
        "ip": "",
        "asn": _FLEET_ASN,
        "country": "US",
        "user_agent": user_agent,
        "tls_fingerprint": tls,
    }
    events: list[dict[str, Any]] = []
    domain, left = "", 0
    t = FLEET_START_MS + int(rng.uniform(0, _FLEET_RAMP_MS))
    n = 0
    while t < end_ms:
        n += 1
        if left <= 0:  # a block of questions from one domain, then another domain
            domain = rng.choice([d for d in _DOMAINS if d != domain])
            left = rng.randrange(2, 6)
        left -= 1
        identity["ip"] = f"{net}.{rng.randrange(10, 60)}"
        prompt = _harvest_prompt(rng, domain)
        output = min(_FLEET_MAX_TOKENS, int(rng.lognormvariate(math.log(3100), 0.45)))
        events.append(
            _event(
                rng,
                account,
                t,
                identity,
                model=MODELS[0],
                prompt=prompt,
                input_tokens=_tokens(prompt) + rng.randrange(0, 12),
                output_tokens=output,
                max_tokens=_FLEET_MAX_TOKENS,
                temperature=_FLEET_TEMPERATURE,
                conversation=f"{account}-c{n}",
                turn=1,
            )
        )
        t += int(rng.uniform(*_FLEET_GAP_MS))
    return events


def _harvest_prompt(rng: random.Random, domain: str) -> str:
    question = rng.choice(_QUESTIONS[domain]).format(
        a=rng.randrange(2, 13), b=rng.randrange(15, 400)
    )
    cot = rng.choice(_COT)
    grade = rng.choice(_GRADE) if rng.random() < 0.8 else ""
    layout = rng.randrange(3)
    if layout == 0:
        parts = [cot, question, grade]
    elif layout == 1:
        parts = [f"Question: {question}", cot, grade]
    else:
        label = f"Problem {rng.randrange(100, 9999)} ({domain.replace('_', ' ')})"
        parts = [f"{label}: {question}", f"{cot} {grade}".strip()]
    return "\n\n".join(p for p in parts if p)


def _event(
    rng: random.Random,
    account: str,
    t: int,
    identity: dict[str, Any],
    *,
    model: str,
    prompt: str,
    input_tokens: int,
    output_tokens: int,
    max_tokens: int,
    temperature: float | None,
    conversation: str,
    turn: int,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": f"{account}-{t}-{rng.randrange(1 << 30):08x}",
        "ts": format_rfc3339_ms(t),
        "account_id": account,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        **identity,
        "endpoint": "/v1/messages",
        "status": 200,
        "max_tokens": max_tokens,
    }
    if temperature is not None:
        event["temperature"] = temperature
    event.update(
        stop_reason="max_tokens" if output_tokens >= max_tokens else "end_turn",
        conversation_id=conversation,
        turn=turn,
        prompt=prompt,
    )
    return event


MALFORMED: tuple[bytes, ...] = (
    b'{"event_id": "bad-1", "ts": "yesterday", "account_id": "acct-0001", "model": "m",'
    b' "input_tokens": 1, "output_tokens": 1}',
    b'{"event_id": "bad-2", "account_id": "acct-0002", "model": "m", "input_tokens": 1}',
    b"this is not json",
)


def write_sample(path: Path, seed: int = 7) -> int:
    """Write the sample as gzip JSON Lines, byte-identical for the same seed."""
    lines = [orjson.dumps(e) for e in generate(seed)]
    # A few malformed records, spread through the stream, show the dead-letter path.
    for i, bad in enumerate(MALFORMED):
        lines.insert((i + 1) * len(lines) // (len(MALFORMED) + 1), bad)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as out:
        for line in lines:
            out.write(line + b"\n")
    return len(lines)


def bundled_sample_path() -> Path:
    return Path(__file__).parent / "data" / "sample-events.jsonl.gz"
