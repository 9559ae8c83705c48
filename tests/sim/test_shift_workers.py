"""The opt-in ``shift_workers`` fleet: nothing shared across accounts, only behaviour."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest

from streams.core.event import ApiCall
from streams.sim.world import DAY_MS, HOUR_MS, MINUTE_MS
from tests.sim.conftest import SimRun, extra_labels, run_with_extra

NAME = "shift_workers"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    return run_with_extra(tmp_path_factory, NAME, seed=7, scale=0.1)


@pytest.fixture(scope="module")
def events(run: SimRun) -> list[ApiCall]:
    return run.of(NAME)


def _holders(events: list[ApiCall], key: str) -> dict[object, set[str]]:
    out: dict[object, set[str]] = {}
    for e in events:
        out.setdefault(getattr(e, key), set()).add(e.account_id)
    return out


def _prefix(ip: str | None) -> str:
    """The /24 of an IPv4 address, the /64 of an IPv6 one."""
    assert ip is not None
    return ".".join(ip.split(".")[:3]) if "." in ip else ":".join(ip.split(":")[:4])


def test_only_with_extra(sim: SimRun, run: SimRun, events: list[ApiCall]) -> None:
    rows = extra_labels(sim, run, NAME)
    assert len(rows) >= 10 and {e.account_id for e in events} == {r["account_id"] for r in rows}
    assert {(r["label"], r["campaign_id"]) for r in rows} == {("attack", "camp-07-shift_workers")}
    assert [c["tactic"] for c in run.campaigns if c["population"] == NAME] == [
        "human_shift_harvesting"
    ]
    assert {e.signup_channel for e in events} == {"self_serve"}


def test_accounts_share_no_card_org_or_address(events: list[ApiCall]) -> None:
    for key in ("payment_fingerprint", "org_id", "ip"):
        assert all(len(h) == 1 for h in _holders(events, key).values()), key
    prefixes: dict[str, set[str]] = {}
    for e in events:
        prefixes.setdefault(_prefix(e.ip), set()).add(e.account_id)
    assert max(len(h) for h in prefixes.values()) <= 2
    # Stock clients, each account its own; a new proxy exit per session, in its own country.
    accounts = {e.account_id for e in events}
    assert len({e.tls_fingerprint for e in events}) > len(accounts) // 2
    by_account: dict[str, list[ApiCall]] = {}
    for e in events:
        by_account.setdefault(e.account_id, []).append(e)
    assert all(len({e.country for e in evs}) == 1 for evs in by_account.values())
    assert len({evs[0].country for evs in by_account.values()}) >= 4
    assert statistics.median(len({e.ip for e in evs}) for evs in by_account.values()) >= 2


def test_shifts_are_not_synchronized(events: list[ApiCall]) -> None:
    firsts: dict[str, int] = {}
    for e in events:
        firsts[e.account_id] = min(firsts.get(e.account_id, e.ts_ms), e.ts_ms)
    hours = {(t % DAY_MS) // HOUR_MS for t in firsts.values()}
    assert len(hours) >= 8  # first calls spread over the clock, not one wave
    fleet_first = min(firsts.values())
    early = [t for t in firsts.values() if t - fleet_first <= 15 * MINUTE_MS]
    assert len(early) <= len(firsts) // 4


def test_human_volumes_and_conversations(events: list[ApiCall]) -> None:
    days = Counter((e.account_id, e.ts_ms // DAY_MS) for e in events)
    assert 10 <= statistics.median(days.values()) <= 60
    assert max(days.values()) <= 120
    follow_ups = sum(1 for e in events if (e.turn or 1) > 1) / len(events)
    assert 0.15 < follow_ups < 0.45
