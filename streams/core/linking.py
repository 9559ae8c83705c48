"""What an account shares with others: link keys, and the records that carry them onwards.

An account's *link keys* are the attributes other accounts could share with it: payment
instrument, TLS fingerprint, user agent, network prefix, ASN, system prompt, organisation,
signup cohort, prompt-template bands (alone, and as sent from its client), the time
window it woke up in (alone, and after the one it last woke up in), and a rush onto a
newly released model. The accounts stage
announces a key only when it is new for the account, or when the account's harvest score
moved materially (so the links stage knows which members look like harvesters); never
once per event.
"""

from __future__ import annotations

import ipaddress
import zlib
from dataclasses import dataclass
from typing import Any

import orjson

from streams.core.event import ApiCall

HOUR_MS = 3_600_000
WAKE_IDLE_MS = HOUR_MS  # idle this long, then active again: the account "woke up"
WAKE_BUCKET_MS = 600_000  # accounts waking in the same 10 minutes share a wake key
MAX_KEYS_PER_ACCOUNT = 48
TEMPLATE_BANDS = 4  # LSH bands of the 16-value template signature (r=4)
TEMPLATE_KEYS_FIRST_PROMPTS = 4  # template bands announced for an account's first prompts
# A template band links accounts only if at least this many of its values are words of
# the prompt (``band_words``): one shared word is a coincidence, not a template.
TEMPLATE_BAND_MIN_WORDS = 2

# Key kinds (the prefix before ":") and what they mean, for reasons and docs.
KINDS: dict[str, str] = {
    "pay": "payment instrument",
    "tls": "TLS fingerprint",
    "ua": "user agent",
    "net": "network prefix (/24, /48)",
    "asn": "autonomous system",
    "sys": "system prompt",
    "org": "organisation",
    "cohort": "signup cohort (hour and channel)",
    "tpl": "prompt template",
    "ctpl": "prompt template sent from one client (TLS fingerprint or user agent)",
    "wake": "wake-up window (10 minutes)",
    "sync": "two consecutive wake-up windows in lockstep",
    "pivot": "rush onto a newly released model",
}


def wake_keys(bucket: int, previous: int | None) -> list[str]:
    """The keys of waking up in 10-minute window ``bucket``, the last wake-up having been
    in window ``previous`` (None: the first one seen).

    One shared wake-up window is a coincidence any two night owls can have; the same
    two consecutive wake-ups are loosely synchronised actions repeated (SynchroTrap),
    which independent accounts rarely share: a fleet woken by one scheduler does.
    """
    keys = [f"wake:{bucket}"]
    if previous is not None and previous != bucket:
        keys.append(f"sync:{previous}-{bucket}")
    return keys


# Shared infrastructure and timing, by family: kinds of one family say the same thing (a
# client library sets both the TLS fingerprint and the user agent; an address block
# implies its ASN), so a pair's family counts once, at its strongest. One key of these in
# common with a borderline suspect can be chance (campaigns.CampaignStage); two of one
# family (two address blocks, two lockstep wake-up pairs) are not.
INFRASTRUCTURE: dict[str, str] = {
    "tls": "client",
    "ua": "client",
    "ctpl": "client",
    "net": "network",
    "asn": "network",
    "sync": "timing",
}
# Coincidences in behaviour or timing: they only ever corroborate an anchor (identity or
# infrastructure) in the campaign stage.
CORROBORATING = frozenset({"tpl", "wake", "pivot", "cohort"})
# The campaign stage's reason for a prompt template two *clearly* harvest-like accounts
# both replay (raw score and requests past the clear bars): an anchor, like a system
# prompt they share. Between anyone else a template only corroborates: a benchmark
# customer on a public harness, a class on one worksheet, a developer who borrowed a
# chain-of-thought wrapper. Its weight (kind weight x concentration x support) stays
# below ``edge_min`` alone.
CLEAR_TEMPLATE = "tpl+"
# Who pays and who the account belongs to: these link on their own weight, and their
# members (an enterprise's keys on one card) count whole from their first request.
IDENTITY = frozenset({"pay", "org", "sys"})


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def harness_raw(raw: float, clear_raw: float) -> float:
    """The raw score an evaluation harness is announced with on keys other than identity.

    An account replaying its own templates (a benchmark run, a product integration) may
    ask for reasoning on every item and so score like a harvester; the lone path does
    not judge it on that (``DetectorParams.max_templated_share``). A fleet replaying its
    wrapper does the same, so replays alone cannot clear anyone. On shared keys such an
    account counts as a borderline suspect, just under ``clear_raw``: one client
    fingerprint or address block in common with a fleet (a stock library, a cloud
    provider) does not link it alone, a second key or kind of evidence (the fleet's
    shared templates, its wake-ups) still does. Its card, organisation and system prompt
    carry its full score.
    """
    return min(raw, clear_raw * 0.99)


@dataclass(frozen=True, slots=True)
class LinkUpdate:
    """An account announces a key it holds and how harvest-like it currently looks."""

    key: str
    account_id: str
    ts_ms: int
    raw: float  # the account's raw harvest score (scoring.raw_score)
    events: int  # requests seen for the account

    def to_row(self) -> list[Any]:
        return [self.key, self.account_id, self.ts_ms, self.raw, self.events]

    @classmethod
    def from_row(cls, row: list[Any]) -> LinkUpdate:
        key, account_id, ts_ms, raw, events = row
        return cls(str(key), str(account_id), int(ts_ms), float(raw), int(events))

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_row())

    @classmethod
    def from_bytes(cls, blob: bytes) -> LinkUpdate:
        return cls.from_row(orjson.loads(blob))


@dataclass(frozen=True, slots=True)
class PairEvidence:
    """The links stage's finding: two harvest-like accounts share ``key``."""

    a: str
    b: str
    weight: float
    key: str
    ts_ms: int
    raw_a: float
    raw_b: float
    events_a: int
    events_b: int

    def to_row(self) -> list[Any]:
        return [
            self.a,
            self.b,
            self.weight,
            self.key,
            self.ts_ms,
            self.raw_a,
            self.raw_b,
            self.events_a,
            self.events_b,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> PairEvidence:
        a, b, weight, key, ts, raw_a, raw_b, ev_a, ev_b = row
        return cls(
            a=str(a),
            b=str(b),
            weight=float(weight),
            key=str(key),
            ts_ms=int(ts),
            raw_a=float(raw_a),
            raw_b=float(raw_b),
            events_a=int(ev_a),
            events_b=int(ev_b),
        )

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.to_row())

    @classmethod
    def from_bytes(cls, blob: bytes) -> PairEvidence:
        return cls.from_row(orjson.loads(blob))


# Records between stages carry batches: every link update an event makes for one links
# partition, every pair evidence one link record yields. One record instead of one per
# item keeps the internal topics (and faust's per-record cost) off the critical path.


def batch_to_bytes(items: list[LinkUpdate] | list[PairEvidence]) -> bytes:
    """One internal record for several updates or evidences (a list of rows)."""
    return orjson.dumps([item.to_row() for item in items])


def link_updates_from_bytes(blob: bytes) -> list[LinkUpdate]:
    """A links-topic record: a batch, or one update as written before batches."""
    return [LinkUpdate.from_row(row) for row in _rows(orjson.loads(blob))]


def pair_evidence_from_bytes(blob: bytes) -> list[PairEvidence]:
    """An evidence-topic record: a batch, or one evidence as written before batches."""
    return [PairEvidence.from_row(row) for row in _rows(orjson.loads(blob))]


def _rows(doc: Any) -> list[list[Any]]:
    if not isinstance(doc, list) or not doc:
        raise ValueError("an internal record holds a non-empty JSON array")
    if all(isinstance(row, list) for row in doc):
        return doc
    return [doc]


def network_prefix(ip: str) -> str | None:
    """The /24 of an IPv4 address or the /48 of an IPv6 one (a NAT or a provider block);
    an IPv4-mapped IPv6 address counts as its IPv4 address; None if not an address."""
    parts = ip.split(".")
    if len(parts) == 4 and all(_is_octet(p) for p in parts):
        # The common case without the ipaddress module (6 % of a backtest's time).
        return f"{parts[0]}.{parts[1]}.{parts[2]}"
    return _network_prefix_parsed(ip)


def _is_octet(part: str) -> bool:
    """A canonical decimal octet: 0-255, ASCII digits, no leading zero (as ipaddress)."""
    return (
        0 < len(part) <= 3
        and part.isascii()
        and part.isdigit()
        and (part == "0" or part[0] != "0")
        and int(part) <= 255
    )


def _network_prefix_parsed(ip: str) -> str | None:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network(f"{address}/24", strict=False).network_address)[:-2]
    return str(ipaddress.IPv6Network(f"{address}/48", strict=False).network_address)


def identity_digest(identity: tuple[object, ...]) -> int:
    """A stable 32-bit digest of an account's identity fields: what a profile checkpoints
    instead of the fields, so that read back it still knows whether they changed."""
    return zlib.crc32(repr(identity).encode())  # repr escapes lone surrogates


def identity_keys(event: ApiCall) -> tuple[str, ...]:
    """The keys an event's identity and infrastructure fields give its account."""
    keys: list[str] = []
    if event.payment_fingerprint:
        keys.append("pay:" + event.payment_fingerprint)
    if event.tls_fingerprint:
        keys.append("tls:" + event.tls_fingerprint)
    if event.user_agent:
        keys.append("ua:" + event.user_agent)
    if event.ip:
        prefix = network_prefix(event.ip)
        if prefix is not None:
            keys.append("net:" + prefix)
    if event.asn is not None:
        keys.append(f"asn:{event.asn}")
    if event.system_prompt_hash:
        keys.append("sys:" + event.system_prompt_hash)
    if event.org_id:
        keys.append("org:" + event.org_id)
    if event.account_created_ms is not None:
        keys.append(f"cohort:{event.account_created_ms // HOUR_MS}:{event.signup_channel or '-'}")
    return tuple(keys)


class AnnouncedKeys:
    """The keys an account has announced (LRU-capped) and the score it announced them with."""

    __slots__ = ("full_ms", "full_requests", "harness", "keys", "raw")

    def __init__(self) -> None:
        # key -> when announced, oldest first. A plain dict: an OrderedDict costs about
        # 50 bytes a key more, 1.2 KB on each live profile (at most 48 keys: reaching the
        # oldest past deleted entries stays cheap).
        self.keys: dict[str, int] = {}
        self.raw = 0.0  # raw score at the last full announcement
        self.full_ms = 0  # event time of the last full announcement
        self.full_requests = 0  # the account's requests at the last full announcement
        # Whether the account replayed its own templates like an evaluation harness at
        # the last full announcement (``harness_raw``).
        self.harness = False

    def is_new(self, key: str) -> bool:
        return key not in self.keys

    def remember(self, key: str, ts_ms: int) -> None:
        keys = self.keys
        keys.pop(key, None)  # re-announced: it becomes the newest
        keys[key] = ts_ms
        while len(keys) > MAX_KEYS_PER_ACCOUNT:
            del keys[next(iter(keys))]

    def to_state(self) -> list[Any]:
        return [
            self.raw,
            self.full_ms,
            self.full_requests,
            [[k, ts] for k, ts in self.keys.items()],
            *([True] if self.harness else []),
        ]

    @classmethod
    def from_state(cls, state: list[Any]) -> AnnouncedKeys:
        announced = cls()
        announced.raw = float(state[0])
        announced.full_ms = int(state[1])
        announced.full_requests = int(state[2])
        for key, ts in state[3]:
            announced.keys[str(key)] = int(ts)
        announced.harness = len(state) > 4 and bool(state[4])  # (4 parts before it)
        return announced
