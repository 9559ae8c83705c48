"""A second traffic generator, written apart from ``streams.sim`` to check that detection
generalises: other phrasing, other distributions, other fleets.

Not part of the package and deliberately plain: 1,500 developers, a campus class behind
one NAT, an enterprise's 200 accounts on one card, three benchmark customers, three
resellers and a hackathon, against three fleets (a browser-fingerprinted fleet on a
residential proxy pool, a quiet fleet on a popular SDK and its own addresses, and a
release-day pivot fleet). Three days from 2026-03-02; the figures in docs/detection.md
are for seeds 1 to 11 (the opt-in sleeper fleet: seeds 12 and 13; the closer
look-alikes, ``--homework --evalsuite``: seeds 21 to 23; the burner fleet,
``--burners``: seeds 31 to 34; the conversational fleet, ``--only-chatty``: 41 and 42;
the system-prompted fleet, ``--only-sysprompt``: 51 to 54; benign apps under long system
prompts, ``--apps``: 61; the reward-model fleet and LLM-as-judge customers,
``--only-grader --judges``: 71, 73; ``--grader --judges``: 72; the agent-trajectory
fleet and the coding agent's users, ``--only-agentic --agent-users``: 81, 83 with
``--stress``; ``--agentic --agent-users``: 82; the mixing proxy network and companies
pooling accounts, ``--only-mixing --pooled-apps``: 101 to 103 and 106; ``--mixing
--pooled-apps``: 104, 105 with ``--stress``).

    python docs/independent_traffic.py SEED OUTDIR [--stress] [--sleeper] [--homework]
        [--evalsuite] [--burners | --only-burners] [--chatty | --only-chatty]
        [--sysprompt | --only-sysprompt] [--apps] [--grader | --only-grader] [--judges]
        [--agentic | --only-agentic] [--agent-users] [--mixing | --only-mixing]
        [--pooled-apps]
    distillguard backtest OUTDIR/events.jsonl.gz --labels OUTDIR/labels.csv

``--stress`` makes the benign side harder: developers (and the hackathon's and
resellers' prompts, built the same way) ask for reasoning in 30 % of their prompts, and
the proxy fleet uses the official SDK (the enterprise's and benchmark customers' client)
instead of a browser. ``--sleeper`` adds a fourth fleet: 200 aged accounts that work
like developers for a day and a half, then switch to harvesting together. Two more
make a look-alike closer to a harvester: ``--homework`` has the campus class ask its
first question of a conversation as a homework problem from any domain, most of them
asking for every step of the solution; ``--evalsuite`` runs eight benchmark customers
instead of three, each prompt a question from any domain in one of five evaluation
formats, several of them asking for step-by-step reasoning. ``--burners`` adds a fleet
of short-lived accounts (about 200 over the three days, opened a dozen at a time, each
harvesting for two to eight hours through a residential proxy pool, every prompt in its
own pipeline's wrappers, prepaid cards reused by one to three); ``--only-burners`` runs
it alone, without the three default fleets, whose accounts on the same stock clients
would otherwise help link it. ``--chatty`` adds a fleet of 150 that converses: each
question (wrapped to ask for the reasoning) is followed up one to three times in the
same conversation, every turn resending the history, through a residential proxy pool
held for a conversation, cards shared by a dozen accounts; ``--only-chatty`` runs it
without the three default fleets. ``--sysprompt`` adds a fleet of 150 whose
instructions (reason step by step, grade yourself) live in a long system prompt, one of
three versions, while each user prompt is the bare question; each account on its own
home address and card; ``--only-sysprompt`` runs it without the default fleets.
``--apps`` adds two benign populations under long system prompts: 20 companies'
help-desk bots (1,500 to 4,000 tokens of documentation before each short question) and
150 users of one open-source writing assistant who each bring their own API key (the
app's system prompt shared by every account, each on its own home address).
``--grader`` adds a fleet of 150 that uses the model as a reward model: each prompt a
question from any domain, one or two candidate answers and a rubric, the answer a short
verdict (long input, short output, nothing cut at the cap), through a residential proxy
pool, cards shared by eight accounts or so; ``--only-grader`` runs it without the
default fleets. ``--judges`` adds its benign twin: six companies evaluating their own
chatbots with the model as a judge (one account each, runs of hundreds of grading
requests). ``--agentic`` adds a fleet of 150 that harvests a coding agent's
trajectories: each account runs one popular open-source coding agent round the clock
on tasks from every language (tool results fed back, every request but a task's first
a follow-up resending the history), a new residential exit per task, cards shared by
ten accounts or so; ``--only-agentic`` runs it without the default fleets.
``--agent-users`` adds its benign twin: 300 developers using the same agent on their
own projects in working hours. ``--mixing`` adds a proxy network that resells access
and mixes its own harvesting into its customers' requests: 200 self-serve accounts,
each on its own card, every request (half of them its harvesting in its own wrappers,
half its customers' coding and writing asks) sent through a random account and a
random exit of its hosting pool (ten address blocks on two providers) with the
official SDK; ``--only-mixing`` runs it without the default fleets. ``--pooled-apps``
adds its benign look-alike: five companies each spreading one product's traffic over 6
to 15 accounts on the company's card, from its own cloud egress. Without these flags the
populations and their events are the same as before they existed.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
import random
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

R = random.Random(0)  # seeded in main()
SEED = 0
START = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 3
END = START + timedelta(days=DAYS)
RELEASE = START + timedelta(days=1, hours=17)
MODELS_OLD = ["orca-2-large", "orca-2-medium", "orca-2-small"]
MODEL_NEW = "orca-3-large"
STRESS = False  # set by --stress (module docstring)
HOMEWORK = False  # set by --homework
EVALSUITE = False  # set by --evalsuite
HOMEWORK_WRAPS = [
    "hw {d} q3: {p}. show all your work step by step",
    "I'm stuck on this problem from my {d} class: {p}. Can you explain step by step how "
    "to solve it?",
    "{p} -- please walk through the solution step by step, I have an exam tomorrow",
    "{p}",
    "explain {p} like my professor would, with every step",
]
EVAL_FORMATS = [
    "Question: {q}\nAnswer the question. Think step by step and put the final answer after "
    "'Answer:'.",
    "{q}\n\nLet's think step by step.",
    "You are being evaluated. Solve: {q}\nGive a detailed chain of reasoning, then the final "
    "answer.",
    "Problem: {q}\nSolution:",
    "[{d}] {q}",
]
REASONING_ASKS = [
    " Please explain your reasoning step by step.",
    " Walk me through it in detail.",
    " Think carefully and show your work.",
]
rows: list[dict[str, Any]] = []
labels: list[tuple[str, str, str, str]] = []


def h(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


SDKS = [
    ("anthropic-sdk-python/0.39.0", "t13d1516h2_8daaf6152771_02713d6af862"),
    ("openai-node/4.67.1", "t13d1517h2_8daaf6152771_b0da82dd1658"),
    ("python-requests/2.32.3", "t13d1812h1_85036bcba153_375ca2c5e164"),
    ("curl/8.7.1", "t13d3112h2_e8f1e7e78f70_6bebaf5329ac"),
    ("langchain/0.3.7 python/3.12", "t13d1516h2_8daaf6152771_02713d6af862"),
]
BROWSERS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/130.0",
        "t13d1517h2_8daaf6152771_b1ff8ab2d16f",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15",
        "t13d2014h2_a09f3c656075_14788d8d241b",
    ),
]
COUNTRIES = ["US", "GB", "DE", "FR", "IN", "BR", "JP", "CA", "AU", "NL", "SG", "KR"]


def _ip(first: list[int]) -> str:
    a = R.choice(first)
    b = R.randint(0, 255)
    c = R.randint(0, 255)
    return f"{a}.{b}.{c}.{R.randint(1, 254)}"


def resid_ip() -> tuple[str, int]:
    return _ip([24, 73, 98, 174, 86, 91, 2, 81]), R.choice(
        [7922, 701, 3320, 5089, 2856, 12322, 20115, 22773, 3215, 6830]
    )


def cloud_ip() -> tuple[str, int]:
    return _ip([34, 35, 52, 54, 3, 13]), R.choice([16509, 15169, 8075])


WORDS = [
    "apple",
    "river",
    "engine",
    "market",
    "signal",
    "vector",
    "garden",
    "budget",
    "invoice",
    "cluster",
    "sensor",
    "ticket",
    "migration",
    "query",
    "cache",
    "token",
    "latency",
    "schema",
    "widget",
    "report",
]
DEV_ASKS = [
    "why does my {l} function return None when {w} is empty",
    "refactor this {l} class so the {w} logic is testable",
    "what's the idiomatic way to parse {w} in {l}",
    "fix this stack trace from our {w} service",
    "write a regex for {w} ids",
    "summarize this meeting transcript about the {w} rollout",
    "draft a polite email to a customer about the {w} delay",
    "convert this SQL to pandas: select {w} from orders",
    "what is wrong with this dockerfile for the {w} worker",
    "explain the difference between {w} and {w2} in plain words",
]
FOLLOWUPS = [
    "that didn't work, same error",
    "can you make it shorter",
    "ok and how do I test that",
    "thanks, now add logging",
    "what about edge cases?",
]
LANGS = ["python", "typescript", "go", "rust", "java", "sql"]
DOMAINS = {
    "math": [
        "prove that the sum of the first n odd numbers is n squared",
        "find all real x with x^3 - 6x^2 + 11x - 6 = 0",
        "evaluate the integral of x e^x from 0 to 1",
    ],
    "physics": [
        "a 2 kg block slides down a 30 degree incline with friction 0.2; find its acceleration",
        "derive the period of a pendulum for small angles",
    ],
    "chemistry": [
        "balance the redox reaction of permanganate with iron(II) in acid",
        "predict the major product of the bromination of toluene",
    ],
    "law": [
        "analyze whether a verbal contract for the sale of land is enforceable under the "
        "statute of frauds"
    ],
    "medicine": [
        "a 54 year old presents with chest pain radiating to the jaw; give a differential diagnosis"
    ],
    "code": [
        "implement an LRU cache with O(1) operations",
        "write a function that detects a cycle in a directed graph",
    ],
    "economics": ["explain the effect of a price ceiling below equilibrium on deadweight loss"],
    "biology": ["describe how CRISPR-Cas9 introduces a double strand break"],
    "history": ["assess the causes of the collapse of the Bronze Age civilizations"],
    "logic": [
        "three boxes are mislabeled apples, oranges, mixed; how many draws to fix the labels"
    ],
}
HARVEST_WRAPS = [
    "Provide a comprehensive solution to the following problem. Lay out every intermediate "
    "step of your reasoning before stating the final answer.\n\nProblem: {p}",
    "You are an expert tutor. Think carefully and explain your full thought process, then "
    "give the answer in a box.\n{p}",
    "{p}\n\nBefore answering, reason through the problem in detail. After the answer, rate "
    "the quality of your own solution from 1-10 against a rubric of correctness, clarity "
    "and completeness.",
    "Task ({d}): {p}. Respond with a detailed derivation, all steps included, and a final "
    "concise answer.",
]
SOFT_WRAPS = [
    "Can you help me with this: {p}? I'd like to understand how you get there.",
    "{p} -- explain like I'm a grad student, please show how you reason about it",
    "Question about {d}: {p}",
]


# The burner fleet's own pipeline (another operator's wording than HARVEST_WRAPS).
BURNER_WRAPS = [
    "[{d}] {p}\n\nInstructions: reason it out step by step, number each step, and finish "
    "with 'Final answer:' on its own line.",
    "Solve the following {d} problem as an expert would. Think aloud, justify every step, "
    "then summarise.\n\n{p}",
    "{p}\n\nWrite out your complete chain of thought first. Then grade your own answer "
    "for accuracy and completeness on a 1-5 scale.",
    "Q ({d}): {p}\nA: Let's work through this carefully, one step at a time.",
    "You are a meticulous {d} professor. Explain your full reasoning for: {p}. Include "
    "the intermediate results.",
    "Input: {p}\nOutput format: detailed reasoning, then the answer, then a one-line "
    "confidence estimate.",
]


class Acct:
    """One account and its label row."""

    def __init__(
        s,
        pop: str,
        label: str,
        camp: str | None = None,
        created: datetime | None = None,
        channel: str = "self_serve",
        pay: str | None = None,
        org: str | None = None,
        country: str | None = None,
    ) -> None:
        s.id = "u_" + h(SEED, pop, R.random())
        s.pop = pop
        s.label = label
        s.camp = camp
        s.created = created or START - timedelta(days=R.uniform(20, 900))
        s.channel = channel
        s.pay = pay or h("card", R.random())
        s.org = org or h("org", R.random())
        s.country = country or R.choice(COUNTRIES)
        s.keys = [h("key", R.random()) for _ in range(R.randint(1, 3))]
        labels.append((s.id, label, camp or "", pop))


def emit(
    a: Acct,
    t: datetime,
    prompt: str,
    *,
    ip: str,
    asn: int,
    ua: str,
    tls: str,
    model: str | None = None,
    temp: float | None = None,
    mt: int | None = None,
    out_med: float = 400,
    in_med: float = 300,
    conv: str | None = None,
    turn: int = 1,
    sp: str | None = None,
    status: int = 200,
    stop: str | None = None,
    tools: int = 0,
    in_exact: int | None = None,
) -> None:
    if t >= END or t < START:
        return
    model = model or (R.choice(MODELS_OLD[:2]) if t < RELEASE or R.random() < 0.7 else MODEL_NEW)
    out = max(1, int(R.lognormvariate(0, 0.6) * out_med))
    inp = max(5, int(R.lognormvariate(0, 0.5) * in_med))
    if in_exact is not None:  # a history resent as it was, plus what this turn asks
        inp = in_exact
    if mt is not None and out >= mt:
        out = mt
        stop = "max_tokens"
    if status != 200:
        out = 0
    ev: dict[str, Any] = {
        "event_id": str(uuid.UUID(int=R.getrandbits(128))),
        "ts": iso(t),
        "account_id": a.id,
        "model": model,
        "input_tokens": inp,
        "output_tokens": out,
        "org_id": a.org,
        "api_key_id": R.choice(a.keys),
        "account_created_at": iso(a.created),
        "signup_channel": a.channel,
        "payment_fingerprint": a.pay,
        "ip": ip,
        "asn": asn,
        "country": a.country,
        "user_agent": ua,
        "tls_fingerprint": tls,
        "endpoint": "/v1/messages",
        "status": status,
        "latency_ms": int(R.uniform(300, 9000)),
        "stop_reason": stop or ("end_turn" if status == 200 else None),
        "prompt": prompt,
    }
    if mt is not None:
        ev["max_tokens"] = mt
    if temp is not None:
        ev["temperature"] = temp
    if conv:
        ev["conversation_id"] = conv
        ev["turn"] = turn
    if sp:
        ev["system_prompt_hash"] = sp
    if tools:
        ev["tool_calls"] = tools
    rows.append(ev)


def words(least: int, most: int) -> str:
    """Filler: ``least`` to ``most`` random words, so that no two prompts are the same."""
    return " ".join(R.choices(WORDS, k=R.randint(least, most)))


def dev_prompt() -> str:
    prompt = (
        R.choice(DEV_ASKS).format(l=R.choice(LANGS), w=R.choice(WORDS), w2=R.choice(WORDS))
        + " "
        + " ".join(R.choices(WORDS, k=R.randint(0, 12)))
    )
    if STRESS and R.random() < 0.3:
        prompt += R.choice(REASONING_ASKS)
    return prompt


def workday_sessions(tz: float, per_day: float, fn: Callable[[datetime], None]) -> None:
    for d in range(DAYS):
        for _ in range(max(0, int(R.gauss(per_day, per_day / 2)))):
            hour = R.gauss(14, 3) - tz
            fn(START + timedelta(days=d, hours=hour))


def developers(n: int) -> None:
    for _ in range(n):
        a = Acct("developer", "benign")
        tz = R.choice([-8, -5, 0, 1, 5.5, 9])
        ip, asn = resid_ip()
        ua, tls = R.choice(SDKS + BROWSERS)
        temp = R.choice([None, None, 0.7, 1.0, 0.2])
        mt = R.choice([None, 1024, 2048, 4096])
        spd = R.uniform(0.3, 5)

        def session(
            t: datetime,
            a: Acct = a,
            ip: str = ip,
            asn: int = asn,
            ua: str = ua,
            tls: str = tls,
            temp: float | None = temp,
            mt: int | None = mt,
        ) -> None:
            conv = h("c", R.random())
            turns = 1 if R.random() < 0.45 else R.randint(2, 7)
            for k in range(turns):
                p = dev_prompt() if k == 0 else R.choice(FOLLOWUPS)
                emit(
                    a,
                    t,
                    p,
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=temp if R.random() < 0.8 else R.choice([0, 0.5, 1]),
                    mt=mt,
                    conv=conv,
                    turn=k + 1,
                    out_med=R.choice([200, 400, 800]),
                    status=429 if R.random() < 0.01 else 200,
                )
                t += timedelta(seconds=R.uniform(20, 400))

        workday_sessions(tz, spd, session)


def campus(n: int) -> None:
    ip = "128.32.41.7"
    asn = 25
    created0 = START - timedelta(days=R.uniform(5, 30))
    for _ in range(n):
        a = Acct(
            "campus_nat",
            "benign",
            created=created0 + timedelta(hours=R.uniform(0, 48)),
            channel="edu",
            country="US",
        )
        ua, tls = R.choice(BROWSERS + SDKS[:1])
        for d in range(DAYS):
            lecture = START + timedelta(days=d, hours=17)  # 9am PST
            for _ in range(R.randint(2, 12)):
                t = lecture + timedelta(minutes=R.uniform(0, 110))
                conv = h("c", R.random())
                for k in range(R.randint(1, 4)):
                    dom = R.choice(list(DOMAINS))
                    if HOMEWORK and k == 0:
                        wrap = R.choice(HOMEWORK_WRAPS)
                        p = wrap.format(p=R.choice(DOMAINS[dom]) + " " + words(0, 6), d=dom)
                    elif k == 0:
                        p = R.choice(SOFT_WRAPS).format(p=R.choice(DOMAINS[dom]), d=dom)
                    else:
                        p = R.choice(FOLLOWUPS)
                    emit(
                        a,
                        t,
                        p,
                        ip=ip,
                        asn=asn,
                        ua=ua,
                        tls=tls,
                        conv=conv,
                        turn=k + 1,
                        out_med=600,
                    )
                    t += timedelta(seconds=R.uniform(30, 300))


def enterprise(n: int) -> None:
    pay = h("entcard")
    org = h("entorg")
    sp = h("entsp")
    for _ in range(n):
        a = Acct("enterprise", "benign", channel="enterprise", pay=pay, org=org, country="US")
        ip = f"198.51.{R.randint(100, 101)}.{R.randint(1, 254)}"
        ua, tls = SDKS[0]

        def session(t: datetime, a: Acct = a, ip: str = ip, ua: str = ua, tls: str = tls) -> None:
            p = R.choice(
                [
                    "Classify this support ticket into billing/tech/other: ",
                    "Extract the invoice total and due date from: ",
                    "Summarize for the account manager: ",
                ]
            ) + " ".join(R.choices(WORDS, k=R.randint(10, 40)))
            emit(
                a,
                t,
                p,
                ip=ip,
                asn=64500,
                ua=ua,
                tls=tls,
                temp=0.0,
                mt=512,
                sp=sp,
                out_med=120,
                in_med=900,
            )

        workday_sessions(5, R.uniform(2, 20), session)


def benchmark(n: int) -> None:
    for _ in range(n):
        a = Acct(
            "benchmark_customer",
            "benign",
            channel="enterprise",
            created=START - timedelta(days=R.uniform(300, 1200)),
        )
        ip, asn = cloud_ip()
        ua, tls = SDKS[0]
        sp = h("bsp", R.random())
        for d in range(DAYS):
            t = START + timedelta(days=d, hours=R.uniform(1, 20))
            for i in range(R.randint(100, 400)):
                dom = R.choice(list(DOMAINS))
                q = R.choice(DOMAINS[dom])
                # Drawn in both modes: the random stream, and so the figures in
                # docs/detection.md, stay as they were simulated.
                options = " ".join(f"({x}) {R.choice(WORDS)}" for x in "ABCD")
                if EVALSUITE:
                    p = R.choice(EVAL_FORMATS).format(q=q + " " + words(3, 15), d=dom)
                else:
                    p = (
                        f"Question {i}: {q}\nOptions: {options}\n"
                        "Let's think step by step, then answer with a single letter."
                    )
                emit(
                    a,
                    t,
                    p,
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=0.0,
                    mt=2048,
                    sp=sp,
                    out_med=500,
                    model=MODEL_NEW if t > RELEASE and R.random() < 0.5 else None,
                )
                t += timedelta(seconds=R.uniform(2, 15))


def reseller(n: int) -> None:
    for _ in range(n):
        a = Acct("reseller", "benign", channel="reseller")
        sps = [h("rsp", R.random()) for _ in range(40)]
        pool = [cloud_ip() for _ in range(5)]
        t = START
        while t < END:
            ip, asn = R.choice(pool)
            conv = h("c", R.random())
            for k in range(R.randint(1, 5)):
                emit(
                    a,
                    t,
                    dev_prompt() if k == 0 else R.choice(FOLLOWUPS),
                    ip=ip,
                    asn=asn,
                    ua="router/2.1 (+https://example-router.ai)",
                    tls=SDKS[2][1],
                    sp=R.choice(sps),
                    conv=conv,
                    turn=k + 1,
                    temp=R.choice([None, 0.7]),
                    mt=R.choice([1024, 4096]),
                )
            t += timedelta(seconds=R.expovariate(1 / 40))


def hackathon(n: int) -> None:
    t0 = START + timedelta(days=1, hours=15)
    ip = "203.0.113.50"
    for _ in range(n):
        a = Acct(
            "hackathon",
            "benign",
            created=t0 + timedelta(minutes=R.uniform(-60, 90)),
            channel="startup_program",
        )
        ua, tls = R.choice(SDKS)
        idea = R.choice(WORDS)
        t = t0 + timedelta(minutes=R.uniform(60, 180))
        while t < t0 + timedelta(hours=26):
            emit(
                a,
                t,
                f"for our hackathon {idea} app: " + dev_prompt(),
                ip=ip if R.random() < 0.8 else resid_ip()[0],
                asn=64501,
                ua=ua,
                tls=tls,
                temp=0.7,
                mt=4096,
                out_med=700,
                conv=h("c", R.random()),
            )
            t += timedelta(minutes=R.expovariate(1 / 25))


def harvest_prompt(soft: bool = False) -> str:
    d = R.choice(list(DOMAINS))
    p = R.choice(DOMAINS[d]) + f" (variant {R.randint(1, 10**6)})"
    return (R.choice(SOFT_WRAPS) if soft else R.choice(HARVEST_WRAPS)).format(p=p, d=d)


def proxy_fleet(n: int, camp: str) -> None:
    cards = [h("fc", i, R.random()) for i in range(max(2, n // 20))]
    proxies = [resid_ip() for _ in range(n * 4)]
    ua, tls = SDKS[0] if STRESS else BROWSERS[0]
    for _ in range(n):
        a = Acct(
            "fleet_proxy",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(0.5, 4)),
            pay=R.choice(cards),
        )
        t = START + timedelta(hours=R.uniform(0, 24))
        rate = R.uniform(1.5, 3)  # per hour
        while t < END:
            ip, asn = R.choice(proxies)
            emit(
                a,
                t,
                harvest_prompt(),
                ip=ip,
                asn=asn,
                ua=ua,
                tls=tls,
                temp=0.6,
                mt=8192,
                out_med=2500,
                in_med=200,
            )
            t += timedelta(hours=R.expovariate(rate))


def harvest_from_home(
    a: Acct,
    t: datetime,
    ip: str,
    asn: int,
    ua: str,
    tls: str,
    *,
    temp: float,
    out_med: float,
    per_hour: float,
) -> None:
    """One account harvesting from its own address until the end, half its prompts
    softly worded, at ``per_hour`` requests an hour (Poisson)."""
    while t < END:
        emit(
            a,
            t,
            harvest_prompt(soft=R.random() < 0.5),
            ip=ip,
            asn=asn,
            ua=ua,
            tls=tls,
            temp=temp,
            mt=4096,
            out_med=out_med,
        )
        t += timedelta(hours=R.expovariate(per_hour))


def quiet_fleet(n: int, camp: str) -> None:
    ua, tls = SDKS[1]
    for _ in range(n):
        a = Acct(
            "fleet_quiet",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(3, 60)),
        )
        ip, asn = resid_ip()
        t = START + timedelta(hours=R.uniform(0, 36))
        harvest_from_home(a, t, ip, asn, ua, tls, temp=1.0, out_med=1500, per_hour=0.4)


def pivot_fleet(n: int, camp: str) -> None:
    ua, tls = SDKS[4]
    blocks = [f"45.{R.randint(0, 255)}.{R.randint(0, 255)}" for _ in range(6)]
    for _ in range(n):
        a = Acct(
            "fleet_pivot",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(1, 10)),
        )
        t = RELEASE + timedelta(minutes=R.uniform(5, 90))
        while t < END:
            emit(
                a,
                t,
                harvest_prompt(),
                ip=f"{R.choice(blocks)}.{R.randint(1, 254)}",
                asn=9009,
                ua=ua,
                tls=tls,
                temp=0.0,
                mt=4096,
                out_med=3000,
                model=MODEL_NEW,
            )
            t += timedelta(minutes=R.expovariate(1 / 12))


def sleeper_fleet(n: int, camp: str) -> None:
    """Aged accounts on popular clients and their own home addresses that work like
    developers for a day and a half (conversations, varied temperatures, short answers),
    then all switch to harvesting within three hours."""
    switch = START + timedelta(hours=30)
    for _ in range(n):
        a = Acct(
            "fleet_sleeper",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(60, 400)),
        )
        ip, asn = resid_ip()
        ua, tls = R.choice(SDKS[:3] + BROWSERS[:1])
        t = START + timedelta(hours=R.uniform(0, 6))
        while t < switch:
            conv = h("c", R.random())
            for k in range(R.randint(1, 5)):
                emit(
                    a,
                    t,
                    dev_prompt() if k == 0 else R.choice(FOLLOWUPS),
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=R.choice([0.2, 0.7, 1.0]),
                    conv=conv,
                    turn=k + 1,
                    out_med=R.choice([200, 400, 800]),
                )
                t += timedelta(seconds=R.uniform(30, 300))
            t += timedelta(hours=R.expovariate(1 / 2.5))
        t = switch + timedelta(minutes=R.uniform(0, 180))
        harvest_from_home(a, t, ip, asn, ua, tls, temp=0.7, out_med=2000, per_hour=1.5)


def burner_fleet(n: int, camp: str) -> None:
    """Short-lived accounts: the operator opens a handful every few hours, each harvests
    for a few hours through a residential proxy pool (a new exit on every request) on a
    popular client, every prompt in one of its pipeline's own wrappers, then is dropped.
    Prepaid cards are reused by one to three accounts; nothing else is shared, and no
    account lives long enough to look like a heavy user on its own."""
    cards: list[str] = []
    made = 0
    batch_at = START + timedelta(hours=R.uniform(0, 3))
    while made < n and batch_at < END:
        for _ in range(min(n - made, R.randint(6, 14))):
            if not cards or R.random() < 0.5:
                cards.append(h("pc", R.random()))
            created = batch_at + timedelta(minutes=R.uniform(0, 40))
            a = Acct("fleet_burner", "attack", camp, created=created, pay=R.choice(cards[-3:]))
            ua, tls = R.choice(SDKS[:3] + BROWSERS)
            t = created + timedelta(minutes=R.uniform(5, 90))
            stop = t + timedelta(hours=R.uniform(2, 8))
            rate = R.uniform(6, 12)  # per hour
            while t < min(stop, END):
                ip, asn = resid_ip()
                d = R.choice(list(DOMAINS))
                emit(
                    a,
                    t,
                    R.choice(BURNER_WRAPS).format(
                        p=R.choice(DOMAINS[d]) + f" (item {R.randint(1, 10**6)})", d=d
                    ),
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=R.choice([0.3, 0.7]),
                    mt=4096,
                    out_med=1800,
                    in_med=250,
                )
                t += timedelta(hours=R.expovariate(rate))
            made += 1
        batch_at += timedelta(hours=R.uniform(2, 5))


# The conversational fleet's wording: a wrapped question, then scripted follow-ups.
CHAT_WRAPS = [
    "{p}. Please reason about it carefully and show how you get to the answer.",
    "I'm studying {d}. {p} -- walk me through your thinking in detail.",
    "{p}\n\nExplain the approach first, then solve it completely.",
    "Help me understand this {d} question: {p}. Go through it step by step.",
]
CHAT_FOLLOWUPS = [
    "Go deeper on the hardest step. Why does it hold?",
    "Now solve it a different way and compare the two approaches.",
    "What mistakes do people usually make on this, and why are they wrong?",
    "Summarise the key idea in a few sentences, then give a harder variant and solve it.",
    "Check your answer again carefully. Is anything in the reasoning wrong?",
    "Can you explain that last part more rigorously?",
]


def chatty_fleet(n: int, camp: str) -> None:
    """Harvesters that converse: every question (wrapped to ask for the reasoning) is
    followed by one to three scripted follow-ups in the same conversation, each sending
    the history back, so that the answers are not long next to the prompts and few
    requests are single-turn; multi-turn data is also what some distillers want. A
    residential proxy pool held for a conversation, popular clients, cards shared by a
    dozen accounts or so, one temperature per account."""
    cards = [h("cc", i, R.random()) for i in range(max(2, n // 12))]
    for _ in range(n):
        a = Acct(
            "fleet_chatty",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(1, 30)),
            pay=R.choice(cards),
        )
        ua, tls = R.choice(SDKS[:3] + BROWSERS[:1])
        temp = R.choice([0.5, 0.7, 1.0])
        t = START + timedelta(hours=R.uniform(0, 24))
        rate = R.uniform(0.8, 2.0)  # conversations per hour
        while t < END:
            ip, asn = resid_ip()
            conv = h("cv", R.random())
            d = R.choice(list(DOMAINS))
            prompt = R.choice(CHAT_WRAPS).format(
                p=R.choice(DOMAINS[d]) + f" (case {R.randint(1, 10**6)})", d=d
            )
            history = 0
            for k in range(1 + R.randint(1, 3)):
                text = prompt if k == 0 else R.choice(CHAT_FOLLOWUPS)
                asked = int(R.lognormvariate(0, 0.4) * (150 if k == 0 else 30))
                sent = len(rows)
                emit(
                    a,
                    t,
                    text,
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=temp,
                    mt=4096,
                    out_med=1800,
                    in_exact=history + asked,
                    conv=conv,
                    turn=k + 1,
                )
                if len(rows) > sent:  # the next turn resends this one and its answer
                    history += asked + rows[-1]["output_tokens"]
                t += timedelta(seconds=R.uniform(20, 90))
            t += timedelta(hours=R.expovariate(rate))


def sysprompt_fleet(n: int, camp: str) -> None:
    """Harvesters whose instructions live in the system prompt: the user prompt is the
    bare question (no wrapper, nothing asking for reasoning), and the operator's long
    system prompt (reason step by step, grade yourself; 600 to 1,200 tokens, one of three
    versions) is in every request's input, so the answers are not long next to the
    input. Each account on its own home address and one popular client, its own card,
    single-turn, one temperature, two to four requests an hour."""
    versions = [(h("sp", i, R.random()), R.randint(600, 1200)) for i in range(3)]
    for _ in range(n):
        a = Acct(
            "fleet_sysprompt",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(2, 40)),
        )
        ip, asn = resid_ip()
        ua, tls = R.choice(SDKS[:3])
        temp = R.choice([0.0, 0.2, 0.7])
        sp, sp_tokens = R.choice(versions)
        t = START + timedelta(hours=R.uniform(0, 24))
        rate = R.uniform(2.0, 4.0)  # per hour
        while t < END:
            d = R.choice(list(DOMAINS))
            question = R.choice(DOMAINS[d]) + f" (no. {R.randint(1, 10**6)})"
            emit(
                a,
                t,
                question,
                ip=ip,
                asn=asn,
                ua=ua,
                tls=tls,
                temp=temp,
                mt=4096,
                out_med=2200,
                in_exact=sp_tokens + int(R.lognormvariate(0, 0.4) * 60),
                sp=sp,
            )
            t += timedelta(hours=R.expovariate(rate))


HELPDESK_ASKS = [
    "how do I reset my password for the {w} dashboard",
    "my {w} integration stopped syncing since yesterday, what should I check",
    "can I export my {w} data to csv",
    "why was I charged twice this month",
    "is there a way to add a second admin to our {w} workspace",
    "the mobile app crashes when I open {w}",
    "what is the difference between the {w} and {w2} plans",
    "how do I cancel my subscription",
]
WRITING_ASKS = [
    "write a short email to my {w} team about moving the {w2} meeting to friday",
    "rewrite this paragraph to sound more formal: ",
    "make this shorter and friendlier: ",
    "draft a polite reminder to a client about the {w} invoice",
    "fix the grammar in: ",
    "write a linkedin post about finishing the {w2} project",
]


def helpdesk_bots(n: int) -> None:
    """Companies' help-desk bots: one account each on its own cloud address, a long
    system prompt (the product's documentation, 1,500 to 4,000 tokens) before each
    customer's short question, medium answers, mostly single-turn, one temperature,
    busy in business hours."""
    for _ in range(n):
        a = Acct(
            "helpdesk_bot",
            "benign",
            channel="enterprise",
            created=START - timedelta(days=R.uniform(200, 1000)),
        )
        ip, asn = cloud_ip()
        ua, tls = R.choice(SDKS[:2])
        sp, sp_tokens = h("hd", R.random()), R.randint(1500, 4000)
        tz = R.choice([-8, -5, 0, 1, 5.5, 9])
        per_hour = R.uniform(8, 50)
        for d in range(DAYS):
            t = START + timedelta(days=d, hours=8 - tz + R.uniform(-1, 1))
            close = t + timedelta(hours=R.uniform(9, 12))
            while t < close:
                ask = R.choice(HELPDESK_ASKS).format(w=R.choice(WORDS), w2=R.choice(WORDS))
                asked = sp_tokens + int(R.lognormvariate(0, 0.5) * 40)
                conv = h("c", R.random())
                emit(
                    a,
                    t,
                    ask,
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=0.3,
                    mt=1024,
                    out_med=350,
                    sp=sp,
                    conv=conv,
                    in_exact=asked,
                )
                if R.random() < 0.15 and len(rows) and rows[-1]["account_id"] == a.id:
                    follow = R.choice(FOLLOWUPS)
                    emit(
                        a,
                        t + timedelta(seconds=R.uniform(20, 120)),
                        follow,
                        ip=ip,
                        asn=asn,
                        ua=ua,
                        tls=tls,
                        temp=0.3,
                        mt=1024,
                        out_med=250,
                        sp=sp,
                        conv=conv,
                        turn=2,
                        in_exact=asked + rows[-1]["output_tokens"] + 15,
                    )
                t += timedelta(hours=R.expovariate(per_hour))


def byok_app_users(n: int) -> None:
    """Users of one open-source writing assistant who each bring their own API key: one
    system prompt (the app's, 700 tokens) shared by every account, each on its own home
    address and browser, the app's fixed temperature and 1,024-token cap, single-turn
    asks (some with the user's text pasted in), a few sessions a working day."""
    sp, sp_tokens = h("byok", SEED), 700
    for _ in range(n):
        a = Acct("byok_app_user", "benign")
        ip, asn = resid_ip()
        ua, tls = R.choice(BROWSERS)
        tz = R.choice([-8, -5, 0, 1, 5.5, 9])

        def session(
            t: datetime, a: Acct = a, ip: str = ip, asn: int = asn, ua: str = ua, tls: str = tls
        ) -> None:
            for _ in range(R.randint(1, 5)):
                ask = R.choice(WRITING_ASKS).format(w=R.choice(WORDS), w2=R.choice(WORDS))
                pasted = 0
                if ask.endswith(": "):
                    ask += words(20, 60)
                    pasted = int(R.lognormvariate(0, 0.6) * 150)
                asked = sp_tokens + 25 + pasted + int(R.lognormvariate(0, 0.4) * 15)
                emit(
                    a,
                    t,
                    ask,
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=0.7,
                    mt=1024,
                    out_med=450,
                    sp=sp,
                    conv=h("c", R.random()),
                    in_exact=asked,
                )
                t += timedelta(seconds=R.uniform(30, 600))

        workday_sessions(tz, R.uniform(1, 4), session)


# The reward-model fleet's judge templates: a question, a candidate answer to grade, a
# rubric, and a short structured verdict asked for.
GRADER_WRAPS = [
    "You are grading a model's answer.\nQuestion ({d}): {q}\nCandidate answer: {a}\n\n"
    "Score it from 1 to 10 for correctness, reasoning quality and completeness. Reply as "
    'JSON: {{"score": n, "justification": "..."}}',
    "Evaluate the response below against the rubric (accuracy, rigor, clarity).\n"
    "[PROMPT] {q}\n[RESPONSE] {a}\nGive a one-paragraph critique and then a final grade "
    "out of 10.",
    "Which of these two answers to the {d} question is better, A or B? Explain briefly.\n"
    "Q: {q}\nA: {a}\nB: {b}",
    "Rate the following solution on a 1-5 scale and list its errors, if any.\n"
    "Problem: {q}\nSolution: {a}",
]
JUDGE_WRAPS = [
    "You are an impartial judge. Compare the assistant's reply to the reference.\n"
    "User: {q}\nReference: {b}\nAssistant: {a}\nOutput a score from 1 to 10 and one "
    "sentence of reasoning.",
    "Grade the chatbot response for helpfulness and harmlessness (1-5 each).\n"
    "Conversation: {q}\nResponse: {a}",
]


def grader_fleet(n: int, camp: str) -> None:
    """Harvesters that use the model as a reward model (publicly reported): each prompt
    is a question from any domain, one or two candidate answers from the operator's own
    model and a rubric, and the answer is a short verdict, so the input is long and the
    output short; nothing is cut at ``max_tokens``. A residential proxy pool (a new exit
    on every request), popular clients, cards shared by eight accounts or so, temperature
    0, single-turn, three to six requests an hour."""
    cards = [h("gc", i, R.random()) for i in range(max(2, n // 8))]
    for _ in range(n):
        a = Acct(
            "fleet_grader",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(1, 20)),
            pay=R.choice(cards),
        )
        ua, tls = R.choice(SDKS[:3] + BROWSERS[:1])
        t = START + timedelta(hours=R.uniform(0, 24))
        rate = R.uniform(3.0, 6.0)  # per hour
        while t < END:
            ip, asn = resid_ip()
            d = R.choice(list(DOMAINS))
            prompt = R.choice(GRADER_WRAPS).format(
                q=R.choice(DOMAINS[d]) + f" (id {R.randint(1, 10**6)})",
                a=words(40, 120),
                b=words(40, 120),
                d=d,
            )
            emit(
                a,
                t,
                prompt,
                ip=ip,
                asn=asn,
                ua=ua,
                tls=tls,
                temp=0.0,
                mt=512,
                out_med=160,
                in_med=1100,
            )
            t += timedelta(hours=R.expovariate(rate))


def judge_customers(n: int) -> None:
    """Companies evaluating their own chatbots with the model as a judge (LLM-as-judge):
    one account each on a cloud address and the official SDK, an evaluation run of 200 to
    1,500 grading requests a few times a day in one of two judge templates, temperature 0,
    short verdicts: per request the reward-model fleet's twin."""
    for _ in range(n):
        a = Acct(
            "judge_customer",
            "benign",
            channel=R.choice(["enterprise", "self_serve"]),
            created=START - timedelta(days=R.uniform(60, 900)),
        )
        ip, asn = cloud_ip()
        ua, tls = SDKS[0]
        wrap = R.choice(JUDGE_WRAPS)
        for d in range(DAYS):
            for _ in range(R.randint(1, 3)):
                t = START + timedelta(days=d, hours=R.uniform(0, 22))
                for _ in range(R.randint(200, 1500)):
                    emit(
                        a,
                        t,
                        wrap.format(q=dev_prompt(), a=words(20, 90), b=words(20, 60)),
                        ip=ip,
                        asn=asn,
                        ua=ua,
                        tls=tls,
                        temp=0.0,
                        mt=256,
                        out_med=90,
                        in_med=700,
                    )
                    t += timedelta(seconds=R.uniform(0.5, 6))


# A coding agent's loop: a task, then tool results fed back until it is done.
AGENT_TASKS = [
    "implement a {w} parser in {l} with unit tests",
    "fix the failing test in the {w} module",
    "add a command-line flag to enable {w} caching",
    "port the {w} service from {l} to {l2}",
    "refactor the {w} handler to use async io",
    "write a migration that adds a {w} column and backfills it",
    "find why the {w} job is slow and fix it",
    "add pagination to the {w} endpoint",
]
AGENT_TOOLS = ["read_file", "run_tests", "grep", "list_dir", "apply_patch", "run_shell"]
AGENT_AGENT = ("opencode/0.9.2 (cli)", "t13d1516h2_8daaf6152771_9a1c3d5e7f20")
AGENT_SP_TOKENS = 3200  # the agent's own system prompt, the same for everyone using it


def agent_task(
    a: Acct, t: datetime, *, ip: str, asn: int, langs: list[str], steps: tuple[int, int]
) -> datetime:
    """One task in ``langs`` run by the coding agent: the task, then ``steps`` (a range)
    tool results fed back, each request resending the whole history (the agent's system
    prompt included), the model's replies tool calls but the last, a summary, all at
    temperature 0. Returns when it ended."""
    task = R.choice(AGENT_TASKS).format(w=R.choice(WORDS), l=R.choice(langs), l2=R.choice(langs))
    last = R.randint(*steps)
    conv = h("ag", R.random())
    sp = h("agent-sp", SEED)
    history = AGENT_SP_TOKENS
    ua, tls = AGENT_AGENT
    for k in range(last + 1):
        if k == 0:
            text, added = task, int(R.lognormvariate(0, 0.4) * 80)
        else:
            tool = R.choice(AGENT_TOOLS)
            text = f"[tool_result {tool}] " + words(10, 40)
            added = int(R.lognormvariate(0, 0.8) * 400)
        sent = len(rows)
        emit(
            a,
            t,
            text,
            ip=ip,
            asn=asn,
            ua=ua,
            tls=tls,
            temp=0.0,
            mt=8192,
            out_med=900 if k == last else 250,
            in_exact=history + added,
            conv=conv,
            turn=k + 1,
            sp=sp,
            tools=0 if k == last else 1,
        )
        if len(rows) > sent:
            history += added + rows[-1]["output_tokens"]
        t += timedelta(seconds=R.uniform(5, 40))
    return t


def agentic_fleet(n: int, camp: str) -> None:
    """Harvesters of agent trajectories (publicly reported: agentic coding and tool
    use): each account runs the popular open-source coding agent round the clock on
    tasks from every language and kind of work, one after another; nothing asks for
    reasoning, every request but the first of a task is a follow-up resending the
    history, and the answers are tool calls. A new residential exit per task, cards
    shared by ten accounts or so, accounts one to thirty days old."""
    cards = [h("ac", i, R.random()) for i in range(max(2, n // 10))]
    for _ in range(n):
        a = Acct(
            "fleet_agentic",
            "attack",
            camp,
            created=START - timedelta(days=R.uniform(1, 30)),
            pay=R.choice(cards),
        )
        t = START + timedelta(hours=R.uniform(0, 24))
        while t < END:
            ip, asn = resid_ip()
            t = agent_task(a, t, ip=ip, asn=asn, langs=LANGS, steps=(4, 14))
            t += timedelta(minutes=R.expovariate(1 / 20))


def agent_users(n: int) -> None:
    """Developers using the same coding agent on their own projects: old accounts, each
    its own card and home address, one or two languages, one to three tasks in a
    session, a few sessions a working day."""
    for _ in range(n):
        a = Acct("agent_user", "benign")
        ip, asn = resid_ip()
        tz = R.choice([-8, -5, 0, 1, 5.5, 9])
        langs = R.sample(LANGS, R.randint(1, 2))

        def session(
            t: datetime, a: Acct = a, ip: str = ip, asn: int = asn, langs: list[str] = langs
        ) -> None:
            for _ in range(R.randint(1, 3)):
                t = agent_task(a, t, ip=ip, asn=asn, langs=langs, steps=(3, 20))
                t += timedelta(minutes=R.uniform(5, 60))

        workday_sessions(tz, R.uniform(1, 3), session)


# The mixing network's own pipeline (another operator's wording again).
MIXING_WRAPS = [
    "{p}\n\nGive a thorough answer: show your full reasoning, every step, then the "
    "result on a separate line.",
    "As a domain expert in {d}, work through this carefully and explain each step of "
    "your thinking: {p}",
    "{p}\n\nFirst think it through in detail. Then answer, and finally assess how "
    "confident you are and why.",
]


def mixing_fleet(n: int, camp: str) -> None:
    """A proxy network that resells access and mixes its own harvesting into its
    customers' requests (publicly reported: one network ran 20,000 accounts, mixing
    distillation traffic with unrelated customer requests to make detection harder).
    Its accounts are ordinary self-serve ones, each on its own card; every request, a
    customer's or its own, goes out through a random account of the network and a
    random exit of its hosting pool (a few address blocks on two providers), through
    the official SDK. Half of the requests are its harvesting: questions from any
    domain in its own wrappers, single-turn, at one temperature and a large cap. The
    other half are its customers' coding and writing asks, conversations whose turns
    land on whichever account the balancer picks."""
    blocks = [
        (f"{R.choice([45, 64, 89, 185])}.{R.randint(0, 255)}.{R.randint(0, 255)}", asn)
        for asn in (R.choice([14061, 24940]), R.choice([16276, 63949]))
        for _ in range(5)
    ]
    pool = [(f"{b}.{R.randint(2, 250)}", asn) for b, asn in blocks for _ in range(6)]
    ua, tls = SDKS[0]
    accts = [
        Acct("fleet_mixing", "attack", camp, created=START - timedelta(days=R.uniform(2, 45)))
        for _ in range(n)
    ]
    per_hour = n * 2.5  # the network's whole volume, spread evenly over its accounts
    t = START
    while t < END:
        ip, asn = R.choice(pool)
        if R.random() < 0.5:
            d = R.choice(list(DOMAINS))
            p = R.choice(DOMAINS[d]) + f" (variant {R.randint(1, 10**6)})"
            emit(
                R.choice(accts),
                t,
                R.choice(MIXING_WRAPS).format(p=p, d=d),
                ip=ip,
                asn=asn,
                ua=ua,
                tls=tls,
                temp=0.8,
                mt=8192,
                out_med=2200,
                in_med=180,
            )
        else:
            conv = h("c", R.random())
            temp = R.choice([None, 0.7, 1.0])
            mt = R.choice([None, 1024, 4096])
            u = t
            for k in range(1 if R.random() < 0.5 else R.randint(2, 5)):
                ip, asn = R.choice(pool)
                emit(
                    R.choice(accts),
                    u,
                    dev_prompt() if k == 0 else R.choice(FOLLOWUPS),
                    ip=ip,
                    asn=asn,
                    ua=ua,
                    tls=tls,
                    temp=temp,
                    mt=mt,
                    conv=conv,
                    turn=k + 1,
                    out_med=R.choice([200, 400, 800]),
                    in_med=300 + 400 * k,
                )
                u += timedelta(seconds=R.uniform(20, 300))
        t += timedelta(hours=R.expovariate(per_hour))


def pooled_apps(n: int) -> None:
    """Its benign look-alike: companies that spread one product's traffic over several
    accounts (to stay under per-account rate limits), each account on the company's
    card and organisation, from its own cloud egress (two or three addresses), through
    the official SDK; the product's own requests, multi-turn half the time."""
    for _ in range(n):
        pay, org = h("pcard", R.random()), h("porg", R.random())
        egress = [cloud_ip() for _ in range(R.randint(2, 3))]
        accts = [
            Acct("pooled_app", "benign", pay=pay, org=org, country="US")
            for _ in range(R.randint(6, 15))
        ]
        sp = h("psp", R.random())
        per_hour = len(accts) * R.uniform(2, 6)
        t = START
        while t < END:
            conv = h("c", R.random())
            u = t
            for k in range(1 if R.random() < 0.5 else R.randint(2, 4)):
                ip, asn = R.choice(egress)
                emit(
                    R.choice(accts),
                    u,
                    dev_prompt() if k == 0 else R.choice(FOLLOWUPS),
                    ip=ip,
                    asn=asn,
                    ua=SDKS[0][0],
                    tls=SDKS[0][1],
                    temp=0.7,
                    mt=2048,
                    conv=conv,
                    turn=k + 1,
                    sp=sp,
                    out_med=500,
                    in_med=600 + 400 * k,
                )
                u += timedelta(seconds=R.uniform(20, 300))
            t += timedelta(hours=R.expovariate(per_hour))


FLAGS = frozenset(
    {
        "--stress",
        "--sleeper",
        "--homework",
        "--evalsuite",
        "--burners",
        "--only-burners",
        "--chatty",
        "--only-chatty",
        "--sysprompt",
        "--only-sysprompt",
        "--apps",
        "--grader",
        "--only-grader",
        "--judges",
        "--agentic",
        "--only-agentic",
        "--agent-users",
        "--mixing",
        "--only-mixing",
        "--pooled-apps",
    }
)


def _check_arguments(argv: list[str]) -> None:
    """Usage on -h, and a clear error (not a default file) on a mistyped flag."""
    usage = (__doc__ or "").split("    python ", 1)[-1].split("\n\n", 1)[0]
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print("usage: python " + usage)
        sys.exit(0)
    unknown = [a for a in argv[3:] if a not in FLAGS]
    if len(argv) < 3 or not argv[1].isdigit() or unknown:
        why = f"unknown option(s): {' '.join(unknown)}" if unknown else "SEED and OUTDIR needed"
        print(f"{why}\nusage: python {usage}", file=sys.stderr)
        sys.exit(2)


def main() -> None:
    global SEED, STRESS, HOMEWORK, EVALSUITE
    _check_arguments(sys.argv)
    SEED = int(sys.argv[1])
    out = sys.argv[2]
    STRESS = "--stress" in sys.argv[3:]
    HOMEWORK = "--homework" in sys.argv[3:]
    EVALSUITE = "--evalsuite" in sys.argv[3:]
    R.seed(SEED)
    developers(1500)
    campus(60)
    enterprise(200)
    benchmark(8 if EVALSUITE else 3)
    reseller(3)
    hackathon(120)
    only = {
        "--only-burners",
        "--only-chatty",
        "--only-sysprompt",
        "--only-grader",
        "--only-agentic",
        "--only-mixing",
    }
    if not only & set(sys.argv[3:]):
        proxy_fleet(400, "X-proxy")
        quiet_fleet(150, "X-quiet")
        pivot_fleet(80, "X-pivot")
    if "--sleeper" in sys.argv[3:]:  # last, so that the other populations stay the same
        sleeper_fleet(200, "X-sleeper")
    if {"--burners", "--only-burners"} & set(sys.argv[3:]):  # after the sleepers, likewise
        burner_fleet(250, "X-burner")
    if {"--chatty", "--only-chatty"} & set(sys.argv[3:]):  # last, likewise
        chatty_fleet(150, "X-chatty")
    if {"--sysprompt", "--only-sysprompt"} & set(sys.argv[3:]):  # last, likewise
        sysprompt_fleet(150, "X-sysprompt")
    if "--apps" in sys.argv[3:]:  # last, likewise
        helpdesk_bots(20)
        byok_app_users(150)
    if {"--grader", "--only-grader"} & set(sys.argv[3:]):  # last, likewise
        grader_fleet(150, "X-grader")
    if "--judges" in sys.argv[3:]:  # last, likewise
        judge_customers(6)
    if {"--agentic", "--only-agentic"} & set(sys.argv[3:]):  # last, likewise
        agentic_fleet(150, "X-agentic")
    if "--agent-users" in sys.argv[3:]:  # last, likewise
        agent_users(300)
    if {"--mixing", "--only-mixing"} & set(sys.argv[3:]):  # last, likewise
        mixing_fleet(200, "X-mixing")
    if "--pooled-apps" in sys.argv[3:]:  # last, likewise
        pooled_apps(5)
    rows.sort(key=lambda e: e["ts"])
    os.makedirs(out, exist_ok=True)
    with gzip.open(f"{out}/events.jsonl.gz", "wt") as f:
        for e in rows:
            f.write(json.dumps(e) + "\n")
    with open(f"{out}/labels.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["account_id", "label", "campaign_id", "population"])
        w.writerows(labels)
    print(len(rows), "events", len(labels), "accounts")


if __name__ == "__main__":
    main()
