import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from streams.core.coordination.graph import MAX_REASONS, DecayingEvidenceGraph, GroupIds
from streams.core.coordination.links import LinkStrength

HOUR = 3_600_000
evidence = st.lists(
    st.tuples(
        st.sampled_from("abcdefghijkl"),
        st.sampled_from("abcdefghijkl"),
        st.floats(0.1, 5.0),
        st.integers(0, 10 * HOUR),
        st.sampled_from(["card", "ip24", "tls", "template", "lockstep", "asn"]),
    ),
    max_size=80,
)


def test_weights_halve_every_half_life() -> None:
    graph = DecayingEvidenceGraph(10, 10, half_life_ms=HOUR)
    graph.add_evidence("a", "b", 4.0, 0, "card")
    assert graph.weight("b", "a", HOUR) == pytest.approx(2.0)
    graph.add_evidence("b", "a", 1.0, 2 * HOUR, "tls")
    assert graph.weight("a", "b", 2 * HOUR) == pytest.approx(2.0)
    assert graph.reasons("a", "b", 2 * HOUR) == pytest.approx({"card": 1.0, "tls": 1.0})
    graph.add_evidence("a", "a", 9.0, 0, "self")  # ignored
    assert graph.edge_count == 1 and len(graph) == 2


@given(evidence, st.randoms())
def test_weights_do_not_depend_on_arrival_order(
    items: list[tuple[str, str, float, int, str]], rnd: random.Random
) -> None:
    one = DecayingEvidenceGraph(100, 100, HOUR)
    two = DecayingEvidenceGraph(100, 100, HOUR)
    shuffled = list(items)
    rnd.shuffle(shuffled)
    for a, b, w, ts, reason in items:
        one.add_evidence(a, b, w, ts, reason)
    for a, b, w, ts, reason in shuffled:
        two.add_evidence(a, b, w, ts, reason)
    at = 11 * HOUR
    for a, b, *_ in items:
        assert one.weight(a, b, at) == pytest.approx(two.weight(a, b, at), rel=1e-9)


@given(evidence, st.integers(2, 6), st.integers(1, 8))
def test_caps_are_never_exceeded_and_structure_stays_consistent(
    items: list[tuple[str, str, float, int, str]], max_nodes: int, max_edges: int
) -> None:
    graph = DecayingEvidenceGraph(max_nodes, max_edges, HOUR)
    for a, b, w, ts, reason in items:
        graph.add_evidence(a, b, w, ts, reason)
        assert len(graph) <= max_nodes
        assert graph.edge_count <= max_edges
        state = graph.to_state()
        nodes = {n for n, _ in state["nodes"]}
        ends = {n for a2, b2, *_ in state["edges"] for n in (a2, b2)}
        assert ends == nodes  # no dangling edges, no isolated nodes
        assert all(len(e[4]) <= MAX_REASONS for e in state["edges"])


def test_weakest_edges_go_first() -> None:
    graph = DecayingEvidenceGraph(100, 10, HOUR)
    for i in range(10):
        graph.add_evidence(f"s{i}", f"t{i}", 1.0 + i, 0, "card")
    graph.add_evidence("x", "y", 50.0, 0, "card")
    assert graph.edge_count == 9
    assert graph.weight("s0", "t0", 0) == 0.0 and graph.weight("s1", "t1", 0) == 0.0
    assert graph.weight("x", "y", 0) == 50.0 and "s0" not in graph.neighbours("t0")
    assert graph.prune(10 * HOUR, floor=0.01) == 8  # 9 * 2^-10 < 0.01 <= 50 * 2^-10


def test_groups_are_components_above_the_threshold() -> None:
    graph = DecayingEvidenceGraph(100, 100, HOUR)
    for a, b in [("a", "b"), ("b", "c"), ("x", "y")]:
        graph.add_evidence(a, b, 2.0, 0, "card")
    graph.add_evidence("c", "x", 0.5, 0, "asn")  # too weak to join the two
    assert graph.groups(1.0, 0) == [frozenset("abc"), frozenset("xy")]
    assert graph.groups(0.4, 0) == [frozenset("abcxy")]
    assert graph.groups(1.0, 2 * HOUR) == []  # everything decayed to 0.5
    assert graph.groups(1.0, 0, min_size=3) == [frozenset("abc")]


def test_group_ids_follow_join_leave_split_and_merge() -> None:
    ids = GroupIds()
    first = ids.assign([frozenset("abcdefghij"), frozenset("xyz")], 1000)
    big, small = first[0].id, first[1].id
    assert big != small and first[0].is_new and first[0].created_ms == 1000
    joined = ids.assign([frozenset("abcdefghijk"), frozenset("xyz")], 2000)
    assert [g.id for g in joined] == [big, small]
    assert joined[0].joined == frozenset("k") and joined[0].created_ms == 1000
    left = ids.assign([frozenset("bcdefghijk"), frozenset("xy")], 3000)
    assert [g.id for g in left] == [big, small] and left[0].left == frozenset("a")
    split = ids.assign([frozenset("ijk"), frozenset("bcdefgh"), frozenset("xy")], 4000)
    assert split[1].id == big and split[0].id not in {big, small}
    assert split[0].is_new and split[0].created_ms == 4000
    merged = ids.assign([frozenset("bcdefghijkxy")], 5000)
    assert merged[0].id == big  # the larger of the two merging groups wins
    assert set(ids.retired) == {small, split[0].id}


@given(
    st.lists(st.frozensets(st.integers(0, 999), min_size=1, max_size=8), max_size=6),
    st.data(),
)
def test_ids_survive_one_member_joining_or_a_split(
    raw: list[frozenset[int]], data: st.DataObject
) -> None:
    seen: set[int] = set()
    groups = []
    for g in raw:  # make the groups disjoint, as graph components are
        g = g - seen
        seen |= g
        if g:
            groups.append(frozenset(f"acct-{m}" for m in g))
    ids = GroupIds()
    before = [g.id for g in ids.assign(groups, 0)]
    assert len(set(before)) == len(before)
    if not groups:
        return
    i = data.draw(st.integers(0, len(groups) - 1))
    grown = list(groups)
    grown[i] = grown[i] | {"newcomer"}
    assert [g.id for g in ids.assign(grown, 1)] == before
    members = sorted(grown[i])
    if len(members) >= 3:
        cut = data.draw(st.integers(1, len(members) - 1))
        if 2 * cut != len(members):
            parts = [frozenset(members[:cut]), frozenset(members[cut:])]
            larger = max(parts, key=len)
            split = [*grown[:i], *parts, *grown[i + 1 :]]
            result = {g.members: g.id for g in ids.assign(split, 2)}
            assert result[larger] == before[i]
            assert result[min(parts, key=len)] not in before


SCRIPT = """
from streams.core.coordination.graph import DecayingEvidenceGraph, GroupIds
import random
rng = random.Random(5)
graph, ids = DecayingEvidenceGraph(40, 60, 3_600_000), GroupIds()
for step in range(400):
    a, b = rng.sample([f"acct-{i}" for i in range(50)], 2)
    graph.add_evidence(a, b, rng.random() * 3, step * 60_000, rng.choice(["card", "tls"]))
    if step % 50 == 49:
        for g in ids.assign(graph.groups(1.0, step * 60_000), step * 60_000):
            print(g.id, sorted(g.members))
print(graph.to_state())
"""


def test_same_input_order_gives_the_same_ids_in_any_process() -> None:
    root = Path(__file__).resolve().parents[3]
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1] and "c-" in outputs[0]


@given(evidence)
def test_state_round_trips_exactly_through_json(
    items: list[tuple[str, str, float, int, str]],
) -> None:
    graph = DecayingEvidenceGraph(6, 8, HOUR)
    half = len(items) // 2
    for a, b, w, ts, reason in items[:half]:
        graph.add_evidence(a, b, w, ts, reason)
    restored = DecayingEvidenceGraph.from_state(json.loads(json.dumps(graph.to_state())))
    assert restored.to_state() == graph.to_state()
    for a, b, w, ts, reason in items[half:]:
        graph.add_evidence(a, b, w, ts, reason)
        restored.add_evidence(a, b, w, ts, reason)
    assert restored.to_state() == graph.to_state()
    assert restored.groups(1.0, 5 * HOUR) == graph.groups(1.0, 5 * HOUR)
    ids = GroupIds(min_jaccard=0.2)
    ids.assign(graph.groups(0.5, 5 * HOUR), 5 * HOUR)
    again = GroupIds.from_state(json.loads(json.dumps(ids.to_state())))
    assert again.to_state() == ids.to_state()


_KINDS = ("pay", "tls", "net", "ua", "wake", "tpl", "pivot", "asn")


@given(
    evidence=st.lists(
        st.tuples(
            st.sampled_from(_KINDS),
            st.floats(min_value=0.01, max_value=2.0),
            st.integers(min_value=0, max_value=10 * 86_400_000),
        ),
        min_size=1,
        max_size=6,
    ),
    min_weight=st.floats(min_value=0.05, max_value=2.5),
    probes=st.lists(st.integers(min_value=-86_400_000, max_value=40 * 86_400_000), max_size=8),
)
def test_grouping_reads_an_edge_as_strong_exactly_when_its_strength_is(
    evidence: list[tuple[str, float, int]], min_weight: float, probes: list[int]
) -> None:
    """Grouping decides from a cached moment when the edge stops being strong; at every
    event time that must agree with the edge's strength computed there."""
    graph = DecayingEvidenceGraph(10, 10, 86_400_000, LinkStrength())
    for kind, weight, ts in evidence:
        graph.add_evidence("a", "b", weight, ts, kind, cap=weight)
    last = max(ts for _, _, ts in evidence)
    hourly = [last + h * 3_600_000 for h in range(0, 24 * 12)]  # where strength crosses
    for ts in [last, last + 1, *probes, *hourly]:
        nodes, _ = graph.core_groups("a", min_weight, ts, 100, 1)
        assert ("b" in nodes) == (graph.weight("a", "b", ts) >= min_weight)


@example(anchors=5e-324, corroboration=0.0, strength=0.25)  # overflowed to a NaN scale
@given(
    anchors=st.floats(min_value=0.0, max_value=3.0),
    corroboration=st.floats(min_value=0.0, max_value=3.0),
    strength=st.floats(min_value=0.01, max_value=4.0),
)
def test_min_scale_is_where_the_strength_is_reached(
    anchors: float, corroboration: float, strength: float
) -> None:
    link = LinkStrength()
    scale = link.min_scale(anchors, corroboration, strength)
    if scale == float("inf"):
        assert link.combine(anchors, corroboration, 1e9) < strength
        return
    assert link.combine(anchors, corroboration, scale) == pytest.approx(strength, rel=1e-9)
    assert link.combine(anchors, corroboration, scale * 0.999) < strength


# --- groups: the k-core of strong links ---------------------------------------------------


def _linked(pairs: list[tuple[str, str]]) -> DecayingEvidenceGraph:
    graph = DecayingEvidenceGraph(1_000, 10_000, HOUR)
    for a, b in pairs:
        graph.add_evidence(a, b, 2.0, 0, "card")
    return graph


def _groups(graph: DecayingEvidenceGraph, start: str) -> list[frozenset[str]]:
    _, groups = graph.core_groups(start, 1.0, 0, 1_000, 3)
    return [frozenset(g) for g in groups]


def _ring(names: list[str]) -> list[tuple[str, str]]:
    return [(a, names[(i + 1) % len(names)]) for i, a in enumerate(names)]


def test_a_small_group_needs_two_strong_links_a_member_a_large_one_three() -> None:
    assert _groups(_linked(_ring(["a", "b", "c"])), "a") == [frozenset("abc")]
    assert _groups(_linked([("a", "b"), ("b", "c")]), "a") == []  # a chain is no group
    ring = [f"m{i}" for i in range(10)]  # ten accounts, each linked to two: chance
    assert _groups(_linked(_ring(ring)), "m0") == []


def test_an_account_linked_once_to_each_of_two_large_groups_does_not_merge_them() -> None:
    left, right = [f"l{i}" for i in range(8)], [f"r{i}" for i in range(8)]
    dense = [(a, b) for side in (left, right) for i, a in enumerate(side) for b in side[i + 1 :]]
    graph = _linked([*dense, ("l0", "go-between"), ("go-between", "r0")])
    assert sorted(_groups(graph, "l0"), key=min) == [frozenset(left), frozenset(right)]


def test_accounts_hanging_on_by_one_link_do_not_make_a_small_group_stricter() -> None:
    """Six accounts linked in a ring with two chords are a group; three more accounts
    each linked to one of them (a first impression, a shared exit) make the component
    nine strong, but they leave the group, and the group stays whole."""
    six = ["a", "b", "c", "d", "e", "f"]
    core = [*_ring(six), ("a", "d"), ("b", "e")]
    assert _groups(_linked(core), "a") == [frozenset(six)]
    hanging = [("c", "x"), ("f", "y"), ("y", "z")]
    nodes, _ = _linked([*core, *hanging]).core_groups("a", 1.0, 0, 1_000, 3)
    assert len(nodes) == 9
    assert _groups(_linked([*core, *hanging]), "a") == [frozenset(six)]


@given(
    st.lists(
        st.tuples(st.integers(0, 13), st.integers(0, 13)).filter(lambda p: p[0] != p[1]),
        max_size=60,
    )
)
def test_every_member_of_a_group_holds_its_links_inside_it(pairs: list[tuple[int, int]]) -> None:
    """Two strong links inside a group of fewer than eight, three inside a larger one;
    groups are disjoint and connected."""
    graph = _linked([(f"n{a:02}", f"n{b:02}") for a, b in pairs])
    seen: set[str] = set()
    for start in graph.nodes():
        for group in _groups(graph, start):
            need = 2 if len(group) < 8 else 3
            for member in group:
                inside = [p for p in graph.neighbours(member) if p in group]
                assert len(inside) >= need
            assert len(group) >= 3
            if start in group:
                assert not (group & seen) or group <= seen
        seen |= {m for g in _groups(graph, start) for m in g}


def _strong_component(
    graph: DecayingEvidenceGraph, start: str, min_weight: float, ts: int
) -> set[str]:
    """The component of ``start`` over edges at least ``min_weight`` strong, the slow way."""
    seen, frontier = {start}, [start]
    while frontier:
        node = frontier.pop()
        for other in graph.neighbours(node):
            if other not in seen and graph.weight(node, other, ts) >= min_weight:
                seen.add(other)
                frontier.append(other)
    return seen


@given(
    evidence,
    st.integers(3, 12),
    st.integers(2, 30),
    st.floats(0.2, 3.0),
    st.lists(st.integers(0, 14 * HOUR), min_size=1, max_size=6),
)
def test_grouping_finds_the_strong_component_through_evictions_and_pruning(
    items: list[tuple[str, str, float, int, str]],
    max_nodes: int,
    max_edges: int,
    min_weight: float,
    probes: list[int],
) -> None:
    """Grouping reads each edge from its ends' adjacency and decides from a cached moment
    when it stops being strong; through evidence, evictions and pruning it must find
    what a walk weighing every edge afresh finds."""
    graph = DecayingEvidenceGraph(max_nodes, max_edges, HOUR, LinkStrength())
    for i, (a, b, w, ts, reason) in enumerate(items):
        graph.add_evidence(a, b, w, ts, reason)
        if i % 7 == 3:
            graph.prune(ts, min_weight / 4)
        for probe in probes:
            for start in graph.nodes():
                nodes, _ = graph.core_groups(start, min_weight, probe, 100, 1)
                assert nodes == _strong_component(graph, start, min_weight, probe)
