"""The partition's context model (river): silent until taught, learns, survives restarts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.core.detector import Detector, DetectorParams
from streams.core.learner import MAX_CHANNELS, ContextModel, Features, context_features
from streams.core.pipeline import PipelineParams
from streams.worker.runtime import PROFILES, TABLES, SourceRecord, WorkerRuntime, partition_key
from tests.core.test_detector import developer_call, harvest_call, run
from tests.factories import T0

HOUR_MS = 3_600_000


def young_fleet(rng: random.Random) -> Features:
    """Days-old self-serve accounts, fast and regular."""
    return {
        "age_log_days": rng.uniform(0.0, 0.3),
        "rate_log_per_hour": rng.uniform(1.2, 2.0),
        "gap_log_std": rng.uniform(0.1, 0.3),
        "channel=self_serve": 1.0,
    }


def old_customer(rng: random.Random) -> Features:
    """Years-old accounts, slower and bursty, various channels."""
    return {
        "age_log_days": rng.uniform(2.0, 3.0),
        "rate_log_per_hour": rng.uniform(-0.5, 1.0),
        "gap_log_std": rng.uniform(0.6, 1.2),
        rng.choice(["channel=self_serve", "channel=enterprise", "channel=edu"]): 1.0,
    }


def taught(model: ContextModel, positives: int, negatives: int, seed: int = 1) -> ContextModel:
    rng = random.Random(seed)
    labelled = [(young_fleet(rng), True) for _ in range(positives)]
    labelled += [(old_customer(rng), False) for _ in range(negatives)]
    rng.shuffle(labelled)
    for features, harvesting in labelled:
        model.learn(features, harvesting)
    return model


def test_silent_until_it_has_seen_enough_of_both_classes() -> None:
    model = ContextModel(min_labels=30)
    taught(model, positives=29, negatives=500)
    assert model.predict(young_fleet(random.Random(9))) is None
    model.learn(young_fleet(random.Random(10)), True)
    assert model.predict(young_fleet(random.Random(9))) is not None


def test_learns_which_context_harvests_even_when_harvesters_are_rare() -> None:
    model = taught(ContextModel(), positives=40, negatives=2_000)
    rng = random.Random(7)
    fleet = [model.predict(young_fleet(rng)) or 0.0 for _ in range(50)]
    customers = [model.predict(old_customer(rng)) or 0.0 for _ in range(50)]
    assert min(fleet) > 0.7
    assert max(customers) < 0.5  # below even odds: the context term adds nothing


def test_state_round_trips_and_predicts_the_same() -> None:
    model = taught(ContextModel(), positives=60, negatives=300)
    again = ContextModel.from_bytes(model.to_bytes())
    rng = random.Random(3)
    for features in [young_fleet(rng) for _ in range(10)] + [old_customer(rng) for _ in range(10)]:
        assert again.predict(dict(features)) == pytest.approx(model.predict(dict(features)))
    assert again.to_bytes() == model.to_bytes()
    # Learning goes on from where it was: the same example moves both the same way.
    example = young_fleet(rng)
    model.learn(dict(example), True)
    again.learn(dict(example), True)
    assert again.to_bytes() == model.to_bytes()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=200))
def test_the_channel_vocabulary_never_grows_the_model_past_its_cap(channels: list[str]) -> None:
    """Signup channel is free text; the model's size must not follow it."""
    model = ContextModel(min_labels=1)
    for i, channel in enumerate(channels):
        model.learn({"age_log_days": 1.0, f"channel={channel}": 1.0}, i % 2 == 0)
    named = [n for n in model.scaler.counts if n.startswith("channel=")]
    assert len(named) <= MAX_CHANNELS + 1  # the cap plus the shared "other"


def _matured(detector: Detector, accounts: int, harvesting: bool, start: int) -> int:
    """Run ``accounts`` accounts for 60 requests over more than an hour each."""
    position = start
    for n in range(accounts):
        name = f"{'h' if harvesting else 'd'}{n}"
        make = harvest_call if harvesting else developer_call
        events = [make(name, i, ts_ms=T0 + i * 90_000) for i in range(60)]
        run(detector, events, start=position)
        position += len(events)
    return position


def test_matured_accounts_teach_the_model_once_each() -> None:
    detector = Detector(DetectorParams())
    position = _matured(detector, 5, True, 0)
    _matured(detector, 7, False, position)
    assert detector.context.labels == [7, 5]  # one label per matured account
    for account in ("h0", "d0"):
        profile = detector.store.get(account)
        assert profile is not None and profile.taught


def test_a_ready_model_adds_its_term_and_can_be_switched_off() -> None:
    on = Detector(DetectorParams())
    off = Detector(DetectorParams(disabled=frozenset({"risky_context"})))
    for detector in (on, off):
        detector.context = taught(ContextModel(), positives=40, negatives=40)
        run(detector, [harvest_call("x", i) for i in range(30)])
    profile_on, profile_off = on.store.get("x"), off.store.get("x")
    assert profile_on is not None and profile_off is not None
    assert profile_on.raw_score != profile_off.raw_score
    # Switched off, nothing is learned either.
    _matured(off, 3, True, 100)
    assert off.context.labels == [40, 40]
    assert context_features(profile_on)["age_unknown"] in (0.0, 1.0)


def _runtime(states: dict[str, dict[bytes, bytes]]) -> WorkerRuntime:
    """A worker runtime over ``states`` (its tables), as after a start or a restart."""
    return WorkerRuntime(
        PipelineParams(),
        max_record_bytes=1 << 20,
        send_alert=lambda *_: None,
        send_dead_letter=lambda *_: None,
        send_changelog=lambda *_: None,
        states=states,
    )


def test_each_partitions_model_is_checkpointed_and_restored_on_its_own() -> None:
    states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}

    first = _runtime(states)
    first.detector_for(0).context = taught(ContextModel(), 40, 40, seed=1)
    first.detector_for(1).context = taught(ContextModel(), 40, 60, seed=2)
    first.checkpoint()
    assert partition_key("context-model", 0) in states[PROFILES]
    restarted = _runtime(states)
    for partition in (0, 1):
        assert (
            restarted.detector_for(partition).context.to_bytes()
            == first.detector_for(partition).context.to_bytes()
        )
    assert restarted.detector_for(0).context.labels == [40, 40]
    assert restarted.detector_for(1).context.labels == [60, 40]
    restarted.handle(SourceRecord("api-calls", 0, 0, b"{}"))  # still a working runtime


def test_each_partitions_release_clock_is_restored_on_its_own() -> None:
    """Two partitions in one worker used to share one clock entry: the last written won,
    and after a restart the other partition took its releases from the wrong clock."""
    states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}

    first = _runtime(states)
    first.detector_for(0).process(harvest_call("a", 0, ts_ms=T0, model="m-old"), 0)
    first.detector_for(1).process(harvest_call("b", 0, ts_ms=T0 + 5 * HOUR_MS, model="m-x"), 0)
    first.checkpoint()
    restarted = _runtime(states)
    for partition in (0, 1):
        assert (
            restarted.detector_for(partition).clock_state()
            == first.detector_for(partition).clock_state()
        )
