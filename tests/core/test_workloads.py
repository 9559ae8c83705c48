"""Workloads: harvesting mixed into an account's genuine traffic shows in its own workload."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.detector import Detector, DetectorParams
from streams.core.event import ApiCall
from streams.core.profile import AccountProfile
from streams.core.workloads import MAX_WORKLOADS, Workloads
from tests.core.test_detector import developer_call, harvest_call, run
from tests.factories import T0

MINUTE_MS = 60_000


def reseller_day(account: str, harvest_share: float, seed: int = 5) -> list[ApiCall]:
    """A reseller's traffic: chat from 40 products, and a share of harvesting under two
    system prompts of its own."""
    rng = random.Random(seed)
    events = []
    for i in range(600):
        ts = T0 + i * MINUTE_MS
        if rng.random() < harvest_share:
            prompt = ("pipe-a", "pipe-b")[i % 2]
            events.append(harvest_call(account, i, ts_ms=ts, system_prompt_hash=prompt))
        else:
            app = f"app-{rng.randrange(40)}"
            events.append(developer_call(account, i, ts_ms=ts, system_prompt_hash=app))
    return events


def test_harvesting_mixed_into_a_resellers_traffic_is_alerted_with_its_workload() -> None:
    detector = Detector(DetectorParams())
    alerts = run(detector, reseller_day("mixed", harvest_share=0.35))
    profile = detector.store.get("mixed")
    assert profile is not None
    assert profile.confidence < DetectorParams().account_threshold  # diluted as a whole
    assert alerts, "the harvesting workload should be alerted"
    evidence = alerts[0].evidence
    assert evidence["workload"]["system_prompt_hash"] in ("pipe-a", "pipe-b")
    assert 0.1 < evidence["workload"]["share_of_requests"] < 0.3
    assert alerts[0].reasons[0].code == "harvest_workload"


def test_a_resellers_genuine_traffic_alone_is_quiet() -> None:
    detector = Detector(DetectorParams())
    assert run(detector, reseller_day("legit", harvest_share=0.0)) == []


def test_an_account_with_one_system_prompt_tracks_no_workloads() -> None:
    detector = Detector(DetectorParams())
    run(detector, [harvest_call("solo", i, system_prompt_hash="p") for i in range(50)])
    profile = detector.store.get("solo")
    assert profile is not None and len(profile.workloads) == 0


def test_workloads_survive_a_checkpoint() -> None:
    detector = Detector(DetectorParams())
    run(detector, reseller_day("mixed", harvest_share=0.35)[:200])
    profile = detector.store.get("mixed")
    assert profile is not None and len(profile.workloads) == MAX_WORKLOADS
    again = AccountProfile.from_bytes(profile.to_bytes())
    assert again.workloads.to_state() == profile.workloads.to_state()


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(0, 200), min_size=1, max_size=600),
    st.integers(2, 4),
)
def test_space_saving_keeps_every_heavy_workload_and_never_grows(
    light: list[int], heavy_count: int
) -> None:
    """Any workload with more than 1/MAX_WORKLOADS of the requests keeps its slot,
    however many light ones churn through."""
    workloads = Workloads()
    stream = []
    for i, n in enumerate(light):
        stream.append(f"light-{n}")
        if i % 2 == 0:
            stream.append(f"heavy-{i % heavy_count}")
    for key in stream:
        workloads.pick(key)
        assert len(workloads) <= MAX_WORKLOADS
    total = len(stream)
    for h in range(heavy_count):
        key = f"heavy-{h}"
        if stream.count(key) * MAX_WORKLOADS > total and len(set(stream)) > 1:
            assert key in dict(workloads.items())
