"""Workloads: harvesting mixed into an account's genuine traffic shows in its own workload."""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from streams.core.detector import Detector, DetectorParams
from streams.core.event import ApiCall
from streams.core.profile import AccountProfile
from streams.core.scoring import lone_confidence, templated_share, terms
from streams.core.workloads import (
    BASE_AFTER_REQUESTS,
    MAX_WORKLOADS,
    NO_SYSTEM_PROMPT,
    TOKEN_CAP,
    Workloads,
    base_size,
    next_base,
)
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
    # Its two system prompts are alerted together, before either alone would be.
    workload = evidence["workload"]
    assert set(workload["system_prompt_hashes"]) == {"pipe-a", "pipe-b"}
    assert workload["system_prompt_hash"] in ("pipe-a", "pipe-b")
    assert 0.2 < workload["share_of_requests"] < 0.45
    assert alerts[0].reasons[0].code == "harvest_workload"
    assert alerts[0].reasons[0].detail.startswith("2 workloads (system prompt pipe-")


def test_a_pipeline_split_over_system_prompts_is_alerted_as_one() -> None:
    """Each part alone needs the requests a whole account needs; pooled, the pipeline's
    parts are alerted once together they have them."""
    events = reseller_day("split", harvest_share=0.35)
    detector = Detector(DetectorParams())
    for position, event in enumerate(events):
        if detector.process(event, position):
            break
    else:
        raise AssertionError("never alerted")
    profile = detector.store.get("split")
    assert profile is not None
    held = dict(profile.workloads.items())
    params = DetectorParams()
    for key in ("pipe-a", "pipe-b"):
        part = held[key]
        ts = terms(part.behaviour)
        alone = lone_confidence(ts, templated_share(part.behaviour), part.requests, 30.0)
        assert alone < params.account_threshold, (key, alone)


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


def thin_reseller(account: str, seed: int = 7) -> list[ApiCall]:
    """A reseller whose 60 products each carry under 2 % of its requests, and a harvesting
    pipeline under three system prompts of its own, each about 7 % (below the 1/8 share
    space-saving alone is sure to hold)."""
    rng = random.Random(seed)
    events = []
    for i in range(1_500):
        ts = T0 + i * MINUTE_MS
        if rng.random() < 0.21:
            prompt = f"pipe-{rng.randrange(3)}"
            events.append(harvest_call(account, i, ts_ms=ts, system_prompt_hash=prompt))
        else:
            app = f"app-{rng.randrange(60)}"
            events.append(developer_call(account, i, ts_ms=ts, system_prompt_hash=app))
    return events


def test_a_harvesting_workload_thinner_than_a_slot_share_keeps_its_evidence() -> None:
    """The products' churn through the slots must not reset a harvest-like workload: it
    would never gather the requests a lone alert needs (the bug: every few hours each
    pipeline prompt was evicted and started again from nothing)."""
    events = thin_reseller("thin")
    detector = Detector(DetectorParams())
    run(detector, events)
    profile = detector.store.get("thin")
    assert profile is not None
    held = dict(profile.workloads.items())
    for key in ("pipe-0", "pipe-1", "pipe-2"):
        sent = sum(1 for e in events if e.system_prompt_hash == key)
        assert key in held, f"{key} lost its slot"
        assert held[key].requests >= 0.9 * sent, (key, held[key].requests, sent)
        assert held[key].suspect
    assert not any(w.suspect for k, w in held.items() if k.startswith("app-"))


def test_when_every_slot_holds_a_suspect_the_lightest_makes_room() -> None:
    workloads = Workloads()
    for i in range(MAX_WORKLOADS):
        for _ in range(i + 1):
            workload = workloads.pick(f"s-{i}")
        if workload is not None:
            workload.suspect = True
    workloads.pick("newcomer")
    held = dict(workloads.items())
    assert "newcomer" in held and len(held) == MAX_WORKLOADS
    assert "s-0" not in held  # the only one-request slot (s-0 was the account's first)


def test_a_non_suspect_slot_makes_room_before_a_lighter_suspect() -> None:
    workloads = Workloads()
    workloads.pick("first")
    for i in range(MAX_WORKLOADS):
        for _ in range(1 if i == 0 else 5):
            workload = workloads.pick(f"w-{i}")
        assert workload is not None
        workload.suspect = i == 0  # the lightest slot is a suspect
    workloads.pick("newcomer")
    held = dict(workloads.items())
    assert "w-0" in held and "newcomer" in held
    assert "w-1" not in held  # the lightest non-suspect (ties broken by key)


def test_a_workload_that_starts_late_has_its_first_prompts_read() -> None:
    """Past the account's first prompts only one in ``read_every`` is read; a workload
    that starts then is judged on its own shares, so its first prompts are read too."""
    params = DetectorParams()
    events = [
        developer_call("late", i, system_prompt_hash="chat", ts_ms=T0 + i * MINUTE_MS)
        for i in range(200)
    ]
    events += [
        harvest_call("late", i, system_prompt_hash="pipe", ts_ms=T0 + i * MINUTE_MS)
        for i in range(200, 200 + params.workload_read_first + 4)
    ]
    detector = Detector(params)
    run(detector, events)
    profile = detector.store.get("late")
    assert profile is not None
    pipe = dict(profile.workloads.items())["pipe"]
    assert pipe.read >= params.workload_read_first
    assert pipe.behaviour.text_events >= params.workload_read_first - 0.5


def test_a_checkpoint_from_before_read_counts_and_suspect_flags_loads() -> None:
    workloads = Workloads()
    for key in ("a", "b", "c"):
        workloads.pick(key)
    old = workloads.to_state()
    old[1] = [entry[:4] for entry in old[1]]
    again = Workloads.from_state(old)
    assert [(k, w.requests, w.read, w.suspect) for k, w in again.items()] == [
        ("b", 1, 0, False),
        ("c", 1, 0, False),
    ]


# --- system prompt sizes ------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 1 << 32), min_size=1, max_size=60))
@example([1 << 30] * (BASE_AFTER_REQUESTS + 1))  # above the packed field: at its cap
def test_a_system_prompt_is_never_sized_above_the_smallest_input(inputs: list[int]) -> None:
    base = 0
    for i, n in enumerate(inputs, 1):
        base = next_base(base, n)
        size = base_size(base)
        assert 0 <= size <= min(inputs[:i])
        if i <= BASE_AFTER_REQUESTS:
            assert size == 0
    if len(inputs) > BASE_AFTER_REQUESTS and len(set(inputs)) == 1:
        # Inputs that never vary: all system prompt (counted up to the packed field's cap).
        assert base_size(base) == min(inputs[0], TOKEN_CAP)


def test_asks_that_vary_little_leave_nearly_all_of_the_smallest_input_to_the_prompt() -> None:
    """900 tokens of instructions and bare questions of 10 to 60 tokens: nearly all of
    the smallest input is system prompt. Items of 80 to 500 tokens (a benchmark's, a
    class's questions) vary as much as they weigh: none of it is."""
    small = large = 0
    for n in (910, 960, 925, 940, 915, 950):
        small = next_base(small, n)
    for n in (300, 120, 500, 80, 260, 410):
        large = next_base(large, n)
    assert 860 <= base_size(small) <= 910
    assert base_size(large) == 0


def test_each_system_prompt_has_its_own_size_and_the_first_keeps_it_in_its_slot() -> None:
    workloads = Workloads()
    sizes = []
    n = BASE_AFTER_REQUESTS
    for i in range(n + 2):  # the only system prompt: 900 tokens plus 10 to 60 asked
        sizes.append(workloads.system_prompt_size("long", workloads.pick("long"), 910 + 10 * i))
    assert sizes[:n] == [0] * n and 860 <= sizes[n] <= 910
    other = workloads.pick("short")  # a second system prompt: slots from now on
    assert workloads.system_prompt_size("short", other, 40) == 0
    # The first system prompt's slot starts from what it learnt alone.
    assert 860 <= workloads.system_prompt_size("long", workloads.pick("long"), 990) <= 910
    assert workloads.system_prompt_size(NO_SYSTEM_PROMPT, workloads.pick(NO_SYSTEM_PROMPT), 5) == 0


def test_system_prompt_sizes_survive_a_checkpoint_and_older_checkpoints_load() -> None:
    workloads = Workloads()
    for i in range(6):
        for key in ("a", "b"):
            workloads.system_prompt_size(key, workloads.pick(key), 700 + i)
    again = Workloads.from_state(workloads.to_state())
    assert again.to_state() == workloads.to_state()
    size = workloads.system_prompt_size("b", workloads.pick("b"), 800)
    assert again.system_prompt_size("b", again.pick("b"), 800) == size > 0
    old = workloads.to_state()[:2]  # before sizes: no first base, six fields a slot
    old[1] = [entry[:6] for entry in old[1]]
    older = Workloads.from_state(old)
    assert older.first_base == 0
    assert [w.base for _, w in older.items()] == [0, 0]
