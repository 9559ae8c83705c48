"""One benchmark per structure's hot operation, at realistic sizes. No timing asserts:
run with ``--benchmark-only`` / ``--benchmark-disable`` as needed."""

import random
from collections.abc import Callable
from itertools import cycle
from typing import Any

from streams.core.coordination.graph import DecayingEvidenceGraph, GroupIds
from streams.core.coordination.links import LinkParams, LinkStage
from streams.core.linking import LinkUpdate

ROUNDS, ITERATIONS = 20, 200


def bench(benchmark: Any, op: Callable[[], object]) -> None:
    benchmark.pedantic(op, rounds=ROUNDS, iterations=ITERATIONS, warmup_rounds=1)


def test_bench_links_stage_process(benchmark: Any) -> None:
    """The links stage's per-update work: 5,000 keys (cards, address blocks, a few busy
    fingerprints), a fifth of the updates from suspects, which emit pair evidence."""
    stage = LinkStage(LinkParams())
    rng = random.Random(1)
    kinds = ("pay:card-{}", "net:10.{}.0", "tls:ja4-{}")
    updates = [
        LinkUpdate(
            kinds[i % 3].format(rng.randrange(5000 if i % 3 else 20)),
            f"acct-{rng.randrange(20_000)}",
            i * 50,
            0.8 if rng.random() < 0.2 else 0.2,
            rng.randrange(1, 60),
        )
        for i in range(8192)
    ]
    for update in updates:
        stage.process(update)
    stream = cycle(updates)
    bench(benchmark, lambda: stage.process(next(stream)))


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
