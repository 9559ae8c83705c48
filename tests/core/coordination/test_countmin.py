import json
import math
import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.core.coordination.countmin import CountMinSketch, MidasR, midas_score

keys = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


@given(
    st.lists(st.tuples(keys, st.integers(0, 5)), max_size=200),
    st.integers(1, 16),
    st.integers(1, 4),
)
def test_never_underestimates(stream: list[tuple[str, int]], width: int, depth: int) -> None:
    sketch = CountMinSketch(width, depth)
    truth: Counter[str] = Counter()
    for key, count in stream:
        sketch.add(key, count)
        truth[key] += count
    for key, count in truth.items():
        assert sketch.estimate(key) >= count
    assert sketch.total == sum(truth.values())


def test_add_returns_the_new_estimate() -> None:
    sketch = CountMinSketch(64, 3)
    assert sketch.add("a") == 1
    assert sketch.add("a", 2) == 3 == sketch.estimate("a")
    assert sketch.estimate("never-seen") == 0


def test_error_bound_holds_over_many_keys() -> None:
    """P(err > eps * N) <= delta per key: check the share of bad keys, over 3 seeds, on a
    stream with far more distinct keys than cells (so collisions really happen)."""
    eps, delta = 0.01, 0.02
    for seed in range(3):
        sketch = CountMinSketch.for_error(eps, delta, seed=seed)
        assert (sketch.width, sketch.depth) == (272, 4)
        rng = random.Random(seed)
        truth: Counter[str] = Counter()
        for i in range(40_000):
            # half a long uniform tail of 20k keys, half heavy hitters
            key = f"tail-{rng.randrange(20_000)}" if i % 2 else f"hot-{int(rng.expovariate(0.1))}"
            truth[key] += 1
            sketch.add(key)
        bound = eps * sketch.total
        errors = sorted(sketch.estimate(k) - c for k, c in truth.items())
        assert len(errors) > 10_000 and errors[0] >= 0
        assert sum(1 for e in errors if e > bound) / len(errors) <= delta
        # Markov's step of the proof: E[error] <= N / width for one row, less for the min.
        assert sum(errors) / len(errors) <= sketch.total / sketch.width
        assert errors[-1] > 0  # the sketch is really saturated, not trivially exact


def test_hash_is_stable_across_processes() -> None:
    # Fixed cell indices: Python's salted hash() would make these differ per process.
    sketch = CountMinSketch(1000, 4, seed=7)
    assert sketch._slots("ip24:203.0.113") == [21, 1042, 2703, 3778]
    assert CountMinSketch(1000, 4, seed=8)._slots("ip24:203.0.113") != [21, 1042, 2703, 3778]


def test_decay_scales_everything() -> None:
    sketch = CountMinSketch(32, 3)
    sketch.add("a", 8)
    sketch.add("b", 3)
    sketch.decay(0.5)
    assert sketch.value("a") == 4.0
    assert sketch.estimate("b") == 2  # 1.5 rounded up: still never below the truth
    assert sketch.total == 5.5
    sketch.decay(0)
    assert sketch.estimate("a") == 0
    with pytest.raises(ValueError):
        sketch.decay(1.5)
    with pytest.raises(ValueError):
        sketch.add("a", -1)


@given(st.lists(st.tuples(keys, st.integers(0, 9)), max_size=60), st.integers(0, 2**64))
def test_state_round_trips_exactly_through_json(stream: list[tuple[str, int]], seed: int) -> None:
    sketch = CountMinSketch(8, 3, seed=seed % (1 << 128))
    for key, count in stream:
        sketch.add(key, count)
    sketch.decay(0.3)
    restored = CountMinSketch.from_state(json.loads(json.dumps(sketch.to_state())))
    assert restored.to_state() == sketch.to_state()
    restored.add("x")
    sketch.add("x")
    assert restored.to_state() == sketch.to_state()


def test_midas_score() -> None:
    assert midas_score(5, 50, 10) == 0.0  # exactly the mean rate: no burst
    assert midas_score(50, 50, 10) == pytest.approx(45**2 * 100 / (50 * 9))
    assert midas_score(3, 0, 10) == 0.0 and midas_score(3, 3, 1) == 0.0
    assert midas_score(20, 40, 10) > midas_score(8, 40, 10)


def test_midas_r_flags_the_burst_not_the_steady_key() -> None:
    scorer = MidasR(256, 4, tick_ms=1000)
    steady_scores, burst_scores = [], []
    for tick in range(50):
        ts = tick * 1000
        steady_scores.append(scorer.observe("steady", ts))
        if tick == 40:
            burst_scores = [scorer.observe("burst", ts + i) for i in range(30)]
    assert max(burst_scores) > 10 * max(steady_scores[10:])
    restored = MidasR.from_state(json.loads(json.dumps(scorer.to_state())))
    assert restored.observe("steady", 50_000) == scorer.observe("steady", 50_000)


def test_for_error_sizes() -> None:
    sketch = CountMinSketch.for_error(0.001, 0.001)
    assert sketch.width == math.ceil(math.e / 0.001) and sketch.depth == 7
    assert sketch.nbytes() == 8 * sketch.width * sketch.depth
