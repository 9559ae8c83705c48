"""Analysts' verdicts (the ``feedback`` topic) and what the detectors learn from them.

A verdict is about an account or a campaign: ``abuse`` (confirmed) or ``benign`` (a
false positive). The accounts stage keeps, per partition, a ``VerdictBook``:

- the verdict on each account for ``ttl_ms`` of event time: a benign account is
  suppressed (no alert, not a suspect for the campaign stage), a confirmed one scores 1;
- a supervised online model of what analysts called abuse or benign: a river
  nearest-neighbour search over the accounts' behaviour vectors (signal strengths and
  templated share, all in 0..1, never prompt text or identities). An account close to
  verdict examples is pulled towards their label: a benign verdict on one benchmark
  account lowers the scores of the accounts that behave like it; accounts unlike every
  example keep the unsupervised score. Neighbours, not a fitted boundary, because
  analysts give few verdicts and a look-alike is what they generalise to.

Pure and deterministic: the same verdicts in the same order give the same state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

import orjson
from river import neighbors, utils
from river.neighbors.base import FunctionWrapper

from streams.core.event import InvalidEvent
from streams.core.timeutil import parse_rfc3339_ms

Vector = dict[str, float]
# A judged account's look-alike example: (account, vector, abuse, valid until event time).
Example = tuple[str, Vector, bool, int]

MAX_FEEDBACK_BYTES = 65_536
MAX_ID_CHARS = 128


@dataclass(frozen=True, slots=True)
class Verdict:
    """One analyst decision (the note and the analyst's name stay out: not needed)."""

    verdict_id: str  # stable digest of the decision: a replayed record is recognised
    account_id: str | None
    campaign_id: str | None
    abuse: bool
    ts_ms: int

    def to_row(self) -> list[Any]:
        return [self.verdict_id, self.account_id, self.campaign_id, self.abuse, self.ts_ms]

    @classmethod
    def from_row(cls, row: list[Any]) -> Verdict:
        vid, account, campaign, abuse, ts = row
        return cls(
            str(vid),
            None if account is None else str(account),
            None if campaign is None else str(campaign),
            bool(abuse),
            int(ts),
        )


def _id_field(doc: Mapping[str, Any], name: str) -> str | None:
    """The id, None when the field is absent. Present, it must be a string (null too is
    the wrong type: the contract's ids are strings, as ``analyst`` and ``note`` are)."""
    if name not in doc:
        return None
    value = doc[name]
    if not isinstance(value, str):
        raise InvalidEvent("wrong_type", f"field {name!r} must be a string", name)
    if not 1 <= len(value) <= MAX_ID_CHARS:
        raise InvalidEvent("out_of_range", f"field {name!r} must be 1..128 characters", name)
    return value


def parse_feedback(raw: bytes) -> Verdict:
    """A ``feedback`` record per the contract, or ``InvalidEvent`` saying what is wrong
    (the message names the field, never its value)."""
    if len(raw) > MAX_FEEDBACK_BYTES:
        raise InvalidEvent("too_large", f"feedback record over {MAX_FEEDBACK_BYTES} bytes")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidEvent("not_json", "feedback record is not JSON") from None
    if not isinstance(doc, dict):
        raise InvalidEvent("not_object", "feedback record is not a JSON object")
    account = _id_field(doc, "account_id")
    campaign = _id_field(doc, "campaign_id")
    if account is None and campaign is None:
        raise InvalidEvent("missing_field", "feedback needs account_id or campaign_id")
    verdict = doc.get("verdict")
    if verdict is None:
        raise InvalidEvent("missing_field", "missing required field 'verdict'", "verdict")
    if verdict not in ("abuse", "benign"):
        raise InvalidEvent("out_of_range", "field 'verdict' must be abuse or benign", "verdict")
    ts = doc.get("ts")
    if ts is None:
        raise InvalidEvent("missing_field", "missing required field 'ts'", "ts")
    if not isinstance(ts, str):
        raise InvalidEvent("wrong_type", "field 'ts' must be an RFC 3339 string", "ts")
    try:
        ts_ms = parse_rfc3339_ms(ts)
    except ValueError:
        raise InvalidEvent("bad_ts", "field 'ts' is not an RFC 3339 date-time", "ts") from None
    for name in ("analyst", "note"):
        if name in doc and not isinstance(doc[name], str):
            raise InvalidEvent("wrong_type", f"field {name!r} must be a string", name)
    digest = blake2b(
        orjson.dumps([account, campaign, verdict, ts_ms, doc.get("analyst")]), digest_size=10
    )
    return Verdict(digest.hexdigest(), account, campaign, verdict == "abuse", ts_ms)


@dataclass(frozen=True, slots=True)
class VerdictParams:
    ttl_ms: int = 30 * 86_400_000  # how long a verdict on an account holds (event time)
    max_accounts: int = 100_000  # verdicts remembered per partition (oldest go first)
    window: int = 512  # verdict examples the look-alike model keeps (newest)
    neighbours: int = 5
    radius: float = 0.35  # behaviour distance within which an account looks alike
    max_pull: float = 0.9  # how far the closest examples can move a score


def distance(a: Vector, b: Vector, **_: Any) -> float:
    """Euclidean distance of two behaviour vectors (a feature absent counts as 0)."""
    return float(utils.math.minkowski_distance(a, b, 2))


def pulled(score: float, target: float, strength: float) -> float:
    """``score`` moved ``strength`` of the way towards ``target`` (see ``VerdictBook.pull``)."""
    return score + strength * (target - score)


class VerdictBook:
    """Verdicts on accounts (with a TTL) and the look-alike model of their examples.

    One example per judged account (its id): a judged account's vector is refreshed as
    its behaviour matures (``Detector`` re-sends it when it moved), so the examples keep
    describing what the judged accounts do, not their first hour. An example lapses with
    its verdict.
    """

    __slots__ = ("_next_expiry", "_stale", "accounts", "changed", "examples", "params", "search")

    def __init__(self, params: VerdictParams | None = None) -> None:
        self.params = params or VerdictParams()
        self.accounts: dict[str, tuple[bool, int]] = {}  # account -> (abuse, until)
        # example id (the judged account) -> (vector, abuse, until), oldest first
        self.examples: dict[str, tuple[Vector, bool, int]] = {}
        # Items are (vector, label); the wrapper measures the vectors only.
        self.search = neighbors.LazySearch(
            window_size=self.params.window, dist_func=FunctionWrapper(distance)
        )
        self._stale = False  # an example was replaced: rebuild the search window
        self._next_expiry = 1 << 62  # the earliest example ``until``
        self.changed = False

    def record(self, verdict: Verdict) -> None:
        """Hold the verdict on its account for the TTL (a later verdict replaces it)."""
        if verdict.account_id is None:
            return
        accounts = self.accounts
        accounts.pop(verdict.account_id, None)
        accounts[verdict.account_id] = (verdict.abuse, verdict.ts_ms + self.params.ttl_ms)
        while len(accounts) > self.params.max_accounts:
            del accounts[next(iter(accounts))]
        self.changed = True

    def status(self, account: str, ts_ms: int) -> bool | None:
        """True: confirmed abuse; False: benign (suppressed); None: no verdict holds."""
        held = self.accounts.get(account)
        if held is None:
            return None
        abuse, until = held
        if ts_ms >= until:
            del self.accounts[account]
            self.changed = True
            return None
        return abuse

    def learn(self, example_id: str, vector: Vector, abuse: bool, until: int) -> bool:
        """Add or replace one labelled vector, valid until ``until`` (event time); False
        when it was already known as is."""
        known = self.examples.get(example_id)
        if known is not None and known == (vector, abuse, until):
            return False
        examples = self.examples
        if known is not None:
            del examples[example_id]
            self._stale = True
        examples[example_id] = (dict(vector), abuse, until)
        self._next_expiry = min(self._next_expiry, until)
        if len(examples) > self.params.window:
            del examples[next(iter(examples))]
            self._stale = True
        if not self._stale:
            self.search.append((dict(vector), abuse))
        self.changed = True
        return True

    def forget(self, example_id: str) -> None:
        if self.examples.pop(example_id, None) is not None:
            self._stale = self.changed = True

    def example(self, example_id: str) -> Vector | None:
        known = self.examples.get(example_id)
        return None if known is None else known[0]

    def _searchable(self) -> neighbors.LazySearch:
        if self._stale:
            self.search = neighbors.LazySearch(
                window_size=self.params.window, dist_func=FunctionWrapper(distance)
            )
            for vector, abuse, _ in self.examples.values():
                self.search.append((vector, abuse))
            self._stale = False
        return self.search

    def _expire(self, now: int) -> None:
        if now < self._next_expiry:
            return
        lapsed = [i for i, (_, _, until) in self.examples.items() if until <= now]
        self._next_expiry = min(
            (u for _, _, u in self.examples.values() if u > now), default=1 << 62
        )
        for example_id in lapsed:
            del self.examples[example_id]
        if lapsed:
            self._stale = self.changed = True

    def pull(self, vector: Vector, now: int) -> tuple[float, float]:
        """(target, strength): where the look-alike examples still valid at ``now`` pull
        a score (0 benign, 1 abuse) and how strongly (0 = no example within the radius)."""
        if not self.examples:
            return 0.0, 0.0
        self._expire(now)
        if not self.examples:
            return 0.0, 0.0
        p = self.params
        found, distances = self._searchable().search((vector, None), n_neighbors=p.neighbours)
        weight = abuse = 0.0
        for (_, label), distance in zip(found, distances, strict=True):
            if distance >= p.radius:
                continue
            w = 1.0 - distance / p.radius
            weight += w
            abuse += w * label
        if weight <= 0.0:
            return 0.0, 0.0
        return abuse / weight, p.max_pull * min(1.0, weight)

    def to_bytes(self) -> bytes:
        return orjson.dumps(
            {
                "accounts": [[a, abuse, until] for a, (abuse, until) in self.accounts.items()],
                "examples": [[i, v, a, until] for i, (v, a, until) in self.examples.items()],
            }
        )

    @classmethod
    def from_bytes(cls, blob: bytes, params: VerdictParams | None = None) -> VerdictBook:
        state = orjson.loads(blob)
        book = cls(params)
        book.accounts = {str(a): (bool(abuse), int(u)) for a, abuse, u in state["accounts"]}
        for example_id, vector, abuse, until in state["examples"]:
            features = {str(k): float(x) for k, x in vector.items()}
            book.learn(str(example_id), features, bool(abuse), int(until))
        book.changed = False
        return book
