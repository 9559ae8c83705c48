"""Valid events at the edges of the contract are processed, never turned into errors.

Found by the fault tests of issue 5: the contract puts no upper bound on token counts and
accepts any event time from 1970 to 9999. A single ``"input_tokens": 1e20`` overflowed the
profile's 64-bit counters and then its checkpoint, which crashed the worker on every
restart; one event stamped 1970 made every later event of its account a
``processing_error`` (the decay weight overflowed).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from streams.config import load_settings
from streams.core.detector import MAX_EVENT_TOKENS
from streams.core.pipeline import params_from_settings
from streams.core.profile import AccountProfile
from streams.worker.runtime import PROFILES, TABLES, Headers, SourceRecord, WorkerRuntime
from tests.factories import wire_event


class _Run:
    def __init__(self) -> None:
        self.dead: list[Headers | None] = []
        self.states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}
        self.runtime = WorkerRuntime(
            params_from_settings(load_settings({}, overrides={"account_threshold": 0.25})),
            max_record_bytes=1 << 20,
            send_alert=lambda key, value, headers: None,
            send_dead_letter=lambda key, value, headers: self.dead.append(headers),
            send_changelog=lambda table, partition, key, value: None,
            states=self.states,
        )
        self.offset = 0

    def send(self, doc: dict[str, Any]) -> None:
        raw = orjson.dumps(doc)
        self.runtime.handle(SourceRecord("api-calls", 0, self.offset, raw))
        self.offset += 1

    def profile(self, account: str) -> AccountProfile:
        """The account's profile as a restarted worker would restore it."""
        self.runtime.checkpoint()
        return AccountProfile.from_bytes(self.states[PROFILES][account.encode()])


def _reasons(dead: list[Headers | None]) -> list[bytes]:
    return [dict(headers or [])["dg-error"] for headers in dead]


@pytest.mark.parametrize("field", ["input_tokens", "output_tokens"])
@pytest.mark.parametrize("value", [2**63 - 1, 2**64 - 1, 1e20, 1e308])
def test_huge_token_counts_are_counted_saturated_and_checkpointed(field: str, value: float) -> None:
    run = _Run()
    for i in range(6):
        extra = {field: value} if i in (1, 2) else {}
        run.send(wire_event("acct-big", f"2026-11-23T08:00:0{i}.000Z", event_id=f"e{i}", **extra))
    assert _reasons(run.dead) == []
    profile = run.profile("acct-big")  # the checkpoint serialises and restores
    assert profile.requests == 6
    normal = wire_event()[field]
    assert getattr(profile, field) == 2 * min(int(value), MAX_EVENT_TOKENS) + 4 * normal
    profile.to_bytes()


@pytest.mark.parametrize("first_ts", [0, 1, "1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z"])
def test_an_event_from_long_ago_does_not_poison_its_account(first_ts: int | str) -> None:
    run = _Run()
    run.send({**wire_event("acct-old", event_id="e-old"), "ts": first_ts})
    for i in range(5):
        run.send(wire_event("acct-old", f"2026-11-23T08:00:0{i}.000Z", event_id=f"e{i}"))
    assert _reasons(run.dead) == []
    assert run.profile("acct-old").requests == 6
