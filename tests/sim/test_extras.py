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
