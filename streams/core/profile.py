"""The rolling per-account profile: what one account has done, in event time.

Updated once per event in a few microseconds; serialised compactly for checkpoints.
Holds no prompt text and nothing unbounded: windows are fixed rings, distinct counts are
sketches.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import orjson

from streams.core.behaviour import Behaviour
from streams.core.event import ApiCall
from streams.core.linking import AnnouncedKeys, identity_digest
from streams.core.sketches import DistinctCounter
from streams.core.windows import METRICS, WINDOWS_S, WindowedCounters
from streams.core.workloads import Workloads

_STATE_VERSION = 2
_ZLIB = b"\x78"  # the first byte of every zlib stream
MAX_RECENT_TEMPLATES = 32  # template band keys remembered for self-repetition
MAX_MODELS = 8  # models remembered per account (first use of a new model)
# Conversations remembered per account (4-byte digests, most recently used last), to tell
# a follow-up of a conversation the account held here from one that claims a history the
# account never sent. Twelve keep 99.7 % of a simulated SaaS backend's interleaved users'
# follow-ups recognised; one human rarely has that many open at once.
MAX_CONVERSATIONS = 12
_DIGEST = 4
# Beside each digest, two token counts of 4 bytes (AccountProfile.follow): what the
# conversation's latest request carried, and its opening request's input.
_TOKENS = 4
_SIZES = 2 * _TOKENS
_TOKENS_CAP = 2 ** (8 * _TOKENS) - 1


def _tokens(n: int) -> bytes:
    count: int = min(max(n, 0), _TOKENS_CAP)
    return count.to_bytes(_TOKENS, "little")


@dataclass(slots=True)
class AlertState:
    """The open alert of an account, so re-detections update it instead of repeating it."""

    alert_id: str
    version: int
    severity: str
    raised_ms: int


@dataclass(slots=True)
class AccountProfile:
    account_id: str
    first_seen_ms: int
    last_seen_ms: int
    account_created_ms: int | None = None
    signup_channel: str | None = None
    org_id: str | None = None
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    errors: int = 0
    # Source position (Kafka offset, or line number offline) of the last event applied:
    # an event at or below it is a replay after a restart and must not count twice.
    last_position: int = -1
    windows: WindowedCounters = field(default_factory=WindowedCounters)
    ips: DistinctCounter = field(default_factory=DistinctCounter)
    asns: DistinctCounter = field(default_factory=DistinctCounter)
    alert: AlertState | None = None
    behaviour: Behaviour = field(default_factory=Behaviour)
    announced: AnnouncedKeys = field(default_factory=AnnouncedKeys)
    recent_templates: list[int] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    prompts_read: int = 0
    # Harvest score announced to coordination: the raw score, and from the fourth
    # request scoring.suspect_score (capped by the account's content share).
    raw_score: float = 0.0
    confidence: float = 0.0  # raw_score shrunk by how little has been seen
    alertable: float = 0.0  # confidence if eligible for a lone alert, else 0
    # Not checkpointed: the identity fields of the last event (announcing only changes).
    last_identity: tuple[object, ...] | None = field(default=None, compare=False)
    # Checkpointed instead: their digest, so that a profile read back from its bytes
    # (spilled, restored) announces exactly what the live one would have.
    identity_digest: int | None = field(default=None, compare=False)
    scored_ms: int = 0
    scored_requests: int = 0
    taught: bool = False  # has labelled the partition's context model (once, at maturity)
    workloads: Workloads = field(default_factory=Workloads)  # by system prompt
    last_wake: int | None = None  # 10-minute window of the last wake-up (linking.wake_keys)
    conversations: bytes = b""  # digests of its latest conversation ids (follow)
    conversation_tokens: bytes = b""  # their latest and opening sizes (follow)
    # Its last requests alone: a Behaviour whose clock is the account's request count,
    # kept from its ``recent_from``-th request on (most accounts never make that many,
    # and pay nothing; DetectorParams).
    recent: Behaviour | None = None
    # Consecutive re-scores at which that view was clearly harvest-like (a switch that
    # lasts, not one burst): DetectorParams.recent_persist.
    recent_streak: int = 0

    @classmethod
    def new(cls, event: ApiCall) -> AccountProfile:
        return cls(event.account_id, event.ts_ms, event.ts_ms)

    def update(self, event: ApiCall, position: int) -> None:
        """Fold one event into the profile (the caller has checked it is not a replay)."""
        ts = event.ts_ms
        self.last_position = position
        if ts > self.last_seen_ms:
            self.last_seen_ms = ts
        elif ts < self.first_seen_ms:
            self.first_seen_ms = ts
        self.requests += 1
        self.input_tokens += event.input_tokens
        self.output_tokens += event.output_tokens
        if event.status is not None and event.status >= 400:
            self.errors += 1
        self.windows.add(ts, (1, event.input_tokens, event.output_tokens))
        if event.ip is not None:
            self.ips.add(event.ip)
        if event.asn is not None:
            self.asns.add(str(event.asn))
        if event.account_created_ms is not None:
            self.account_created_ms = event.account_created_ms
        if event.signup_channel is not None:
            self.signup_channel = event.signup_channel
        if event.org_id is not None:
            self.org_id = event.org_id

    def remember_template(self, bands: tuple[int, ...]) -> tuple[int, ...]:
        """Note a prompt's template bands; returns those among the account's recent ones."""
        recent = self.recent_templates
        repeated = tuple(band for band in bands if band in recent)
        recent.extend(bands)
        if len(recent) > MAX_RECENT_TEMPLATES:
            del recent[: len(recent) - MAX_RECENT_TEMPLATES]
        return repeated

    def follow(
        self, conversation_id: str, input_tokens: int, output_tokens: int
    ) -> tuple[int, int] | None:
        """``(history, opener)`` of the account's conversation ``conversation_id``: the
        tokens its previous request carried (input plus answer) and its opening
        request's input; None if the account sent none of it (among its latest
        conversations). Remembers this request as the conversation's latest, and the
        conversation as the most recent, either way."""
        digest = zlib.crc32(conversation_id.encode()).to_bytes(_DIGEST, "little")
        recent = self.conversations
        sizes = self.conversation_tokens
        if len(sizes) != len(recent) // _DIGEST * _SIZES:  # a checkpoint without them
            sizes = bytes(len(recent) // _DIGEST * _SIZES)
        for i in range(0, len(recent), _DIGEST):
            if recent[i : i + _DIGEST] == digest:
                j = i // _DIGEST * _SIZES
                history = int.from_bytes(sizes[j : j + _TOKENS], "little")
                opener = int.from_bytes(sizes[j + _TOKENS : j + _SIZES], "little")
                mine = _tokens(input_tokens + output_tokens) + _tokens(opener)
                self.conversations = recent[:i] + recent[i + _DIGEST :] + digest
                self.conversation_tokens = sizes[:j] + sizes[j + _SIZES :] + mine
                return history, opener
        mine = _tokens(input_tokens + output_tokens) + _tokens(input_tokens)
        self.conversations = (recent + digest)[-MAX_CONVERSATIONS * _DIGEST :]
        self.conversation_tokens = (sizes + mine)[-MAX_CONVERSATIONS * _SIZES :]
        return None

    def count_opener(self, asked: int) -> None:
        """The latest conversation's opener asked ``asked`` tokens (its input less what
        the account's system prompt accounts for): its follow-ups count no less."""
        sizes = self.conversation_tokens
        if sizes and len(sizes) == len(self.conversations) // _DIGEST * _SIZES:
            self.conversation_tokens = sizes[:-_TOKENS] + _tokens(asked)

    def first_use_of(self, model: str) -> bool:
        """True the first time the account calls ``model`` (among its recent models)."""
        models = self.models
        if model in models:
            return False
        models.append(model)
        if len(models) > MAX_MODELS:
            del models[0]
        return True

    def age_s(self, now_ms: int) -> float:
        """Account age at ``now_ms``: from its creation time, else from when we first saw it."""
        born = self.account_created_ms
        if born is None:
            born = self.first_seen_ms
        return max(0.0, (now_ms - born) / 1000.0)

    def window_total(self, window_s: int, metric: str) -> int:
        return self.windows.total(window_s, metric, self.last_seen_ms)

    def to_bytes(self) -> bytes:
        """The checkpoint: JSON, zlib-compressed (about 600 bytes instead of 1,600, which
        is what an idle profile costs in memory; see ProfileStore)."""
        alert = self.alert
        doc = orjson.dumps(
            [
                _STATE_VERSION,
                self.account_id,
                self.first_seen_ms,
                self.last_seen_ms,
                self.account_created_ms,
                self.signup_channel,
                self.org_id,
                self.requests,
                self.input_tokens,
                self.output_tokens,
                self.errors,
                self.last_position,
                self.windows.to_state(),
                self.ips.to_state(),
                self.asns.to_state(),
                None
                if alert is None
                else [alert.alert_id, alert.version, alert.severity, alert.raised_ms],
                self.behaviour.to_state(),
                self.announced.to_state(),
                self.recent_templates,
                self.models,
                self.prompts_read,
                self.raw_score,
                self.confidence,
                self.scored_ms,
                self.scored_requests,
                self.alertable,
                self.taught,
                self.workloads.to_state(),
                self.last_identity_digest(),
                self.last_wake,
                self.conversations.hex(),
                None if self.recent is None else self.recent.to_state(),
                self.recent_streak,
                self.conversation_tokens.hex(),
            ]
        )
        return zlib.compress(doc, 6)

    def last_identity_digest(self) -> int | None:
        """The digest of the identity fields last seen (live, or as read back)."""
        if self.last_identity is not None:
            return identity_digest(self.last_identity)
        return self.identity_digest

    @classmethod
    def from_bytes(cls, blob: bytes) -> AccountProfile:
        if blob[:1] == _ZLIB:  # uncompressed JSON (older checkpoints) starts with "["
            blob = zlib.decompress(blob)
        state = orjson.loads(blob)
        if state[0] != _STATE_VERSION:
            raise ValueError(f"unsupported profile state version {state[0]}")
        alert = state[15]
        return cls(
            account_id=state[1],
            first_seen_ms=state[2],
            last_seen_ms=state[3],
            account_created_ms=state[4],
            signup_channel=state[5],
            org_id=state[6],
            requests=state[7],
            input_tokens=state[8],
            output_tokens=state[9],
            errors=state[10],
            last_position=state[11],
            windows=WindowedCounters.from_state(state[12]),
            ips=DistinctCounter.from_state(state[13]),
            asns=DistinctCounter.from_state(state[14]),
            alert=None if alert is None else AlertState(*alert),
            behaviour=Behaviour.from_state(state[16]),
            announced=AnnouncedKeys.from_state(state[17]),
            recent_templates=list(state[18]),
            models=list(state[19]),
            prompts_read=state[20],
            raw_score=state[21],
            confidence=state[22],
            scored_ms=state[23],
            scored_requests=state[24],
            alertable=state[25],
            taught=bool(state[26]) if len(state) > 26 else False,
            workloads=Workloads.from_state(state[27]) if len(state) > 27 else Workloads(),
            identity_digest=state[28] if len(state) > 28 else None,
            last_wake=state[29] if len(state) > 29 else None,
            conversations=bytes.fromhex(state[30]) if len(state) > 30 else b"",
            recent=Behaviour.from_state(state[31]) if len(state) > 31 and state[31] else None,
            recent_streak=state[32] if len(state) > 32 else 0,
            conversation_tokens=bytes.fromhex(state[33]) if len(state) > 33 else b"",
        )

    def summary(self) -> dict[str, object]:
        """The profile's figures, for evidence and inspection (no prompt text, ever)."""
        now = self.last_seen_ms
        return {
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "errors": self.errors,
            "windows": {
                f"{w}s": {m: self.windows.total(w, m, now) for m in METRICS} for w in WINDOWS_S
            },
            "distinct_ips": self.ips.estimate(),
            "distinct_asns": self.asns.estimate(),
            "account_age_s": round(self.age_s(now), 1),
            "first_seen_ms": self.first_seen_ms,
            "last_seen_ms": self.last_seen_ms,
            "raw_score": round(self.raw_score, 4),
            "confidence": round(self.confidence, 4),
        }
