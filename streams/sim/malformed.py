"""Broken records, as real gateways and collectors produce them, for the dead-letter path.

About one line in a thousand is corrupted in place (it keeps its position in the stream):
truncated writes and stray non-JSON lines, a dropped required field, a wrong JSON type, an
unparseable timestamp, an out-of-range value, a JSON array instead of an object, and now and
then a record over the 1 MiB limit (a huge pasted log). Each corruption is built to fail
the contract for exactly one known reason, so tests can check the parser against it.
"""

from __future__ import annotations

import random
from typing import Any, Final

import orjson

__all__ = ["KINDS", "MAX_LINE_BYTES", "corrupt", "plan"]

MAX_LINE_BYTES: Final = 1_048_576
"""The parser's default record limit: an oversized line is longer than this."""

KINDS: Final[tuple[tuple[str, float], ...]] = (
    ("not_json", 3.0),
    ("missing_field", 2.0),
    ("wrong_type", 2.0),
    ("bad_ts", 2.0),
    ("out_of_range", 1.0),
    ("not_object", 0.3),
)
"""Corruption kinds (named after the parser's reason codes) and their relative frequency.
``too_large`` is placed separately: about one per 150,000 events."""

_GARBAGE: Final = (
    b"<html><head><title>502 Bad Gateway</title></head></html>",
    b"upstream connect error or disconnect/reset before headers",
    b"\x1b[2K[collector] flush ok",
    b"null,",
)
_BAD_TS: Final = (
    "2026-11-19 10:15:02.114",
    "19/11/2026 10:15:02",
    "1795046400",
    "yesterday",
    "2026-11-31T10:15:02.114Z",
    "2026-11-19T25:15:02.114Z",
    "",
)


def plan(rng: random.Random, total: int, rate: float = 0.001) -> list[tuple[int, str]]:
    """Which line indices of a ``total``-line stream to corrupt, and how (sorted).

    Every kind appears at least once; oversized lines are rare.
    """
    if total < 20:
        return []
    oversized = max(1, round(total / 150_000))
    count = max(len(KINDS) + oversized, round(total * rate))
    picked = sorted(rng.sample(range(total), count))
    kinds = [k for k, _ in KINDS] + ["too_large"] * oversized
    names = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    kinds += rng.choices(names, weights=weights, k=count - len(kinds))
    rng.shuffle(kinds)
    return list(zip(picked, kinds, strict=True))


def corrupt(rng: random.Random, line: bytes, kind: str) -> bytes:
    """``line`` (a valid event) broken so that the parser rejects it for reason ``kind``."""
    if kind == "not_json":
        if rng.random() < 0.3:
            return _GARBAGE[int(rng.random() * len(_GARBAGE))]
        # A truncated write, cut inside the ASCII head of the record (never mid-character).
        return line[: 10 + int(rng.random() * min(150, len(line) - 20))]
    doc: dict[str, Any] = orjson.loads(line)
    if kind == "missing_field":
        field = rng.choice(
            ("ts", "account_id", "model", "input_tokens", "output_tokens", "event_id")
        )
        if rng.random() < 0.2:
            doc[field] = None
        else:
            del doc[field]
    elif kind == "wrong_type":
        choice = int(rng.random() * 4)
        if choice == 0:
            doc["input_tokens"] = str(doc["input_tokens"])
        elif choice == 1:
            doc["asn"] = f"AS{doc.get('asn', 0)}"
        elif choice == 2:
            doc["output_tokens"] = True
        else:
            doc["account_id"] = 1000 + int(rng.random() * 9000)
    elif kind == "bad_ts":
        doc["ts"] = _BAD_TS[int(rng.random() * len(_BAD_TS))]
    elif kind == "out_of_range":
        choice = int(rng.random() * 3)
        if choice == 0:
            doc["output_tokens"] = -1 - int(rng.random() * 100)
        elif choice == 1:
            doc["country"] = "USA"
        else:
            doc["ip"] = f"{256 + int(rng.random() * 700)}.12.7.1"
    elif kind == "not_object":
        return orjson.dumps([doc])
    elif kind == "too_large":
        entry = "2026-11-19T10:15:02.114Z INFO worker-3 processed batch 18234 in 35ms ok=true\n"
        doc["prompt"] = "why is this job so slow? here is the log:\n" + entry * (
            MAX_LINE_BYTES // len(entry) + 200
        )
    else:
        raise ValueError(f"unknown corruption kind {kind!r}")
    return orjson.dumps(doc)
