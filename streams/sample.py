"""The demo's bundled sample stream: normal accounts and one obvious harvester.

Small and deterministic (same seed, same bytes). The full labelled traffic simulator is a
separate, much richer tool; this one only has to make the walking skeleton visible.
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
HARVESTER = "acct-harvest-7f3a"
MODELS = ("frontier-large-2026-10", "frontier-medium-2026-06", "frontier-small-2026-03")
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
_NORMAL = (
    "Can you help me fix this {t}? It fails on the second call.",
    "Write a short {t} for our onboarding flow.",
    "Explain why my {t} is slow and how to speed it up.",
    "Review this {t} and point out anything risky.",
    "What's the idiomatic way to write a {t}?",
)
_HARVEST = (
    "Think step by step and show your full reasoning before answering: solve problem "
    "#{n} in {t}. Then grade your answer against a rubric of correctness and clarity."
)


def generate(seed: int = 7, hours: int = 3, normal_accounts: int = 120) -> Iterator[dict[str, Any]]:
    """Events in event-time order: ``normal_accounts`` light users plus one harvester."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    end_ms = START_MS + hours * 3_600_000
    for i in range(normal_accounts):
        account = f"acct-{i:04d}"
        rate_per_hour = rng.uniform(2, 30)
        ip = f"203.0.{rng.randrange(1, 250)}.{rng.randrange(1, 250)}"
        t = START_MS + int(rng.expovariate(rate_per_hour / 3_600_000))
        conversation = 0
        turn = 1
        while t < end_ms:
            if turn == 1 or rng.random() < 0.4:
                conversation += 1
                turn = 1
            else:
                turn += 1
            events.append(
                _event(rng, account, t, ip, 64512 + i % 40, conversation, turn, harvest=False)
            )
            t += int(rng.expovariate(rate_per_hour / 3_600_000)) + 1
    t = START_MS + 1_800_000  # the harvester starts half an hour in
    n = 0
    while t < end_ms:
        n += 1
        ip = f"198.51.100.{rng.randrange(1, 254)}"
        events.append(_event(rng, HARVESTER, t, ip, 14061, n, 1, harvest=True, n=n))
        t += int(rng.uniform(2_000, 6_000))
    events.sort(key=lambda e: (e["ts"], e["event_id"]))
    yield from events


def _event(
    rng: random.Random,
    account: str,
    t: int,
    ip: str,
    asn: int,
    conversation: int,
    turn: int,
    *,
    harvest: bool,
    n: int = 0,
) -> dict[str, Any]:
    topic = rng.choice(_TOPICS)
    if harvest:
        prompt = _HARVEST.format(n=n, t=topic)
        max_tokens = 4096
        output = min(max_tokens, int(rng.lognormvariate(math.log(3800), 0.15)))
        temperature = 0.2
    else:
        prompt = rng.choice(_NORMAL).format(t=topic)
        max_tokens = rng.choice((1024, 2048, 4096))
        output = min(max_tokens, int(rng.lognormvariate(math.log(350), 0.7)))
        temperature = round(rng.choice((0.7, 1.0, rng.uniform(0, 1))), 2)
    return {
        "event_id": f"{account}-{t}-{rng.randrange(1 << 30):08x}",
        "ts": format_rfc3339_ms(t),
        "account_id": account,
        "model": MODELS[0] if harvest else rng.choice(MODELS),
        "input_tokens": int(rng.lognormvariate(math.log(180), 0.6)),
        "output_tokens": output,
        "account_created_at": format_rfc3339_ms(START_MS - 86_400_000 * (3 if harvest else 400)),
        "signup_channel": "self_serve",
        "ip": ip,
        "asn": asn,
        "country": "US",
        "endpoint": "/v1/messages",
        "status": 200,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "stop_reason": "max_tokens" if output >= max_tokens else "end_turn",
        "conversation_id": f"{account}-c{conversation}",
        "turn": turn,
        "prompt": prompt,
    }


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
