"""Test data builders shared by the test modules."""

from __future__ import annotations

from typing import Any

from streams.core.event import ApiCall

T0 = 1_795_420_800_000  # 2026-11-23T08:00:00Z


def api_call(account: str = "acct-1", ts_ms: int = T0, **fields: Any) -> ApiCall:
    base: dict[str, Any] = {
        "event_id": f"{account}-{ts_ms}",
        "ts_ms": ts_ms,
        "account_id": account,
        "model": "m",
        "input_tokens": 100,
        "output_tokens": 500,
    }
    base.update(fields)
    return ApiCall(**base)


def wire_event(
    account: str = "acct-1", ts: str = "2026-11-23T08:00:00.000Z", **fields: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "event_id": f"{account}-{ts}",
        "ts": ts,
        "account_id": account,
        "model": "m",
        "input_tokens": 100,
        "output_tokens": 500,
    }
    doc.update(fields)
    return doc


def observation(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments of ``Behaviour.observe`` for a plain, harmless event."""
    fields: dict[str, Any] = {
        "max_tokens_hit": False,
        "follow_up": False,
        "temperature": None,
        "status": 200,
        "new_model": False,
        "cot": 0.0,
        "rubric": 0.0,
        "topic": 0,
        "tool_calls": 0,
        "input_tokens": 100,
        "output_tokens": 100,
    }
    fields.update(overrides)
    return fields
