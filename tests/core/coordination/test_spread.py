"""Load spread: how evenly a campaign's volume sits on its members, shown in its alert."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.campaigns import CampaignParams, CampaignStage
from streams.core.coordination.links import LinkParams, LinkStage
from streams.core.coordination.spread import EVEN_CV, load_spread
from tests.core.coordination.test_campaigns import CARD, announce, feed
from tests.factories import T0


@given(st.lists(st.integers(1, 10**9), min_size=2, max_size=300))
def test_the_spread_orders_its_figures_and_never_goes_negative(requests: list[int]) -> None:
    spread = load_spread(requests)
    assert spread is not None
    assert spread.members == len(requests)
    assert spread.least <= spread.median <= spread.most
    assert spread.cv >= 0.0
    assert (spread.cv == 0.0) == (spread.least == spread.most)


@given(st.integers(1, 10**6), st.integers(2, 200), st.integers(2, 100))
def test_scaling_every_member_leaves_the_variation_alone(n: int, members: int, k: int) -> None:
    base = load_spread([n + i for i in range(members)])
    scaled = load_spread([(n + i) * k for i in range(members)])
    assert base is not None and scaled is not None
    assert scaled.cv == pytest.approx(base.cv)


def test_one_member_has_no_spread() -> None:
    assert load_spread([]) is None
    assert load_spread([7]) is None


def test_even_needs_members_that_have_started_and_similar_counts() -> None:
    assert load_spread([20, 22, 19, 21, 20]).even  # type: ignore[union-attr]
    assert not load_spread([20, 22, 19, 21]).even  # type: ignore[union-attr]  # 4 members
    assert not load_spread([1, 1, 1, 1, 1, 1]).even  # type: ignore[union-attr]  # just started
    skewed = load_spread([300, 10, 8, 5, 4, 4, 4])
    assert skewed is not None and skewed.cv > EVEN_CV and not skewed.even


def group_alert(requests: list[int]) -> dict[str, object]:
    links = LinkStage(LinkParams())
    evidence = []
    for i, n in enumerate(requests):
        evidence += announce(links, [f"m{i}"], CARD, T0 + i, raw=0.9, events=n)
    alerts = feed(CampaignStage(CampaignParams()), evidence)
    assert alerts
    last = alerts[-1]
    codes = {r.code: r.weight for r in last.reasons}
    return {"codes": codes, "spread": last.evidence["load_spread"]}


def test_a_fleet_carrying_even_loads_is_named_load_balanced() -> None:
    found = group_alert([40, 42, 38, 41, 40, 39])
    codes = found["codes"]
    assert isinstance(codes, dict)
    assert "load_balanced" in codes
    assert sum(codes.values()) == pytest.approx(1.0)
    assert found["spread"] == {"members": 6, "min": 38, "median": 40.0, "max": 42, "cv": 0.032}


def test_a_group_with_heavy_users_and_a_tail_is_not() -> None:
    found = group_alert([400, 60, 20, 9, 6, 5])
    codes = found["codes"]
    assert isinstance(codes, dict)
    assert "load_balanced" not in codes
    assert sum(codes.values()) == pytest.approx(1.0)
    spread = found["spread"]
    assert isinstance(spread, dict) and spread["cv"] > EVEN_CV
