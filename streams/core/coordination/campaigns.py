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

import math
from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Any

import orjson

from streams import __version__
from streams.core.alerts import (
    BENIGN,
    MERGED,
    QUIET,
    SEVERITIES,
    Alert,
    Reason,
    closing,
    severity_rank,
)
from streams.core.coordination.graph import (
    DecayingEvidenceGraph,
    Group,
    GroupIds,
    links_needed,
)
from streams.core.coordination.links import LinkStrength
from streams.core.coordination.spread import load_spread
from streams.core.linking import CLEAR_TEMPLATE, INFRASTRUCTURE, KINDS, PairEvidence, kind_of
from streams.core.reasons import severity_for
from streams.core.scoring import CLEAR_EVENTS, CLEARLY_HARVEST
from streams.core.verdicts import Verdict

_STATE_VERSION = 2
# Infrastructure kinds that contain another kind's keys (an ASN its address blocks) or are
# made from them (a template as sent from one client is that client): not a second key of
# the family when counting a pair's shared keys (``CampaignStage._shared``).
_CONTAINING = frozenset({"asn", "ctpl"})


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
    # Requests an account needs before its raw score counts as clear: the score of its
    # first one to three requests is a first impression (a developer's first call can
    # look like a harvester's), not a judgement.
    clear_events: int = CLEAR_EVENTS
    min_links: int = 3  # strong links a member needs inside its group (k-core)
    # An account outside every group, linked to ``tie_links`` members of one by links
    # of ``tie_min`` or more, and through two address blocks two of those members were
    # also linked through, is tied to it (``_with_ties``): twice the links of a k-core
    # member at half their strength, so no less evidence in all.
    tie_links: int = 6
    tie_min: float = 0.45
    # pooled score = pooled raw * N / (N + prior_events): a quarter of a lone account's
    # prior. Strong links and the k-core already decide who is in a group (no group
    # scored on seeds 101 to 103 held a benign account but one 582-member fleet); the
    # prior only waits until a group's requests say what its members' scores mean.
    prior_events: float = 8.0
    # Requests a member counts for at least, in the pooled score and its N. The members
    # of a k-core of strong links are different accounts whose first impressions err
    # independently (one account's first requests err together): six members at one
    # request each say more than one account's six requests.
    member_min_events: int = 2
    half_life_ms: int = 86_400_000  # evidence halves every day without renewal
    quiet_ms: int = 2 * 86_400_000  # a campaign without new evidence this long closes
    max_nodes: int = 50_000
    max_edges: int = 200_000
    regroup_every_ms: int = 60_000  # regroup touched accounts at most this often (event time)
    max_group: int = 5_000  # largest group followed from one touched account per regroup
    prune_every_ms: int = 3_600_000  # drop faded links once an hour (event time)...
    prune_fraction: float = 0.1  # ...those below this fraction of edge_min
    max_listed_keys: int = 5  # shared keys quoted per kind in the evidence
    max_listed_tied: int = 20  # tied members named in the evidence
    explain_members: int = 200  # members whose links explain a campaign alert
    update_every_ms: int = 3_600_000  # newcomers below a tenth wait this long (event time)
    verdict_ttl_ms: int = 30 * 86_400_000  # how long an analyst's verdict holds (event time)

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
    score: float = 0.0


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
    # Analysts' verdicts, account -> until (event time): a benign account's evidence is
    # ignored (and it leaves the graph); a confirmed one counts as fully harvest-like.
    vouched: dict[str, int] = field(default_factory=dict)
    confirmed: dict[str, int] = field(default_factory=dict)
    suppressed: dict[str, int] = field(default_factory=dict)  # campaign id -> until
    vouched_keys: dict[str, int] = field(default_factory=dict)  # a benign campaign's keys
    # Members in a group by a tie, not by the k-core's strong links (``_with_ties``):
    # their alerts say so, since an analyst weighs them as the weaker evidence they are.
    tied: set[str] = field(default_factory=set)
    changed: bool = False

    def __post_init__(self) -> None:
        p = self.params
        self.graph = DecayingEvidenceGraph(p.max_nodes, p.max_edges, p.half_life_ms, LinkStrength())

    def process(self, evidence: PairEvidence) -> list[Alert]:
        """Fold one pair of evidence in; regroup when due and return the alerts raised."""
        ts = evidence.ts_ms
        if (
            self._vouched(evidence.a, ts)
            or self._vouched(evidence.b, ts)
            or self.vouched_keys.get(evidence.key, ts) > ts
        ):
            return []  # an analyst said benign: these links prove nothing
        self._note(evidence.a, evidence.raw_a, evidence.events_a, ts, evidence.key)
        self._note(evidence.b, evidence.raw_b, evidence.events_b, ts, evidence.key)
        # One kind of link counts once per pair (renewed, not piled up): a pair needs
        # several kinds of shared key, or one strong one, to reach ``edge_min``.
        a, b, graph, edge_min = evidence.a, evidence.b, self.graph, self.params.edge_min
        kind = kind_of(evidence.key)
        weight = evidence.weight
        family = INFRASTRUCTURE.get(kind)
        if family is not None and self._borderline(evidence) and self._shared(a, b, family) < 2:
            # One address block or one client fingerprint in common with a borderline
            # suspect can be chance (a home user on a proxy's exit, a developer on the
            # same client library as a fleet): alone it stays below ``edge_min``. Two
            # clearly harvest-like accounts on it, or a pool shared block after block,
            # are not chance.
            weight = min(weight, self.params.single_key_cap)
        # A template two clear suspects replay anchors their link (``CLEAR_TEMPLATE``;
        # sent from one client, it is that client's evidence); anyone else's only
        # corroborates: benchmark customers on one public harness and one stock SDK.
        reason = kind
        if kind in ("tpl", "ctpl"):
            if self._borderline(evidence):
                reason = "tpl"
            elif kind == "tpl":
                reason = CLEAR_TEMPLATE
        before = graph.weight(a, b, ts)
        graph.add_evidence(a, b, weight, ts, reason, cap=weight)
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

    def _borderline(self, evidence: PairEvidence) -> bool:
        """Whether one side is only a borderline suspect: a raw score below ``clear_raw``,
        or from fewer than ``clear_events`` requests."""
        p = self.params
        return (
            min(evidence.raw_a, evidence.raw_b) < p.clear_raw
            or min(evidence.events_a, evidence.events_b) < p.clear_events
        )

    def _vouched(self, account: str, ts: int) -> bool:
        until = self.vouched.get(account)
        return until is not None and ts < until

    def apply_verdict(self, verdict: Verdict) -> tuple[list[Alert], list[str]]:
        """An analyst's verdict on an account or a campaign (its current members).

        Benign: the accounts leave the graph and their evidence is ignored for the
        verdict's TTL, and every raised campaign listing one of them is re-emitted without
        it; a campaign called benign closes and stays quiet, and the keys its members
        shared (its card, its network, its templates) link nobody while the verdict holds,
        so the same customer's next accounts do not form it again. Abuse: the accounts
        count as fully harvest-like in every group they are linked into (the accounts
        linked to them are raised); a campaign called abuse is re-emitted as confirmed.
        Returns the alerts, and the members a benign campaign verdict is about (each
        gets its share of the verdict where its profile lives).
        """
        until = verdict.ts_ms + self.params.verdict_ttl_ms
        accounts: set[str] = set()
        if verdict.account_id is not None:
            accounts.add(verdict.account_id)
        group = None
        if verdict.campaign_id is not None:
            group = self.ids.current().get(verdict.campaign_id)
            accounts |= group or frozenset()
        book = self.confirmed if verdict.abuse else self.vouched
        for account in sorted(accounts):
            book.pop(account, None)
            book[account] = until
            (self.vouched if verdict.abuse else self.confirmed).pop(account, None)
            if not verdict.abuse:
                self.graph.remove(account)
        self.changed = True
        alerts: list[Alert] = []
        cid = verdict.campaign_id
        if cid is not None and group is not None:
            if verdict.abuse:
                alert = self._confirm(cid, group, verdict.ts_ms)
                if alert is not None:
                    alerts.append(alert)
            else:
                self.suppressed[cid] = until
                for key in self._shared_keys(group):
                    self.vouched_keys.pop(key, None)
                    self.vouched_keys[key] = until
                closed = self._close(cid, verdict.ts_ms, BENIGN, "an analyst's benign verdict")
                if closed is not None:
                    alerts.append(closed)
        if accounts and not verdict.abuse:
            alerts.extend(self._clear(accounts, verdict.ts_ms))
            # Regroup what is left of their groups (they are out of the graph).
            for gid in {self.group_of[a] for a in accounts if a in self.group_of}:
                self.touched |= self.ids.current().get(gid, frozenset()) - accounts
        self.rescore |= accounts
        self._cap_verdicts()
        members = sorted(group) if group is not None and not verdict.abuse else []
        return alerts, members

    def _shared_keys(self, members: frozenset[str]) -> list[str]:
        """Keys at least two of ``members`` were recently linked through."""
        holders: dict[str, int] = {}
        for account in members:
            for key in self.keys.get(account, {}):
                holders[key] = holders.get(key, 0) + 1
        return sorted(k for k, n in holders.items() if n >= 2)

    def _clear(self, accounts: set[str], ts: int) -> list[Alert]:
        """Re-emit every raised campaign that lists ``accounts`` without them."""
        alerts = []
        for cid, raised in sorted(self.raised.items()):
            gone = raised.members & accounts
            if not gone:
                continue
            members = raised.members - gone
            if not members:
                continue  # nothing left to list: it closes when its group retires
            raised = self.raised[cid] = _Raised(
                raised.alert_id, raised.version + 1, raised.severity, members, ts, raised.score
            )
            _, pooled, requests = self.score(members)
            reasons, evidence = self._explain(members, ts, pooled, requests)
            alerts.append(
                Alert(
                    alert_id=raised.alert_id,
                    version=raised.version,
                    kind="campaign",
                    campaign_id=cid,
                    account_ids=tuple(sorted(members)),
                    detected_at_ms=ts,
                    score=round(raised.score, 4),
                    severity=raised.severity,
                    reasons=(
                        Reason(
                            "analyst_cleared",
                            f"{len(gone)} member(s) cleared by an analyst's benign verdict",
                            0.0,
                        ),
                        *reasons,
                    ),
                    evidence=evidence,
                    model_version=self.params.model_version,
                )
            )
        return alerts

    def _cap_verdicts(self) -> None:
        cap = self.params.max_nodes
        for book in (self.vouched, self.confirmed, self.suppressed, self.vouched_keys):
            while len(book) > cap:
                del book[next(iter(book))]

    def _expire_verdicts(self, ts: int) -> None:
        for book in (self.vouched, self.confirmed, self.suppressed, self.vouched_keys):
            for key in [k for k, until in book.items() if ts >= until]:
                del book[key]

    def _confirm(self, cid: str, members: frozenset[str], ts: int) -> Alert | None:
        """Re-emit a campaign as confirmed by an analyst (critical, score 1)."""
        previous = self.raised.get(cid)
        if previous is not None and previous.score == 1.0 and members <= previous.members:
            return None  # already confirmed (a verdict read twice)
        version = 1 if previous is None else previous.version + 1
        alert_id = campaign_alert_id(cid) if previous is None else previous.alert_id
        everyone = members if previous is None else previous.members | members
        self.raised[cid] = _Raised(alert_id, version, "critical", everyone, ts, 1.0)
        _, pooled, requests = self.score(members)
        reasons, evidence = self._explain(members, ts, pooled, requests)
        return Alert(
            alert_id=alert_id,
            version=version,
            kind="campaign",
            campaign_id=cid,
            account_ids=tuple(sorted(everyone)),
            detected_at_ms=ts,
            score=1.0,
            severity="critical",
            reasons=(
                Reason("analyst_confirmed", "an analyst confirmed this campaign's abuse", 1.0),
                *reasons,
            ),
            evidence=evidence,
            model_version=self.params.model_version,
        )

    def _close(self, cid: str, ts: int, resolution: str, detail: str) -> Alert | None:
        """The closing version of a raised campaign's alert (None if never raised)."""
        raised = self.raised.pop(cid, None)
        if raised is None:
            return None
        self.changed = True
        return closing(
            alert_id=raised.alert_id,
            version=raised.version,
            kind="campaign",
            account_ids=tuple(sorted(raised.members)),
            ts_ms=ts,
            score=raised.score,
            severity=raised.severity,
            resolution=resolution,
            detail=detail,
            model_version=self.params.model_version,
            campaign_id=cid,
        )

    def _shared(self, a: str, b: str, family: str) -> int:
        """Distinct keys of ``family`` both accounts were recently linked through, an
        ASN not counted: it holds the address blocks, so two accounts on one block share
        its ASN too, and that is still one block in common."""
        mine, theirs = self.keys.get(a, {}), self.keys.get(b, {})
        return sum(
            1
            for k in mine
            if k in theirs
            and (kind := kind_of(k)) not in _CONTAINING
            and INFRASTRUCTURE.get(kind) == family
        )

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

    def advance(self, ts: int) -> list[Alert]:
        """The input's event time reached ``ts`` (a tick, every few minutes): regroup
        the evidence still waiting since the last regroup, as the next evidence would.

        Evidence only arrives when links change, so without ticks a fleet's last links
        would wait for unrelated evidence, however long the quiet spell. The regroup runs
        at the evidence's own time, not at ``ts``: a partition whose clock is ahead
        cannot age the graph.
        """
        if not (self.touched or self.rescore):
            return []
        if ts - self.last_regroup_ms < self.params.regroup_every_ms:
            return []
        self.changed = True
        return self.regroup(max(self.graph.watermark_ms, self.last_regroup_ms))

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
        # Accounts with new evidence, and those a group held until now, may be tied to one.
        held = set().union(*kept) if kept else set()
        groups, tied = self._with_ties(groups, rescore.union(self.group_of), ts)
        assigned = self.ids.assign(groups, ts)
        self.group_of = {m: g.id for g in assigned for m in g.members}
        # A group kept as it was keeps its tied members tied; a k-core that takes one in
        # makes it a member like any other.
        self.tied = {a for a in self.tied if a in held} | tied
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
        days = p.quiet_ms / 86_400_000
        for gid in self.ids.retired:
            # Retired because it went quiet, or because fresh groups took (most of) its
            # members under other ids (their alerts now speak for them).
            raised = self.raised.get(gid)
            merged = raised is not None and 2 * len(raised.members & taken) >= len(raised.members)
            closed = self._close(
                gid,
                ts,
                MERGED if merged else QUIET,
                "its members joined another campaign"
                if merged
                else f"no new evidence for {days:g} days",
            )
            if closed is not None:
                alerts.append(closed)
        self._expire_verdicts(ts)
        self._forget_stale()
        return alerts

    def _with_ties(
        self, groups: list[frozenset[str]], candidates: set[str], ts: int
    ) -> tuple[list[frozenset[str]], set[str]]:
        """``groups`` with those of ``candidates`` in none of them that are tied to one,
        and the accounts so tied.

        An account is tied to the group it has most links of ``tie_min`` or more to (the
        first group on a tie) if those are ``tie_links`` or more and it was linked
        through two or more address blocks each of which two of those members were
        also linked through. The k-core asks for a few strong links, which a fleet's
        clear suspects build pair by pair on the keys they share. A member whose score
        hovers at the suspect bar (a network that mixes its harvesting into its
        customers' requests dilutes every account) is linked on each key it holds to
        the few suspects that last held it: many partners, each link short of strong.
        Many such links on one address (a venue, a campus NAT) or one stock client are
        a crowd's; the group's pool, block after block, is not."""
        p = self.params
        outside = candidates.difference(*groups)
        if not outside:
            return groups, set()
        index: dict[str, int] = {}
        for i, members in enumerate(groups):
            index.update(dict.fromkeys(members, i))
        extra: dict[int, set[str]] = {}
        for account in sorted(outside):
            peers = self.graph.ties(account, index, p.tie_min, ts)
            if not peers:
                continue
            i = max(sorted(peers), key=lambda g: len(peers[g]))
            if len(peers[i]) >= p.tie_links and self._blocks_shared(account, peers[i]) >= 2:
                extra.setdefault(i, set()).add(account)
        tied = set().union(*extra.values()) if extra else set()
        return [g | extra[i] if i in extra else g for i, g in enumerate(groups)], tied

    def _blocks_shared(self, account: str, peers: list[str]) -> int:
        """The address blocks ``account`` was recently linked through that at least two
        of ``peers`` were also linked through."""
        held: dict[str, int] = {}
        for peer in peers:
            for key in self.keys.get(peer, {}):
                if kind_of(key) == "net":
                    held[key] = held.get(key, 0) + 1
        return sum(1 for key in self.keys.get(account, {}) if held.get(key, 0) >= 2)

    def _last_evidence(self, members: frozenset[str]) -> int:
        return max((m.ts_ms for a in members if (m := self.members.get(a)) is not None), default=-1)

    def _forget_stale(self) -> None:
        if len(self.members) > 2 * self.params.max_nodes:
            in_graph = set(self.graph.nodes())
            for account in [a for a in self.members if a not in in_graph]:
                del self.members[account]
                self.keys.pop(account, None)

    def score(self, members: frozenset[str]) -> tuple[float, float, int]:
        """(campaign score, pooled raw score, total requests) of a group.

        The weighted sum is exact (``math.fsum``), so it does not depend on the order a
        set of members happens to iterate in (string hashing differs per process)."""
        total = 0
        weighted: list[float] = []
        for account in members:
            m = self.members.get(account)
            if m is None:
                continue
            n = max(m.events, self.params.member_min_events)
            total += n
            weighted.append((1.0 if account in self.confirmed else m.raw) * n)
        if total == 0:
            return 0.0, 0.0, 0
        pooled = math.fsum(weighted) / total
        return pooled * total / (total + self.params.prior_events), pooled, total

    def _maybe_alert(self, group: Group, ts: int) -> Alert | None:
        until = self.suppressed.get(group.id)
        if until is not None and ts < until:
            return None
        score, pooled, requests = self.score(group.members)
        if score < self.params.threshold:
            return None
        listed = self._listed(group.members)
        if len(listed) < self.params.min_accounts:
            return None
        severity = severity_for(score)
        previous = self.raised.get(group.id)
        if previous is None:
            raised = _Raised(campaign_alert_id(group.id), 1, severity, listed, ts, score)
        else:
            joined = len(listed - previous.members)
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
                previous.members | listed,
                ts,
                max(score, previous.score),
            )
        self.raised[group.id] = raised
        self.changed = True
        tied = self._still_tied(group.members, listed, ts)
        reasons, evidence = self._explain(group.members, ts, pooled, requests, len(tied))
        if undecided := len(group.members) - len(listed):
            evidence["undecided_members"] = undecided  # linked, not named yet
        if tied:
            evidence["tied_members"] = len(tied)
            evidence["tied_account_ids"] = tied[: self.params.max_listed_tied]
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

    def _still_tied(self, members: frozenset[str], listed: frozenset[str], ts: int) -> list[str]:
        """The named members of a group that are in it by a tie only: a tied member whose
        links inside turned strong (as many of ``edge_min`` as the k-core asks of a group
        this size) is a member like any other, and is no longer tied. Only what the alert
        says; the group stays as it is until evidence regroups it."""
        p = self.params
        tied = listed & self.tied
        if not tied:
            return []
        needed = links_needed(len(members), p.min_links)
        index = dict.fromkeys(members, 0)
        strong = {
            a for a in tied if len(self.graph.ties(a, index, p.edge_min, ts).get(0, ())) >= needed
        }
        self.tied -= strong
        return sorted(tied - strong)

    def _listed(self, members: frozenset[str]) -> frozenset[str]:
        """The members a campaign alert names: all but the *undecided*, whose one to
        three requests scored below ``clear_raw`` (a first impression, not a judgement).

        An undecided member still counts in its group's links and score (a fleet's
        human-looking first prompts are part of the fleet), but is named only once the
        detector judges it a suspect on its fourth request. A developer whose first
        answer ran long, on the same stock client as a fleet and waking in the same ten
        minutes as some of its accounts, is judged below the suspect bar by then and is
        never named."""
        p = self.params
        return frozenset(
            a
            for a in members
            if a in self.confirmed
            or (m := self.members.get(a)) is None
            or m.raw >= p.clear_raw
            or m.events >= p.clear_events
        )

    def _explain(
        self, members: frozenset[str], ts: int, pooled: float, requests: int, tied: int = 0
    ) -> tuple[tuple[Reason, ...], dict[str, Any]]:
        # Explained from (at most) the first members in a stable order: bounded work.
        sample = frozenset(sorted(members)[: self.params.explain_members])
        by_kind: dict[str, float] = {}
        for reason, weight in self.graph.kind_totals(sample, ts).items():
            kind = "tpl" if reason == CLEAR_TEMPLATE else reason
            by_kind[kind] = by_kind.get(kind, 0.0) + weight
        holders: dict[str, set[str]] = {}
        for account in sample:
            for key in self.keys.get(account, {}):
                holders.setdefault(key, set()).add(account)
        shared = {k: len(v) for k, v in holders.items() if len(v) >= 2}
        total = sum(by_kind.values()) or 1.0
        # Order-free: load_spread sorts the counts itself.
        spread = load_spread(
            [max(m.events, 1) for a in sample if (m := self.members.get(a)) is not None]
        )
        even = spread is not None and spread.even
        # Tied members are linked by many weaker links through the group's address
        # blocks, not by the k-core's strong ones: an analyst weighs them apart.
        ties = f" ({tied} of them tied to it by weaker links)" if tied else ""
        reasons = [
            Reason(
                "coordinated_harvesting",
                f"{len(members)} accounts acting together{ties}, pooled harvest score "
                f"{pooled:.2f} over {requests:,} requests",
                0.4 if even else 0.5,
            )
        ]
        if spread is not None and even:
            reasons.append(
                Reason(
                    "load_balanced",
                    f"volume spread evenly: members carry {spread.least} to {spread.most} "
                    f"requests (median {spread.median:g}, variation {spread.cv:.2f})",
                    0.1,
                )
            )
        for kind, weight in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0]))[:4]:
            holding = max((n for k, n in shared.items() if kind_of(k) == kind), default=0)
            # A member recalls only its latest keys (``_note``): on a proxy pool's churn
            # the key behind older evidence can drop out while the edges still hold it.
            held = f"by up to {holding} members" if holding >= 2 else "between members"
            reasons.append(
                Reason(
                    f"shared_{kind}",
                    f"{KINDS.get(kind, kind)} shared {held}",
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
        if spread is not None:
            evidence["load_spread"] = spread.evidence()
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
                    gid: [
                        r.alert_id,
                        r.version,
                        r.severity,
                        sorted(r.members),
                        r.emitted_ms,
                        r.score,
                    ]
                    for gid, r in self.raised.items()
                },
                self.last_regroup_ms,
                sorted(self.touched),
                sorted(self.rescore),
                self.last_prune_ms,
                [self.vouched, self.confirmed, self.suppressed, self.vouched_keys],
                sorted(self.tied),
            ]
        )

    @classmethod
    def from_bytes(cls, params: CampaignParams, blob: bytes) -> CampaignStage:
        state = orjson.loads(blob)
        if state[0] not in (1, _STATE_VERSION):  # 1: before lifecycle and verdicts
            raise ValueError(f"unsupported campaign state version {state[0]}")
        stage = cls(params)
        stage.graph = DecayingEvidenceGraph.from_state(state[1], LinkStrength())
        stage.ids = GroupIds.from_state(state[2])
        stage.members = {a: _Member(float(r), int(n), int(t)) for a, (r, n, t) in state[3].items()}
        stage.keys = {a: {str(k): int(t) for k, t in ks.items()} for a, ks in state[4].items()}
        stage.raised = {
            gid: _Raised(str(row[0]), int(row[1]), str(row[2]), frozenset(row[3]), int(row[4]))
            for gid, row in state[5].items()
        }
        for gid, row in state[5].items():
            if len(row) > 5:
                stage.raised[gid].score = float(row[5])
        stage.last_regroup_ms = int(state[6])
        stage.touched = {str(a) for a in state[7]}
        stage.rescore = {str(a) for a in state[8]}
        stage.last_prune_ms = int(state[9])
        if len(state) > 10:
            books = [{str(k): int(u) for k, u in book.items()} for book in state[10]]
            stage.vouched, stage.confirmed, stage.suppressed = books[:3]
            stage.vouched_keys = books[3] if len(books) > 3 else {}
        if len(state) > 11:
            stage.tied = {str(a) for a in state[11]}
        stage.group_of = {m: gid for gid, ms in stage.ids.current().items() for m in ms}
        return stage


def campaign_alert_id(campaign_id: str) -> str:
    digest = blake2b(campaign_id.encode(), digest_size=10)
    return f"camp-{digest.hexdigest()}"
