"""The opt-in ``reasoning_benchmark`` customers: an eval harness asking for reasoning on
every item, harvest-like but for replaying its own templates."""

from __future__ import annotations

import pytest

from streams.core.event import ApiCall
from streams.core.text import prompt_features
from tests.sim.conftest import SimRun, extra_labels, run_with_extra

NAME = "reasoning_benchmark"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    return run_with_extra(tmp_path_factory, NAME, seed=13, scale=0.2)


@pytest.fixture(scope="module")
def events(run: SimRun) -> list[ApiCall]:
    return run.of(NAME)


def test_only_with_extra(sim: SimRun, run: SimRun, events: list[ApiCall]) -> None:
    rows = extra_labels(sim, run, NAME)
    assert len(rows) >= 4 and {e.account_id for e in events} == {r["account_id"] for r in rows}
    assert {(r["label"], r["campaign_id"]) for r in rows} == {("benign", "")}


def test_every_item_asks_for_reasoning_single_turn_at_temperature_zero(
    events: list[ApiCall],
) -> None:
    assert events
    assert {e.temperature for e in events} == {0.0}
    assert {e.turn for e in events} <= {None, 1}
    prompts = [e.prompt for e in events if e.prompt]
    asking = [p for p in prompts if prompt_features(p).cot > 0]
    assert len(asking) > 0.5 * len(prompts)
    answered = [e for e in events if e.status == 200]
    outputs = sorted(e.output_tokens for e in answered)
    assert outputs[len(outputs) // 2] > 300  # long answers, unlike the default suites' mix


def test_one_old_account_per_team_on_one_address(events: list[ApiCall]) -> None:
    by_account: dict[str, set[object]] = {}
    for e in events:
        by_account.setdefault(e.account_id, set()).add(e.ip)
    assert all(len(ips) == 1 for ips in by_account.values())
    assert all(
        e.account_created_ms is not None and e.account_created_ms < e.ts_ms - 400 * 86_400_000
        for e in events
    )
