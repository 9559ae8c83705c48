"""The campaign stage: pair evidence -> decaying account graph -> campaigns -> alerts.

Evidence between two harvest-like accounts accumulates on an edge of a graph that decays
in event time; edges strong enough link accounts into groups (connected components), and
``GroupIds`` gives each group a stable ``campaign_id`` while members join and leave. A
group of at least ``min_accounts`` whose *pooled* harvest score (the members' raw scores
weighted by their requests, shrunk while few requests back them) reaches ``threshold`` is
a campaign: its alert is raised once and re-emitted with a new ``version`` when members
join or its severity rises. Pooling is what catches a fleet of light accounts early: no
member has to look guilty alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import orjson

from streams import __version__
from streams.core.alerts import SEVERITIES, Alert, Reason, severity_rank
from streams.core.coordination.graph import DecayingEvidenceGraph, Group, GroupIds
from streams.core.coordination.links import INFRASTRUCTURE, LinkStrength
from streams.core.linking import KINDS, PairEvidence, kind_of
from streams.core.reasons import severity_for
from streams.core.scoring import CLEARLY_HARVEST

_STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class CampaignParams:
    min_accounts: int = 3
    threshold: float = 0.5  # pooled campaign score that raises the alert
    edge_min: float = 0.9  # link strength that links two accounts
    # Evidence from one shared infrastructure key, while the pair shares no other key of
    # that family and one of them is only a borderline suspect (raw below ``clear_raw``),
    # counts at most this (below ``edge_min``).
    single_key_cap: float = 0.8
    clear_raw: float = CLEARLY_HARVEST
    min_links: int = 3  # strong links a member needs inside its group (k-core)
    # pooled score = pooled raw * N / (N + prior_events): half a lone account's prior,
    # because every member is a suspect on its own and linked to the others.
    prior_events: float = 15.0
    half_life_ms: int = 86_400_000  # evidence halves every day without renewal
    quiet_ms: int = 2 * 86_400_000  # a campaign without new evidence this long closes
    max_nodes: int = 50_000
    max_edges: int = 200_000
    regroup_every_ms: int = 60_000  # regroup touched accounts at most this often (event time)
    max_group: int = 5_000  # largest group followed from one touched account per regroup
    prune_every_ms: int = 3_600_000  # drop faded links once an hour (event time)...
    prune_fraction: float = 0.1  # ...those below this fraction of edge_min
    max_listed_keys: int = 5  # shared keys quoted per kind in the evidence
    explain_members: int = 200  # members whose links explain a campaign alert
    update_every_ms: int = 3_600_000  # newcomers below a tenth wait this long (event time)

    @property
    def model_version(self) -> str:
        return f"distillguard-{__version__}/campaign-v2"


@dataclass(slots=True)
class _Member:
    raw: float
    events: int
    ts_ms: int


@dataclass(slots=True)
class _Raised:
    alert_id: str
    version: int
    severity: str
    members: frozenset[str]
    emitted_ms: int


@dataclass(slots=True)
class CampaignStage:
    params: CampaignParams
    graph: DecayingEvidenceGraph = field(init=False)
    ids: GroupIds = field(default_factory=lambda: GroupIds(min_jaccard=0.2, prefix="camp"))
    members: dict[str, _Member] = field(default_factory=dict)
    keys: dict[str, dict[str, int]] = field(default_factory=dict)  # account -> key -> ts
    raised: dict[str, _Raised] = field(default_factory=dict)
    last_regroup_ms: int = -1
    touched: set[str] = field(default_factory=set)  # accounts whose links turned strong
    rescore: set[str] = field(default_factory=set)  # accounts with any evidence since regroup
    group_of: dict[str, str] = field(default_factory=dict)  # member -> campaign id
    last_prune_ms: int = -1
    changed: bool = False

    def __post_init__(self) -> None:
        p = self.params
        self.graph = DecayingEvidenceGraph(p.max_nodes, p.max_edges, p.half_life_ms, LinkStrength())

    def process(self, evidence: PairEvidence) -> list[Alert]:
        """Fold one pair of evidence in; regroup when due and return the alerts raised."""
        ts = evidence.ts_ms
        self._note(evidence.a, evidence.raw_a, evidence.events_a, ts, evidence.key)
        self._note(evidence.b, evidence.raw_b, evidence.events_b, ts, evidence.key)
        # One kind of link counts once per pair (renewed, not piled up): a pair needs
        # several kinds of shared key, or one strong one, to reach ``edge_min``.
        a, b, graph, edge_min = evidence.a, evidence.b, self.graph, self.params.edge_min
        kind = kind_of(evidence.key)
        weight = evidence.weight
        family = INFRASTRUCTURE.get(kind)
        if (
            family is not None
            and min(evidence.raw_a, evidence.raw_b) < self.params.clear_raw
            and self._shared(a, b, family) < 2
        ):
            # One address block or one client fingerprint in common with a borderline
            # suspect can be chance (a home user on a proxy's exit, a developer on the
            # same client library as a fleet): alone it stays below ``edge_min``. Two
            # clearly harvest-like accounts on it, or a pool shared block after block,
            # are not chance.
            weight = min(weight, self.params.single_key_cap)
        before = graph.weight(a, b, ts)
        graph.add_evidence(a, b, weight, ts, kind, cap=weight)
        # Only a link turning strong can change the groups; any evidence may change the
        # scores of the groups it touches.
        if before < edge_min <= graph.weight(a, b, ts):
            group_of = self.group_of
            same = group_of.get(a)
            if same is None or same != group_of.get(b):  # inside one group: nothing moves
                self.touched.add(a)
                self.touched.add(b)
        self.rescore.add(a)
        self.rescore.add(b)
        self.changed = True
        if ts - self.last_regroup_ms >= self.params.regroup_every_ms:
            return self.regroup(ts)
        return []

    def _shared(self, a: str, b: str, family: str) -> int:
        """Distinct keys of ``family`` both accounts were recently linked through."""
        mine, theirs = self.keys.get(a, {}), self.keys.get(b, {})
        return sum(1 for k in mine if k in theirs and INFRASTRUCTURE.get(kind_of(k)) == family)

    def _note(self, account: str, raw: float, events: int, ts: int, key: str) -> None:
        member = self.members.get(account)
        if member is None or ts >= member.ts_ms:
            self.members[account] = _Member(raw, events, ts)
        keys = self.keys.setdefault(account, {})
        keys[key] = ts
        if len(keys) > 16:
            del keys[min(keys, key=lambda k: (keys[k], k))]

    def flush(self) -> list[Alert]:
        """Regroup now if evidence arrived since the last regroup (end of input)."""
        if not (self.touched or self.rescore):
            return []
        return self.regroup(self.graph.watermark_ms)

    def regroup(self, ts: int) -> list[Alert]:
        """Recompute the groups of the accounts touched since the last regroup.

        Groups nobody touched keep their members until evidence reaches them again (a
        campaign never shrinks silently between alerts); every touched account's group is
        followed over edges still strong enough at ``ts``.
        """
        p = self.params
        self.last_regroup_ms = ts
        touched, self.touched = self.touched, set()
        rescore, self.rescore = self.rescore, set()
        fresh: list[frozenset[str]] = []
        covered: set[str] = set()
        for account in sorted(touched):
            if account in covered:
                continue
            component, cores = self.graph.core_groups(
                account, p.edge_min, ts, p.max_group, p.min_links
            )
            covered |= component
            fresh.extend(frozenset(g) for g in cores if len(g) >= p.min_accounts)
        # A previous group stays as it was unless one of the fresh groups took members
        # from it (then the fresh one inherits its id); it closes once no member has had
        # new evidence for ``quiet_ms``.
        taken = set().union(*fresh) if fresh else set()
        horizon = ts - p.quiet_ms
        kept = [
            members
            for members in self.ids.current().values()
            if not (members & taken) and self._last_evidence(members) >= horizon
        ]
        groups = sorted([*kept, *fresh], key=min)
        assigned = self.ids.assign(groups, ts)
        self.group_of = {m: g.id for g in assigned for m in g.members}
        if ts - self.last_prune_ms >= p.prune_every_ms:
            # Links too weak to matter any more only cost memory and regroup time.
            self.graph.prune(ts, p.edge_min * p.prune_fraction)
            self.last_prune_ms = ts
        recomputed = set(fresh)
        alerts = [
            a
            for g in assigned
            if (g.members in recomputed or not g.members.isdisjoint(rescore))
            and (a := self._maybe_alert(g, ts))
        ]
        for gid in self.ids.retired:
            self.raised.pop(gid, None)
        self._forget_stale()
        return alerts

    def _last_evidence(self, members: frozenset[str]) -> int:
        return max((m.ts_ms for a in members if (m := self.members.get(a)) is not None), default=-1)

    def _forget_stale(self) -> None:
        if len(self.members) > 2 * self.params.max_nodes:
            in_graph = set(self.graph.nodes())
            for account in [a for a in self.members if a not in in_graph]:
                del self.members[account]
                self.keys.pop(account, None)

    def score(self, members: frozenset[str]) -> tuple[float, float, int]:
        """(campaign score, pooled raw score, total requests) of a group."""
        total = 0
        weighted = 0.0
        for account in members:
            m = self.members.get(account)
            if m is None:
                continue
            n = max(m.events, 1)
            total += n
            weighted += m.raw * n
        if total == 0:
            return 0.0, 0.0, 0
        pooled = weighted / total
        return pooled * total / (total + self.params.prior_events), pooled, total

    def _maybe_alert(self, group: Group, ts: int) -> Alert | None:
        score, pooled, requests = self.score(group.members)
        if score < self.params.threshold:
            return None
        severity = severity_for(score)
        previous = self.raised.get(group.id)
        if previous is None:
            raised = _Raised(campaign_alert_id(group.id), 1, severity, group.members, ts)
        else:
            joined = len(group.members - previous.members)
            escalated = severity_rank(severity) > severity_rank(previous.severity)
            # A growing fleet re-alerts when it grew by a tenth, or after an hour with
            # any newcomer: a version per member would flood the consumers.
            grown = joined > 0 and (
                joined >= max(1, len(previous.members) // 10)
                or ts - previous.emitted_ms >= self.params.update_every_ms
            )
            if not (grown or escalated):
                return None
            top = max(severity_rank(severity), severity_rank(previous.severity))
            raised = _Raised(
                previous.alert_id,
                previous.version + 1,
                SEVERITIES[top],
                previous.members | group.members,
                ts,
            )
        self.raised[group.id] = raised
        self.changed = True
        reasons, evidence = self._explain(group.members, ts, pooled, requests)
        return Alert(
            alert_id=raised.alert_id,
            version=raised.version,
            kind="campaign",
            campaign_id=group.id,
            account_ids=tuple(sorted(raised.members)),
            detected_at_ms=ts,
            score=round(score, 4),
            severity=raised.severity,
            reasons=reasons,
            evidence=evidence,
            model_version=self.params.model_version,
        )

    def _explain(
        self, members: frozenset[str], ts: int, pooled: float, requests: int
    ) -> tuple[tuple[Reason, ...], dict[str, Any]]:
        # Explained from (at most) the first members in a stable order: bounded work.
        sample = frozenset(sorted(members)[: self.params.explain_members])
        by_kind = self.graph.kind_totals(sample, ts)
        holders: dict[str, set[str]] = {}
        for account in sample:
            for key in self.keys.get(account, {}):
                holders.setdefault(key, set()).add(account)
        shared = {k: len(v) for k, v in holders.items() if len(v) >= 2}
        total = sum(by_kind.values()) or 1.0
        reasons = [
            Reason(
                "coordinated_harvesting",
                f"{len(members)} accounts acting together, pooled harvest score "
                f"{pooled:.2f} over {requests:,} requests",
                0.5,
            )
        ]
        for kind, weight in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))[:4]:
            holding = max((n for k, n in shared.items() if kind_of(k) == kind), default=0)
            reasons.append(
                Reason(
                    f"shared_{kind}",
                    f"{KINDS.get(kind, kind)} shared by up to {holding} members",
                    round(0.5 * weight / total, 3),
                )
            )
        listed: dict[str, list[list[Any]]] = {}
        for key, n in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
            kind = kind_of(key)
            rows = listed.setdefault(kind, [])
            if len(rows) < self.params.max_listed_keys:
                rows.append([key.split(":", 1)[1], n])
        evidence = {
            "members": len(members),
            "pooled_raw_score": round(pooled, 4),
            "requests": requests,
            "link_strength_by_kind": {k: round(v, 3) for k, v in sorted(by_kind.items())},
            "shared_keys": listed,
        }
        return tuple(reasons), evidence

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            [
                _STATE_VERSION,
                self.graph.to_state(),
                self.ids.to_state(),
                {a: [m.raw, m.events, m.ts_ms] for a, m in self.members.items()},
                self.keys,
                {
                    gid: [r.alert_id, r.version, r.severity, sorted(r.members), r.emitted_ms]
                    for gid, r in self.raised.items()
                },
                self.last_regroup_ms,
                sorted(self.touched),
                sorted(self.rescore),
                self.last_prune_ms,
            ]
        )

    @classmethod
    def from_bytes(cls, params: CampaignParams, blob: bytes) -> CampaignStage:
        state = orjson.loads(blob)
        if state[0] != _STATE_VERSION:
            raise ValueError(f"unsupported campaign state version {state[0]}")
        stage = cls(params)
        stage.graph = DecayingEvidenceGraph.from_state(state[1], LinkStrength())
        stage.ids = GroupIds.from_state(state[2])
        stage.members = {a: _Member(float(r), int(n), int(t)) for a, (r, n, t) in state[3].items()}
        stage.keys = {a: {str(k): int(t) for k, t in ks.items()} for a, ks in state[4].items()}
        stage.raised = {
            gid: _Raised(str(aid), int(v), str(sev), frozenset(m), int(t))
            for gid, (aid, v, sev, m, t) in state[5].items()
        }
        stage.last_regroup_ms = int(state[6])
        stage.touched = {str(a) for a in state[7]}
        stage.rescore = {str(a) for a in state[8]}
        stage.last_prune_ms = int(state[9])
        stage.group_of = {m: gid for gid, ms in stage.ids.current().items() for m in ms}
        return stage


def campaign_alert_id(campaign_id: str) -> str:
    digest = blake2b(campaign_id.encode(), digest_size=10)
    return f"camp-{digest.hexdigest()}"
