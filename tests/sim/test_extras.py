"""Opt-in populations (``simulate --extra``): added on request, never by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.sim import simulate
from tests.sim.conftest import SimRun, load


@pytest.fixture(scope="module")
def with_partner(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    out = tmp_path_factory.mktemp("sim-extra")
    return load(out, simulate(out, seed=7, scale=0.05, days=2, extra=["licensed_partner"]))


def test_the_default_run_has_no_licensed_partner(sim: SimRun) -> None:
    assert not [a for a, row in sim.labels.items() if row["population"] == "licensed_partner"]


def test_the_licensed_partner_is_benign_harvests_and_shares_one_org_and_card(
    with_partner: SimRun,
) -> None:
    accounts = {
        a for a, row in with_partner.labels.items() if row["population"] == "licensed_partner"
    }
    assert len(accounts) >= 4
    assert {with_partner.labels[a]["label"] for a in accounts} == {"benign"}
    events = with_partner.of("licensed_partner")
    assert {e.account_id for e in events} == accounts
    assert (
        len({e.org_id for e in events}) == 1 and len({e.payment_fingerprint for e in events}) == 1
    )
    assert {e.signup_channel for e in events} == {"enterprise"}
    single_turn = sum(1 for e in events if (e.turn or 1) == 1) / len(events)
    assert single_turn > 0.9  # harvest-like by design: only an analyst knows the contract
    # Team members join through the period: not all of them are active from the start.
    starts = sorted(min(e.ts_ms for e in events if e.account_id == a) for a in accounts)
    assert starts[-1] - starts[0] > 3_600_000


def test_the_other_populations_are_unchanged_by_the_extra(
    sim: SimRun, with_partner: SimRun
) -> None:
    base = {a for a, row in sim.labels.items()}
    extra = {a for a, row in with_partner.labels.items() if row["population"] != "licensed_partner"}
    assert base == extra


def test_an_unknown_extra_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown extra"):
        simulate(tmp_path, seed=1, scale=0.05, days=1, extra=["nope"])


@pytest.fixture(scope="module")
def with_stock_waves(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    out = tmp_path_factory.mktemp("sim-stock-waves")
    return load(out, simulate(out, seed=7, scale=0.1, days=1, extra=["stock_waves"]))


def test_the_stock_waves_fleet_shares_no_infrastructure_only_its_waves(
    with_stock_waves: SimRun,
) -> None:
    """The low-and-slow tactic on stock clients: nothing in common but the timing."""
    events = with_stock_waves.of("stock_waves")
    accounts = {e.account_id for e in events}
    assert len(accounts) >= 8
    rows = [with_stock_waves.labels[a] for a in accounts]
    assert {(r["label"], r["campaign_id"]) for r in rows} == {("attack", "camp-06-stock_waves")}
    for field in ("payment_fingerprint", "org_id", "ip"):
        holders: dict[object, set[str]] = {}
        for e in events:
            holders.setdefault(getattr(e, field), set()).add(e.account_id)
        assert all(len(h) == 1 for h in holders.values()), field  # one account each
    # Stock clients: several fingerprints, none of them the fleet's own.
    assert len({e.tls_fingerprint for e in events}) > 2
    low_and_slow = {e.tls_fingerprint for e in with_stock_waves.of("low_and_slow")}
    assert len(low_and_slow) == 1 and not low_and_slow & {e.tls_fingerprint for e in events}
    # The waves: most accounts start a wave within 15 minutes of the fleet's first call.
    first = min(e.ts_ms for e in events)
    starts = {a: min(e.ts_ms for e in events if e.account_id == a) for a in accounts}
    early = [a for a, t in starts.items() if t - first <= 15 * 60_000]
    assert len(early) >= len(accounts) // 2


def test_the_other_populations_are_unchanged_by_the_stock_waves_fleet(
    tmp_path: Path, with_stock_waves: SimRun
) -> None:
    base = load(tmp_path, simulate(tmp_path, seed=7, scale=0.1, days=1))
    extra = {a for a, row in with_stock_waves.labels.items() if row["population"] != "stock_waves"}
    assert set(base.labels) == extra
