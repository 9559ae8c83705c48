"""One benchmark per structure's hot operation, at realistic sizes. No timing asserts:
run with ``--benchmark-only`` / ``--benchmark-disable`` as needed."""

import random
from collections.abc import Callable
from itertools import cycle
from typing import Any

from streams.core.coordination.activity import ActivitySketch, similarity
from streams.core.coordination.countmin import CountMinSketch, MidasR
from streams.core.coordination.fanin import FanInIndex
from streams.core.coordination.graph import DecayingEvidenceGraph, GroupIds
from streams.core.coordination.lsh import LshIndex

ROUNDS, ITERATIONS = 20, 200


def bench(benchmark: Any, op: Callable[[], object]) -> None:
    benchmark.pedantic(op, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=1)


def test_bench_countmin_add(benchmark: Any) -> None:
    sketch = CountMinSketch.for_error(0.001, 0.01)  # 2719 x 5
    keys = cycle([f"ip24:10.{i % 256}.{i // 256}|acct-{i}" for i in range(5000)])
    bench(benchmark, lambda: sketch.add(next(keys)))


def test_bench_midas_r_observe(benchmark: Any) -> None:
    scorer = MidasR(1024, 4, tick_ms=1000)
    ts = iter(range(10**9))
    keys = cycle([f"card:{i}|acct-{i % 97}" for i in range(3000)])
    bench(benchmark, lambda: scorer.observe(next(keys), next(ts)))


def test_bench_fanin_observe(benchmark: Any) -> None:
    index = FanInIndex(max_keys=20_000, max_members_per_key=64, ttl_ms=3_600_000)
    rng = random.Random(1)
    stream = [(f"ip24:{rng.randrange(5000)}", f"acct-{rng.randrange(20_000)}") for _ in range(8192)]
    events = cycle(stream)
    ts = iter(range(0, 10**12, 10))
    for _ in range(len(stream)):
        key, account = next(events)
        index.observe(key, account, next(ts))
    bench(benchmark, lambda: index.observe(*next(events), next(ts)))


def test_bench_lsh_add(benchmark: Any) -> None:
    index = LshIndex(bands=16, max_buckets=100_000, max_members_per_bucket=32, ttl_ms=3_600_000)
    rng = random.Random(2)
    templates = [tuple(rng.getrandbits(32) for _ in range(16)) for _ in range(200)]
    adds = cycle([(f"acct-{i}", templates[i % 200]) for i in range(4096)])
    ts = iter(range(0, 10**12, 10))
    bench(benchmark, lambda: index.add(*next(adds), next(ts)))


def test_bench_activity_add(benchmark: Any) -> None:
    sketch = ActivitySketch(bucket_ms=10_000, buckets=360)
    ts = iter(range(0, 10**12, 997))
    bench(benchmark, lambda: sketch.add(next(ts)))


def test_bench_activity_similarity(benchmark: Any) -> None:
    a, b = ActivitySketch(10_000, 360), ActivitySketch(10_000, 360)
    rng = random.Random(3)
    for _ in range(2000):
        a.add(rng.randrange(3_600_000))
        b.add(rng.randrange(3_600_000))
    benchmark.pedantic(lambda: similarity(a, b), rounds=20, iterations=20)


def test_bench_graph_add_evidence(benchmark: Any) -> None:
    graph = DecayingEvidenceGraph(max_nodes=20_000, max_edges=50_000, half_life_ms=3_600_000)
    rng = random.Random(4)
    pairs = cycle(
        [(f"acct-{rng.randrange(30_000)}", f"acct-{rng.randrange(30_000)}") for _ in range(8192)]
    )
    ts = iter(range(0, 10**12, 50))
    bench(benchmark, lambda: graph.add_evidence(*next(pairs), 1.0, next(ts), "card"))


def test_bench_group_ids_assign(benchmark: Any) -> None:
    rng = random.Random(5)
    accounts = [f"acct-{i}" for i in range(5000)]
    rng.shuffle(accounts)
    groups = [frozenset(accounts[i : i + 25]) for i in range(0, 5000, 25)]  # 200 groups
    ids = GroupIds()
    ids.assign(groups, 0)
    ts = iter(range(1, 10**9))
    benchmark.pedantic(lambda: ids.assign(groups, next(ts)), rounds=10, iterations=5)
