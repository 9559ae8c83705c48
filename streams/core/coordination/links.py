"""The links stage: per shared key, which harvest-like accounts hold it, and pair evidence.

Runs on the stream of ``LinkUpdate`` records keyed by link key (one key's updates always
meet in one place). Per key it keeps a distinct-count sketch of every account seen with
it and a capped set of the *suspects*: members whose raw harvest score is at least
``suspect_raw``. When a suspect (re)announces a key that other suspects hold, it emits
pair evidence towards a few of the most recent ones.

The weight of that evidence is the key kind's specificity times the key's *suspect
concentration* (suspects / all accounts seen with it), times a *support* factor growing
with the number of suspects (a dozen harvest-like accounts on one key say more than
two): a TLS fingerprint held only by
harvest-like accounts is a harness; one shared by two thousand ordinary developers and
five odd ones is a popular SDK. That is what keeps a campus NAT, an enterprise card or a
hackathon cohort quiet: their keys are shared, but their members do not look harvest-like.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import orjson

from streams.core.coldset import ColdSet, batch
from streams.core.coordination.crowd import CrowdLevel
from streams.core.linking import (
    CLEAR_TEMPLATE,
    CORROBORATING,
    IDENTITY,
    INFRASTRUCTURE,
    LinkUpdate,
    PairEvidence,
    kind_of,
)
from streams.core.scoring import CLEAR_EVENTS
from streams.core.sketches import DistinctCounter, stable_hash64

# How much sharing a key of each kind says about acting together (before concentration
# and support). Identity (payment, system prompt, organisation) can link two accounts on
# its own; an infrastructure fingerprint only once several suspects hold it almost
# exclusively (support), else with one more kind of evidence; behavioural coincidences
# (templates, wake-up windows, model rushes) only ever corroborate: two unrelated fleets
# may use the same public chain-of-thought wrapper or work the same night.
KIND_WEIGHTS: dict[str, float] = {
    "pay": 1.0,
    "sys": 0.8,
    "org": 0.8,
    "tls": 0.6,
    "ctpl": 0.6,
    "net": 0.6,
    "sync": 0.6,
    "cohort": 0.5,
    "ua": 0.4,
    "pivot": 0.4,
    "tpl": 0.4,
    "wake": 0.2,
    "asn": 0.2,
}
# Keys of these kinds link no one until they hold a crowd of suspects (crowd.CrowdLevel):
# a scheduler wakes a fleet's accounts by the dozen, while chance gives a few busy
# suspects the same two consecutive wake-up windows, more of them on a bigger platform.
CROWD_KINDS = frozenset({"sync"})
# A reason another one implies: waking in lockstep twice includes waking together once; a
# template replayed by two clear suspects is the template they share.
IMPLIED_BY: dict[str, str] = {"wake": "sync", "tpl": CLEAR_TEMPLATE}

_SKETCH_K = 64  # distinct-count sketch size: exact up to 64 accounts, ~12% error beyond
HOT_KEYS = 1024  # live key states per partition; the rest wait as bytes
# A key links its held suspects again once its strength grew this much since it last did:
# a fleet's first pairs were announced while the key held a few suspects, weak evidence
# that no later announcement renews (a light account announces a key once or twice).
RELINK_GROWTH = 1.25


@dataclass(frozen=True, slots=True)
class LinkParams:
    suspect_raw: float = 0.5  # raw harvest score that makes a member a suspect
    partners: int = 3  # suspects a new suspect is linked to (most recent first)
    max_suspects: int = 64  # suspects remembered per key
    member_ttl_ms: int = 2 * 86_400_000  # a suspect not re-announced for this long drops
    max_keys: int = 200_000  # keys held per partition (least recently updated dropped)
    hot_keys: int = HOT_KEYS  # of them live; the rest wait as their checkpoint bytes
    disabled: frozenset[str] = field(default_factory=frozenset)  # key kinds switched off
    # A member below ``suspect_raw`` on fewer than ``clear_events`` requests is undecided
    # (a first impression) and counts as this much of a member in the concentration.
    clear_events: int = CLEAR_EVENTS
    undecided_weight: float = 0.5


def support(suspects: int) -> float:
    """More suspects on one key, stronger evidence: x1 for 1, x1.5 for 4, x2 from 16 on."""
    return min(2.0, 1.0 + math.log2(max(suspects, 1)) / 4.0)


@dataclass(frozen=True, slots=True)
class LinkStrength:
    """How the kinds of evidence on one pair of accounts combine into one link strength.

    Kinds of one infrastructure family count once, the strongest (``INFRASTRUCTURE``).
    Identity (payment, organisation, system prompt) and infrastructure are *anchors*;
    behavioural coincidences (templates, wake windows, release pivots, signup cohorts)
    only corroborate them: they add at most ``corroboration_cap`` and never more than the
    anchors, because two unrelated fleets, or a benchmark customer and a fleet, may use
    the same public chain-of-thought wrapper, work the same night and jump onto the same
    new model.
    """

    corroboration_cap: float = 0.3

    def parts(self, reasons: Mapping[str, float]) -> tuple[float, float]:
        """(anchors, corroboration): each family at its strongest, identity summed.

        The corroboration returned is at most the anchors other than a template two
        clear suspects replay (``CLEAR_TEMPLATE``): that template anchors a client
        fingerprint or an address it comes with, but a template and a coincidence in
        timing are still only behaviour (two heavy harvesters on one public wrapper,
        waking in the same ten minutes)."""
        families: dict[str, float] = {}
        identity = corroboration = template = 0.0
        for kind, weight in reasons.items():
            family = INFRASTRUCTURE.get(kind)
            if family is not None:
                if weight > families.get(family, 0.0):
                    families[family] = weight
            elif kind in CORROBORATING:
                if IMPLIED_BY.get(kind) not in reasons:
                    corroboration += weight
            elif kind == CLEAR_TEMPLATE:
                template = weight
            else:
                identity += weight
        others = identity + sum(families.values())
        return others + template, min(corroboration, others)

    def combine(self, anchors: float, corroboration: float, scale: float = 1.0) -> float:
        """The strength of a pair whose (anchors, corroboration) are decayed by ``scale``."""
        anchors *= scale
        corroboration *= scale
        cap = self.corroboration_cap
        return anchors + min(corroboration, anchors, cap)

    def min_scale(self, anchors: float, corroboration: float, strength: float) -> float:
        """The smallest ``scale`` at which ``combine`` reaches ``strength`` (inf: never).

        ``combine`` is ``s * anchors + min(s * b, cap)`` with ``b = min(corroboration,
        anchors)``: linear in ``s`` until the corroboration hits its cap, then linear with
        the anchors' slope alone."""
        if strength <= 0.0:
            return 0.0
        b = min(corroboration, anchors)
        if anchors + b <= 0.0:
            return math.inf
        scale = strength / (anchors + b)
        if not math.isfinite(scale):  # anchors so small the division overflows
            return math.inf
        if scale * b <= self.corroboration_cap:
            return scale
        return (strength - self.corroboration_cap) / anchors

    def __call__(self, reasons: Mapping[str, float], scale: float = 1.0) -> float:
        """The strength of a pair with these reasons, each multiplied by ``scale`` (decay)."""
        return self.combine(*self.parts(reasons), scale)


_NO_SUSPECTS: Mapping[str, tuple[int, float, int]] = MappingProxyType({})


class KeyState:
    """Everything the stage holds for one key (bounded: a sketch and two capped maps).

    The suspect map keeps the ``max_suspects`` latest suspects, enough to pick partners
    but not to count a fleet of hundreds: 64 held over 500 members would read as a key
    an eighth harvest-like. So the stage also marks which accounts of the members
    sketch's sample (the ``k`` smallest hashes, a uniform sample of every account seen)
    are suspects now; once the map is full, the sample's share counts them all.

    On every key but identity (card, organisation, system prompt) it also marks the
    sampled members that are *undecided*: below the suspect bar on their
    first one to three requests. A first impression is no judgement either way (a
    fleet's human-looking first prompts score just under the bar), and counted as a full
    member each one dilutes a harness's fingerprint as much as a developer who has shown
    what they do; it counts as ``undecided_weight`` of a member until it is judged.
    """

    __slots__ = ("_sampled", "_suspects", "_undecided", "members", "relinked")

    def __init__(self) -> None:
        self.members = DistinctCounter(_SKETCH_K)  # every account seen with the key
        # Made on the first suspect: most keys (a card, an address) never see one, and an
        # empty map costs 140 bytes on each of them.
        self._suspects: OrderedDict[str, tuple[int, float, int]] | None = None
        # Suspects in the members sample: hash -> last announcement as a suspect. Made on
        # the first suspect; at most k + 1 entries (pruned past k).
        self._sampled: dict[int, int] | None = None
        # Undecided members in the sample: hash -> that announcement. Kept only once the
        # key has had a suspect (its concentration matters only then); at most k + 1.
        self._undecided: dict[int, int] | None = None
        # The strength at which the key last linked all its held suspects (0: never).
        self.relinked = 0.0

    @property
    def suspects(self) -> Mapping[str, tuple[int, float, int]]:
        """Suspect -> (last announcement, raw score, requests), oldest first (read-only)."""
        return self._suspects if self._suspects is not None else _NO_SUSPECTS

    def suspects_for_update(self) -> OrderedDict[str, tuple[int, float, int]]:
        if self._suspects is None:
            self._suspects = OrderedDict()
        return self._suspects

    def mark(
        self, account: str, ts: int, suspect: bool, horizon: int, undecided: bool = False
    ) -> bool:
        """Record whether ``account`` (already added to ``members``) is a suspect now, or
        undecided (a first impression below the bar), if it is in the members sample;
        entries older than ``horizon`` are stale. Whether any mark changed."""
        sampled, pending = self._sampled, self._undecided
        undecided = undecided and not suspect and self._suspects is not None
        if not (suspect or sampled or undecided or pending):
            return False
        h = stable_hash64(account)
        changed = False
        if sampled and not suspect:
            changed = sampled.pop(h, None) is not None
        if pending and not undecided:
            changed = pending.pop(h, None) is not None or changed
        if not (suspect or undecided) or not self.members.sampled(h):
            return changed
        if suspect:
            if sampled is None:
                sampled = self._sampled = {}
            self._put(sampled, h, ts, horizon)
        else:
            if pending is None:
                pending = self._undecided = {}
            self._put(pending, h, ts, horizon)
        return True

    def _put(self, marks: dict[int, int], h: int, ts: int, horizon: int) -> None:
        marks[h] = ts
        if len(marks) > self.members.k:
            in_sample = self.members.sampled
            for old in [x for x, t in marks.items() if t < horizon or not in_sample(x)]:
                del marks[old]

    def _in_sample(self, marks: dict[int, int] | None, horizon: int) -> int:
        if not marks:
            return 0
        in_sample = self.members.sampled
        return sum(1 for h, ts in marks.items() if ts >= horizon and in_sample(h))

    def concentration(
        self, max_suspects: int = 0, horizon: int = 0, undecided_weight: float = 1.0
    ) -> float:
        """Share of the key's accounts that look harvest-like now (0..1).

        The held suspects over the members, unless the suspect map is full
        (``max_suspects``) and the members sketch is a sample: then the larger of that
        and the sample's share of suspects seen since ``horizon``. An undecided member
        counts as ``undecided_weight`` of one (exact while the sketch holds every member,
        estimated from the sample beyond)."""
        n = len(self.suspects)
        members = self.members
        size = members.estimate()
        discount = 1.0 - undecided_weight
        undecided = self._in_sample(self._undecided, horizon) if discount else 0
        sample_full = members.full()
        scale = size / members.k if sample_full else 1.0
        share = n / max(size - discount * undecided * scale, n, 1)
        sampled = self._sampled
        if not max_suspects or n < max_suspects or not sampled or not sample_full:
            return share
        hits = self._in_sample(sampled, horizon)
        return max(share, hits / max(members.k - discount * undecided, hits, 1))

    def to_bytes(self) -> bytes:
        # A key that has had a suspect and holds none now is not a key that never had
        # one (it keeps its undecided marks): written as null, not [], which earlier
        # releases wrote for both and read as "never had one".
        held = self._suspects
        suspects = (
            None if held is not None and not held else [[a, *v] for a, v in self.suspects.items()]
        )
        state: list[Any] = [self.members.to_state(), suspects]
        sampled = sorted(self._sampled.items()) if self._sampled else []
        undecided = sorted(self._undecided.items()) if self._undecided else []
        if sampled or undecided or self.relinked:
            state.append(sampled)
        if undecided or self.relinked:
            state.append(undecided)
        if self.relinked:
            state.append(self.relinked)
        return orjson.dumps(state)

    @classmethod
    def from_bytes(cls, blob: bytes) -> KeyState:
        """Read ``to_bytes``'s output (and the two- and three-part states of earlier
        releases)."""
        members, suspects, *rest = orjson.loads(blob)
        state = cls()
        state.members = DistinctCounter.from_state(members, _SKETCH_K)
        if suspects is None:  # has had a suspect, holds none now
            state.suspects_for_update()
        elif suspects:
            held = state.suspects_for_update()
            for account, ts, raw, events in suspects:
                held[str(account)] = (int(ts), float(raw), int(events))
        if rest and rest[0]:
            state._sampled = {int(h): int(ts) for h, ts in rest[0]}
        if len(rest) > 1 and rest[1]:
            state._undecided = {int(h): int(ts) for h, ts in rest[1]}
        if len(rest) > 2:
            state.relinked = float(rest[2])
        return state


class LinkStage:
    """Key -> members, for the keys of one partition of the links topic.

    Only the ``params.hot_keys`` most recently updated keys are held as objects. Most keys of a
    large user base are one account's own card or address, updated once in a while: a
    live ``KeyState`` costs about 400 bytes, its checkpointed bytes a quarter of that. A
    key leaving the hot set is *spilled*: serialised for the next checkpoint if it changed,
    and read back (``loader``) on its next update. ``max_keys`` caps hot and spilled keys
    together, least recently updated dropped first.
    """

    __slots__ = (
        "_cold",
        "_dirty",
        "_evicted",
        "_loader",
        "_spilled",
        "crowd",
        "hot_keys",
        "keys",
        "loads",
        "params",
    )

    def __init__(self, params: LinkParams, loader: Any = None) -> None:
        self.params = params
        self.hot_keys = max(1, params.hot_keys)
        self.loads = 0  # keys read back from their bytes (spilled or restored)
        self.keys: OrderedDict[str, KeyState] = OrderedDict()  # hot, least recently updated first
        # Spilled keys, least recently updated first (all older than every hot key).
        self._cold: ColdSet[None] = ColdSet()
        self._spilled: dict[str, bytes] = {}  # spilled since the last checkpoint
        self._loader = loader  # key -> checkpointed bytes or None (after a restart)
        self._dirty: set[str] = set()
        self._evicted: set[str] = set()
        # The partition's chance level of lockstep crowds (checkpointed by the shell).
        self.crowd = CrowdLevel()

    def __len__(self) -> int:
        return len(self.keys) + len(self._cold)

    def __contains__(self, key: object) -> bool:
        return key in self.keys or key in self._cold

    def _state(self, key: str) -> KeyState:
        keys = self.keys
        state = keys.get(key)
        if state is None:
            state = self._load(key)
            keys[key] = state
            self._cold.discard(key)
            if len(self) > self.params.max_keys:
                self._evict_oldest()
            while len(keys) > self.hot_keys:
                self._spill(next(iter(keys)))
        else:
            keys.move_to_end(key)
        self._evicted.discard(key)
        return state

    def _load(self, key: str) -> KeyState:
        """A key's state: spilled since the last checkpoint, checkpointed, or new. A key
        dropped since the last checkpoint starts over (its checkpoint is stale). The
        caller marks a key dirty when an update changed it; a stale checkpoint or
        spilled bytes not yet checkpointed are to be written whatever the update does."""
        if key in self._evicted:
            self._dirty.add(key)
            return KeyState()
        blob = self._spilled.pop(key, None)
        if blob is not None:
            self._dirty.add(key)
        elif self._loader is not None:
            blob = self._loader(key)
        if blob is None:
            return KeyState()
        self.loads += 1
        return KeyState.from_bytes(blob)

    def _spill(self, key: str) -> None:
        state = self.keys.pop(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self._spilled[key] = state.to_bytes()
        self._cold.add(key, None)

    def _evict_oldest(self) -> None:
        """Back under ``max_keys``: the least recently updated spilled keys go first, a
        batch past the excess (``coldset.batch``), then hot ones if need be."""
        max_keys = self.params.max_keys
        for key in self._cold.oldest(len(self) - max_keys + batch(max_keys)):
            self._evict(key)
        while len(self) > max_keys:
            self._evict(next(iter(self.keys)))

    def _evict(self, key: str) -> None:
        if self.keys.pop(key, None) is None:
            self._cold.discard(key)
        self._spilled.pop(key, None)
        self._dirty.discard(key)
        self._evicted.add(key)

    def process(self, update: LinkUpdate) -> list[PairEvidence]:
        params = self.params
        kind = kind_of(update.key)
        weight = KIND_WEIGHTS.get(kind, 0.0)
        if weight <= 0.0 or kind in params.disabled:
            return []
        key = update.key
        state = self._state(key)
        account, ts = update.account_id, update.ts_ms
        changed = state.members.add(account)
        horizon = ts - params.member_ttl_ms
        suspect = update.raw >= params.suspect_raw
        # Identity keys' members count whole (the detector re-announces every other key
        # when it judges an account, on its fourth request).
        undecided = update.events < params.clear_events and kind not in IDENTITY
        changed = state.mark(account, ts, suspect, horizon, undecided) or changed
        if not suspect:
            if state._suspects and state._suspects.pop(account, None) is not None:
                changed = True
            if changed:  # an unchanged key keeps its checkpoint (no rewrite, no churn)
                self._dirty.add(key)
            return []
        self._dirty.add(key)
        suspects = state.suspects_for_update()
        joined = account not in suspects
        suspects[account] = (ts, update.raw, update.events)
        suspects.move_to_end(account)
        while suspects and next(iter(suspects.values()))[0] < horizon:
            suspects.popitem(last=False)
        while len(suspects) > params.max_suspects:
            suspects.popitem(last=False)
        needed = 2
        if kind in CROWD_KINDS:
            if joined:
                self.crowd.observe(len(suspects))
            needed = self.crowd.bar()
        if len(suspects) < needed:
            return []
        concentration = state.concentration(params.max_suspects, horizon, params.undecided_weight)
        strength = round(weight * concentration * support(len(suspects)), 4)
        evidence: list[PairEvidence] = []
        for other in reversed(suspects):
            if other == account:
                continue
            _, other_raw, other_events = suspects[other]
            evidence.append(
                PairEvidence(
                    account,
                    other,
                    strength,
                    update.key,
                    ts,
                    update.raw,
                    other_raw,
                    update.events,
                    other_events,
                )
            )
            if len(evidence) >= params.partners:
                break
        if state.relinked <= 0.0:
            state.relinked = strength
        elif strength >= state.relinked * RELINK_GROWTH and len(suspects) > params.partners + 1:
            state.relinked = strength
            evidence.extend(self._relink(suspects, key, strength, account))
        return evidence

    def _relink(
        self, suspects: Mapping[str, tuple[int, float, int]], key: str, strength: float, skip: str
    ) -> list[PairEvidence]:
        """Pair evidence at ``strength`` between every held suspect and the ``partners``
        held before it (the newest, ``skip``, is linked already). Each pair is dated and
        scored as when the later of the two announced the key, as if the key had been this
        strong then: what is new is the key's weight, not the accounts' evidence, so a
        relink renews no pair against decay."""
        partners = self.params.partners
        held = [(a, v) for a, v in suspects.items() if a != skip]
        out: list[PairEvidence] = []
        for i, (a, (ts_a, raw_a, events_a)) in enumerate(held):
            for b, (ts_b, raw_b, events_b) in held[max(0, i - partners) : i]:
                ts = max(ts_a, ts_b)
                out.append(PairEvidence(a, b, strength, key, ts, raw_a, raw_b, events_a, events_b))
        return out

    def drain_changes(self) -> list[tuple[str, bytes | None]]:
        """Changed keys as (key, state) and dropped keys as (key, None), for checkpoints."""
        changes: list[tuple[str, bytes | None]] = [
            (key, self.keys[key].to_bytes()) for key in sorted(self._dirty)
        ]
        changes.extend(sorted(self._spilled.items()))
        changes.extend((key, None) for key in sorted(self._evicted))
        self._dirty.clear()
        self._spilled.clear()
        self._evicted.clear()
        return changes
