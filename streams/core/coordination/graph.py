"""Decaying account-account evidence, its connected groups, and stable campaign ids.

The campaign stage turns pair evidence (shared card, lockstep timing, templated prompts)
into groups. Evidence fades: each edge weight halves every ``half_life_ms`` of event time,
kept lazily as (weight, reference time) so an update is O(1) and the result does not
depend on arrival order. Groups are the connected components of the edges still above a
threshold.

``GroupIds`` gives each group a campaign id that survives members joining and leaving:
a group inherits the id of the previous group it overlaps most (Jaccard, then the larger
previous group), one previous id per group, so when a campaign splits the larger part
keeps the id. New ids derive from event time and a hash of the smallest member, so a
replay of the same input gives the same ids.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from hashlib import blake2b
from types import MappingProxyType
from typing import Any, Protocol

SMALL_COMPONENT = 8  # below this size, two strong links inside are enough

MAX_REASONS = 4  # per edge: enough to explain an alert, bounded
_PRUNE_TO = 0.9  # past max_edges, drop the weakest down to 90%: amortised O(log E) an add

_NO_TIME = -(1 << 62)


def links_needed(group_size: int, min_degree: int) -> int:
    """Strong links inside a group each member needs (the k-core's rule): ``min_degree``,
    but at most two in a group smaller than ``SMALL_COMPONENT``."""
    return min_degree if group_size >= SMALL_COMPONENT else min(min_degree, 2)


class Strength(Protocol):
    """How an edge's reasons combine into its strength (by default they add).

    Split in two so a read is arithmetic: ``parts`` folds the reasons into a few sums
    (each proportional to the reasons, so they decay with them) when evidence arrives;
    ``combine`` turns those sums, decayed by ``scale``, into the strength.
    """

    def parts(self, reasons: Mapping[str, float]) -> tuple[float, float]: ...

    def combine(self, anchors: float, corroboration: float, scale: float) -> float: ...

    def min_scale(self, anchors: float, corroboration: float, strength: float) -> float:
        """The smallest ``scale`` at which ``combine`` reaches ``strength`` (inf: never).
        ``combine`` must not decrease as ``scale`` grows."""
        ...


# Within this much event time of the moment an edge stops being strong, its strength is
# computed exactly; farther away the cached moment decides (float error in that moment
# is many orders of magnitude smaller).
_UNTIL_MARGIN_MS = 1_000.0
_NEVER = float("-inf")
_NO_PEERS: Mapping[str, _Edge] = MappingProxyType({})


class _Edge:
    __slots__ = ("parts", "reasons", "strong_for", "strong_until", "ts_ms", "weight")

    def __init__(self, ts_ms: int) -> None:
        self.ts_ms = ts_ms  # reference time of ``weight`` (the newest evidence)
        self.weight = 0.0
        self.reasons: dict[str, float] = {}
        self.parts = (0.0, 0.0)  # Strength.parts of the reasons, at ``ts_ms``
        # Until when (event time) the edge stays at least ``strong_for`` strong; its
        # strength only decays, so grouping reads one number instead of computing it.
        self.strong_for = -1.0
        self.strong_until = _NEVER


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class DecayingEvidenceGraph:
    """Weighted undirected account graph with event-time exponential decay."""

    __slots__ = (
        "_adjacent",
        "_edges",
        "_nodes",
        "evicted_edges",
        "evicted_nodes",
        "half_life_ms",
        "max_edges",
        "max_nodes",
        "strength",
        "watermark_ms",
    )

    def __init__(
        self, max_nodes: int, max_edges: int, half_life_ms: int, strength: Strength | None = None
    ) -> None:
        if max_nodes < 2 or max_edges < 1 or half_life_ms <= 0:
            raise ValueError("need max_nodes >= 2, max_edges >= 1, half_life_ms > 0")
        self.max_nodes = max_nodes
        self.max_edges = max_edges
        self.half_life_ms = half_life_ms
        self.strength = strength
        self.watermark_ms = _NO_TIME
        self.evicted_nodes = 0
        self.evicted_edges = 0
        self._nodes: OrderedDict[str, int] = OrderedDict()  # node -> last evidence, LRU
        # node -> its peers and the edge to each: grouping walks a component's edges
        # from their ends without building a pair key for each (a dict, not a set, also
        # walks in insertion order, the same order whatever the process's string hashing).
        self._adjacent: dict[str, dict[str, _Edge]] = {}
        self._edges: dict[tuple[str, str], _Edge] = {}

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def edge_count(self) -> int:
        return len(self._edges)

    def _factor(self, dt_ms: int) -> float:
        return 0.5 ** (dt_ms / self.half_life_ms) if dt_ms > 0 else 1.0

    def _evidence_at(self, edge: _Edge, ts_ms: int) -> float:
        """All evidence on the edge (what pruning ranks: corroboration waiting for an
        anchor is kept until it fades)."""
        return edge.weight * self._factor(ts_ms - edge.ts_ms)

    def _weight_at(self, edge: _Edge, ts_ms: int) -> float:
        factor = self._factor(ts_ms - edge.ts_ms)
        strength = self.strength
        if strength is None:
            return edge.weight * factor
        return strength.combine(edge.parts[0], edge.parts[1], factor)

    def add_evidence(
        self, a: str, b: str, weight: float, ts_ms: int, reason: str, cap: float | None = None
    ) -> None:
        """Add ``weight`` of evidence (for ``reason``) that ``a`` and ``b`` act together.

        With ``cap``, one reason never holds more than ``cap`` on an edge: repeating the
        same evidence renews it (against decay) instead of piling up.
        """
        if a == b or weight <= 0:
            return
        if ts_ms > self.watermark_ms:
            self.watermark_ms = ts_ms
        key = _pair(a, b)
        edge = self._edges.get(key)
        if edge is None:
            edge = self._edges[key] = _Edge(ts_ms)
            self._adjacent.setdefault(a, {})[b] = edge
            self._adjacent.setdefault(b, {})[a] = edge
        if ts_ms >= edge.ts_ms:
            factor = self._factor(ts_ms - edge.ts_ms)
            if factor != 1.0:
                edge.weight *= factor
                for name in edge.reasons:
                    edge.reasons[name] *= factor
            edge.ts_ms = ts_ms
            added = weight
        else:  # late evidence: decay it to the edge's reference time instead
            added = weight * self._factor(edge.ts_ms - ts_ms)
        reasons = edge.reasons
        before = reasons.get(reason, 0.0)
        after = before + added
        if cap is not None and after > cap:
            after = max(before, cap)
        edge.weight += after - before
        reasons[reason] = after
        if len(reasons) > MAX_REASONS:
            del reasons[min(reasons, key=lambda r: (reasons[r], r))]
        if self.strength is not None:
            edge.parts = self.strength.parts(reasons)
        edge.strong_for = -1.0  # changed: the cached moment is stale
        self._touch(a, ts_ms)
        self._touch(b, ts_ms)
        while len(self._nodes) > self.max_nodes:
            self._evict_node(next(iter(self._nodes)))
        if len(self._edges) > self.max_edges:
            self._prune_weakest(int(self.max_edges * _PRUNE_TO))

    def _touch(self, node: str, ts_ms: int) -> None:
        nodes = self._nodes
        last = nodes.get(node)
        nodes[node] = ts_ms if last is None or ts_ms > last else last
        nodes.move_to_end(node)

    def remove(self, node: str) -> None:
        """Drop ``node`` and its edges (nothing if it is not in the graph)."""
        if node in self._nodes:
            self._evict_node(node)

    def _evict_node(self, node: str) -> None:
        del self._nodes[node]
        for other in self._adjacent.pop(node, _NO_PEERS):
            del self._edges[_pair(node, other)]
            self.evicted_edges += 1
            peers = self._adjacent[other]
            del peers[node]
            if not peers:
                del self._adjacent[other]
                del self._nodes[other]  # an isolated node carries no evidence
        self.evicted_nodes += 1

    def _drop_edge(self, key: tuple[str, str]) -> None:
        del self._edges[key]
        for node, other in (key, key[::-1]):
            peers = self._adjacent[node]
            del peers[other]
            if not peers:
                del self._adjacent[node]
                del self._nodes[node]

    def _prune_weakest(self, keep: int) -> None:
        now = self.watermark_ms
        ranked = sorted(self._edges, key=lambda k: (self._evidence_at(self._edges[k], now), k))
        for key in ranked[: len(ranked) - keep]:
            self._drop_edge(key)
            self.evicted_edges += 1

    def prune(self, ts_ms: int, floor: float) -> int:
        """Drop edges whose weight has decayed below ``floor`` by ``ts_ms``; how many."""
        weak = [k for k, e in self._edges.items() if self._evidence_at(e, ts_ms) < floor]
        for key in weak:
            self._drop_edge(key)
        return len(weak)

    def weight(self, a: str, b: str, ts_ms: int) -> float:
        """The link strength of ``a`` and ``b`` at ``ts_ms`` (0 without evidence)."""
        edge = self._edges.get(_pair(a, b))
        return 0.0 if edge is None else self._weight_at(edge, ts_ms)

    def reasons(self, a: str, b: str, ts_ms: int) -> dict[str, float]:
        """The strongest reasons behind an edge, decayed to ``ts_ms``."""
        edge = self._edges.get(_pair(a, b))
        if edge is None:
            return {}
        factor = self._factor(ts_ms - edge.ts_ms)
        return {name: w * factor for name, w in sorted(edge.reasons.items())}

    def _strong_until(self, edge: _Edge, strength: float) -> float:
        """The last event time at which ``edge`` is at least ``strength`` strong."""
        if self.strength is None:
            scale = strength / edge.weight if edge.weight > 0 else math.inf
        else:
            scale = self.strength.min_scale(edge.parts[0], edge.parts[1], strength)
        if scale > 1.0:
            return _NEVER  # not even undecayed
        if scale <= 0.0:
            return math.inf
        return edge.ts_ms + self.half_life_ms * math.log2(1.0 / scale)

    def core_groups(
        self, start: str, min_weight: float, ts_ms: int, limit: int, min_degree: int
    ) -> tuple[set[str], list[set[str]]]:
        """The component of ``start`` over strong edges, and its groups after peeling.

        Peeling drops, repeatedly, every node with fewer than ``min_degree`` strong edges
        inside (its k-core): one chance strong edge does not pull an account into a
        group, and an account linked once to each of two groups does not merge them. A
        group of fewer than ``SMALL_COMPONENT`` needs two links a member (a triangle of
        three is a group), decided on the group itself: accounts hanging on by one link
        are peeled first and cannot make it stricter. Returns (the whole component, the
        connected groups of what remains).
        """
        adjacent = self._adjacent
        half_life = self.half_life_ms
        combine = None if self.strength is None else self.strength.combine
        strong: dict[str, set[str]] = {start: set()}
        frontier = [start]
        while frontier:
            node = frontier.pop()
            mine = strong[node]
            for other, edge in adjacent.get(node, _NO_PEERS).items():
                if other in mine:
                    continue
                # This loop reads every edge of the component: the moment the edge stops
                # being strong decides, computed once per change of the edge.
                if edge.strong_for != min_weight:
                    edge.strong_until = self._strong_until(edge, min_weight)
                    edge.strong_for = min_weight
                until = edge.strong_until
                if ts_ms > until + _UNTIL_MARGIN_MS:
                    continue
                if ts_ms >= until - _UNTIL_MARGIN_MS:  # at the boundary: exactly
                    dt = ts_ms - edge.ts_ms
                    factor = 0.5 ** (dt / half_life) if dt > 0 else 1.0
                    if combine is None:
                        weight = edge.weight * factor
                    else:
                        weight = combine(edge.parts[0], edge.parts[1], factor)
                    if weight < min_weight:
                        continue
                mine.add(other)
                theirs = strong.get(other)
                if theirs is None:
                    if len(strong) >= limit:
                        mine.discard(other)
                        continue
                    strong[other] = theirs = set()
                    frontier.append(other)
                theirs.add(node)
        nodes = set(strong)
        small = min(min_degree, 2)
        _peel(strong, small)
        groups: list[set[str]] = []
        for group in _connected(strong):
            if links_needed(len(group), min_degree) <= small:
                groups.append(group)
                continue
            inside = {n: strong[n] for n in group}  # a component: its peers are inside
            _peel(inside, min_degree)
            groups.extend(_connected(inside))
        groups.sort(key=min)
        return nodes, groups

    def ties(
        self, node: str, group_of: Mapping[str, int], min_weight: float, ts_ms: int
    ) -> dict[int, list[str]]:
        """Per group (``group_of``: account -> group), the members ``node`` is linked to by
        an edge weighing at least ``min_weight`` at ``ts_ms``."""
        weight_at = self._weight_at
        peers: dict[int, list[str]] = {}
        for other, edge in self._adjacent.get(node, _NO_PEERS).items():
            group = group_of.get(other)
            if group is not None and weight_at(edge, ts_ms) >= min_weight:
                peers.setdefault(group, []).append(other)
        return peers

    def kind_totals(self, members: frozenset[str], ts_ms: int) -> dict[str, float]:
        """Evidence by reason over the edges within ``members``, decayed to ``ts_ms``.

        Summed exactly (``math.fsum``), by reason name: a set's iteration order changes
        with the process's string hashing, and a plain float sum with the order, so
        the same input gave figures differing in the last digit from run to run."""
        parts: dict[str, list[float]] = {}
        adjacent, factor = self._adjacent, self._factor
        for node in members:
            for other, edge in adjacent.get(node, _NO_PEERS).items():
                if node < other and other in members:
                    f = factor(ts_ms - edge.ts_ms)
                    for name, w in edge.reasons.items():
                        parts.setdefault(name, []).append(w * f)
        return {name: math.fsum(values) for name, values in sorted(parts.items())}

    def nodes(self) -> list[str]:
        return list(self._nodes)

    def neighbours(self, node: str) -> list[str]:
        return sorted(self._adjacent.get(node, ()))

    def groups(self, min_weight: float, ts_ms: int, min_size: int = 2) -> list[frozenset[str]]:
        """Connected components over edges weighing at least ``min_weight`` at ``ts_ms``,
        largest first (ties: smallest member first)."""
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            root = parent.setdefault(x, x)
            while root != parent[root]:
                parent[root] = parent[parent[root]]
                root = parent[root]
            return root

        for (a, b), edge in self._edges.items():
            if self._weight_at(edge, ts_ms) >= min_weight:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        components: dict[str, set[str]] = {}
        for node in parent:
            components.setdefault(find(node), set()).add(node)
        found = [frozenset(c) for c in components.values() if len(c) >= min_size]
        found.sort(key=lambda g: (-len(g), min(g)))
        return found

    def to_state(self) -> dict[str, Any]:
        return {
            "max_nodes": self.max_nodes,
            "max_edges": self.max_edges,
            "half_life_ms": self.half_life_ms,
            "watermark_ms": self.watermark_ms,
            "evicted_nodes": self.evicted_nodes,
            "evicted_edges": self.evicted_edges,
            "nodes": [[node, ts] for node, ts in self._nodes.items()],
            "edges": [
                [a, b, e.ts_ms, e.weight, [[r, w] for r, w in e.reasons.items()]]
                for (a, b), e in self._edges.items()
            ],
        }

    @classmethod
    def from_state(
        cls, state: Mapping[str, Any], strength: Strength | None = None
    ) -> DecayingEvidenceGraph:
        graph = cls(
            int(state["max_nodes"]), int(state["max_edges"]), int(state["half_life_ms"]), strength
        )
        graph.watermark_ms = int(state["watermark_ms"])
        graph.evicted_nodes = int(state["evicted_nodes"])
        graph.evicted_edges = int(state["evicted_edges"])
        for node, ts in state["nodes"]:
            graph._nodes[str(node)] = int(ts)
        for a, b, ts, weight, reasons in state["edges"]:
            edge = _Edge(int(ts))
            edge.weight = float(weight)
            edge.reasons = {str(r): float(w) for r, w in reasons}
            if strength is not None:
                edge.parts = strength.parts(edge.reasons)
            graph._edges[(str(a), str(b))] = edge
            graph._adjacent.setdefault(str(a), {})[str(b)] = edge
            graph._adjacent.setdefault(str(b), {})[str(a)] = edge
        return graph


def _peel(strong: dict[str, set[str]], min_degree: int) -> None:
    """Drop, repeatedly, every node with fewer than ``min_degree`` peers (in place)."""
    weak = [n for n, peers in strong.items() if len(peers) < min_degree]
    while weak:
        node = weak.pop()
        if node not in strong:
            continue
        for other in strong.pop(node):
            theirs = strong.get(other)
            if theirs is not None:
                theirs.discard(node)
                if len(theirs) == min_degree - 1:
                    weak.append(other)


def _connected(strong: dict[str, set[str]]) -> list[set[str]]:
    """The connected groups of ``strong`` (node -> peers), smallest member first."""
    groups: list[set[str]] = []
    seen: set[str] = set()
    for node in sorted(strong):
        if node in seen:
            continue
        group = {node}
        frontier = [node]
        while frontier:
            for other in strong[frontier.pop()]:
                if other not in group:
                    group.add(other)
                    frontier.append(other)
        seen |= group
        groups.append(group)
    return groups


@dataclass(frozen=True, slots=True)
class Group:
    """A group with its stable id and what changed since the previous assignment."""

    id: str
    members: frozenset[str]
    created_ms: int
    joined: frozenset[str] = frozenset()
    left: frozenset[str] = frozenset()

    @property
    def is_new(self) -> bool:
        return self.joined == self.members


class GroupIds:
    """Stable ids for groups that drift: see the module docstring for the matching rule.

    Holds only the groups of the latest ``assign`` (retired ids are forgotten), so its
    memory is bounded by whatever bounds the groups, e.g. the graph's ``max_nodes``.
    """

    __slots__ = ("_current", "min_jaccard", "prefix", "retired")

    def __init__(self, min_jaccard: float = 0.0, prefix: str = "c") -> None:
        if not 0 <= min_jaccard <= 1:
            raise ValueError("min_jaccard must be in [0, 1]")
        self.min_jaccard = min_jaccard
        self.prefix = prefix
        self._current: dict[str, tuple[frozenset[str], int]] = {}
        self.retired: tuple[str, ...] = ()  # ids that the last ``assign`` dropped

    def current(self) -> dict[str, frozenset[str]]:
        return {gid: members for gid, (members, _) in self._current.items()}

    def _new_id(self, members: frozenset[str], ts_ms: int, taken: set[str]) -> str:
        digest = blake2b(min(members).encode("utf-8", "surrogatepass"), digest_size=6).hexdigest()
        base = f"{self.prefix}-{ts_ms}-{digest}"
        gid, n = base, 1
        while gid in taken:
            gid, n = f"{base}-{n}", n + 1
        return gid

    def assign(self, groups: Iterable[frozenset[str]], ts_ms: int) -> list[Group]:
        """Give every group (non-empty, disjoint) an id; returns them in input order."""
        new = [g for g in groups if g]
        owner: dict[str, str] = {}
        for gid, (members, _) in self._current.items():
            for member in members:
                owner[member] = gid
        candidates: list[tuple[float, int, str, str, int]] = []
        for i, members in enumerate(new):
            overlap: dict[str, int] = {}
            for member in members:
                holder = owner.get(member)
                if holder is not None:
                    overlap[holder] = overlap.get(holder, 0) + 1
            for gid, shared in overlap.items():
                previous = self._current[gid][0]
                jaccard = shared / (len(members) + len(previous) - shared)
                if jaccard >= self.min_jaccard:
                    # Sort key: best Jaccard, then larger previous group, then stable ties.
                    candidates.append((-jaccard, -len(previous), gid, min(members), i))
        candidates.sort()
        chosen: dict[int, str] = {}
        used: set[str] = set()
        for _, _, gid, _, i in candidates:
            if i not in chosen and gid not in used:
                chosen[i] = gid
                used.add(gid)
        taken = set(self._current)
        result: list[Group] = []
        current: dict[str, tuple[frozenset[str], int]] = {}
        for i, members in enumerate(new):
            inherited = chosen.get(i)
            if inherited is None:
                gid = self._new_id(members, ts_ms, taken)
                taken.add(gid)
                created, previous = ts_ms, frozenset[str]()
            else:
                gid = inherited
                previous, created = self._current[gid]
            current[gid] = (members, created)
            result.append(Group(gid, members, created, members - previous, previous - members))
        self.retired = tuple(sorted(gid for gid in self._current if gid not in current))
        self._current = current
        return result

    def to_state(self) -> dict[str, Any]:
        return {
            "min_jaccard": self.min_jaccard,
            "prefix": self.prefix,
            "groups": [
                [gid, created, sorted(members)] for gid, (members, created) in self._current.items()
            ],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> GroupIds:
        ids = cls(float(state["min_jaccard"]), str(state["prefix"]))
        for gid, created, members in state["groups"]:
            ids._current[str(gid)] = (frozenset(str(m) for m in members), int(created))
        return ids
