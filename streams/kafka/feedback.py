"""``distillguard feedback``: an analyst's verdict onto the ``feedback`` topic."""

from __future__ import annotations

import re
import time
from typing import Any

import orjson

from streams.core.timeutil import format_rfc3339_ms
from streams.core.verdicts import parse_feedback
from streams.kafka.io import make_producer
from streams.kafka.security import PLAINTEXT, ClientSecurity

# What the campaign stage's ids look like (``GroupIds``: prefix, creation ms, digest).
CAMPAIGN_ID = re.compile(r"^camp-\d+-[0-9a-f]{12}(-\d+)?$")


def looks_like_campaign(target: str) -> bool:
    return CAMPAIGN_ID.match(target) is not None


def feedback_record(
    target: str,
    verdict: str,
    *,
    campaign: bool,
    analyst: str | None = None,
    note: str | None = None,
    ts_ms: int | None = None,
) -> dict[str, Any]:
    """The contract's feedback object; raises ValueError when it would not be valid."""
    record: dict[str, Any] = {
        "campaign_id" if campaign else "account_id": target,
        "verdict": verdict,
        "ts": format_rfc3339_ms(int(time.time() * 1000) if ts_ms is None else ts_ms),
    }
    if analyst:
        record["analyst"] = analyst
    if note:
        record["note"] = note
    try:
        parse_feedback(orjson.dumps(record))
    except ValueError as exc:
        raise ValueError(f"not a valid verdict: {exc}") from None
    return record


def send_feedback(
    bootstrap: str,
    topic: str,
    record: dict[str, Any],
    *,
    security: ClientSecurity = PLAINTEXT,
    timeout_s: float = 30.0,
) -> tuple[int, int]:
    """Send one verdict keyed by its account (or campaign) id, as the worker routes it;
    returns (partition, offset) once the broker has it."""
    key = (record.get("account_id") or record["campaign_id"]).encode()
    producer = make_producer(bootstrap, security=security, linger_ms=0)
    try:
        meta = producer.send(topic, key=key, value=orjson.dumps(record)).get(timeout=timeout_s)
    finally:
        producer.close(timeout=10)
    return int(meta.partition), int(meta.offset)
