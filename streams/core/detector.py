"""The accounts stage: one event in, profile updated, account alerts and link updates out.

Pure and deterministic given the input order and event times: the live worker (one
``Detector`` per input partition) and offline tools call exactly this code. Per event it
updates the account's profile and behaviour in a few microseconds (prompt text is read
for an account's first prompts and then one in ``read_every``), re-scores the account when
its profile changed materially, and announces the account's link keys to the links
stage only when they are new or its score moved.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import orjson

from streams import __version__
from streams.core.alerts import (
    BENIGN,
    QUIET,
    Alert,
    Reason,
    account_alert_id,
    closing,
    severity_rank,
)
from streams.core.behaviour import Behaviour
from streams.core.event import ApiCall
from streams.core.learner import ContextModel, context_features
from streams.core.linking import (
    IDENTITY,
    TEMPLATE_BAND_MIN_WORDS,
    TEMPLATE_BANDS,
    TEMPLATE_KEYS_FIRST_PROMPTS,
    WAKE_BUCKET_MS,
    WAKE_IDLE_MS,
    LinkUpdate,
    harness_raw,
    identity_digest,
    identity_keys,
    kind_of,
    wake_keys,
)
from streams.core.profile import AccountProfile, AlertState
from streams.core.profiles import HOT_ACCOUNTS, Loader, ProfileStore
from streams.core.reasons import account_reasons, severity_for
from streams.core.scoring import (
    CLEAR_EVENTS,
    CLEARLY_HARVEST,
    EXITS_SWITCH,
    GROUP_SIGNALS,
    RECENT_SWITCH,
    Term,
    context_term,
    lone_confidence,
    lone_raw_score,
    pooled_terms,
    raw_score,
    recent_score,
    suspect_score,
    templated_share,
    terms,
)
from streams.core.sketches import stable_hash64
from streams.core.text import band_words, prompt_features, template_bands
from streams.core.verdicts import (
    Example,
    Vector,
    Verdict,
    VerdictBook,
    VerdictParams,
    distance,
    pulled,
)
from streams.core.workloads import NO_SYSTEM_PROMPT

SWEEP_EVERY_MS = 60_000  # how often (event time) open alerts are checked for quiet accounts


@dataclass(slots=True)
class OpenAlert:
    """What closing an account's open alert needs, kept apart from the profile so that a
    profile spilled or expired can still be closed."""

    alert_id: str
    version: int
    severity: str
    score: float

    def to_state(self) -> list[object]:
        return [self.alert_id, self.version, self.severity, self.score]


# Called with (account_id, event time ms, the account's alertable confidence) after every
# event, so offline evaluation can count exchanges and tuning can sweep the lone-account
# threshold over one recorded run.
ScoreObserver = Callable[[str, int, float], None]

DAY_MS = 86_400_000
# Requests a workload needs before its score marks it as a suspect worth keeping in its slot.
SUSPECT_WORKLOAD_REQUESTS = 2
MAX_MODELS = 10_000  # models tracked per partition for release detection
# Token counts of one event are counted up to this (2**32, far beyond any context
# window): the contract sets no maximum, and a value such as 1e20 would overflow the
# profile's 64-bit window counters and its checkpoint (orjson writes at most 64-bit ints),
# crashing the worker on every restart.
MAX_EVENT_TOKENS = 1 << 32


class WorkloadFinding(NamedTuple):
    """What a workload alert rests on: one workload, or several clearly harvest-like ones
    pooled (``keys``: their system-prompt keys, heaviest first)."""

    keys: tuple[str, ...]
    terms: list[Term]
    confidence: float
    templated: float
    requests: int


@dataclass(frozen=True, slots=True)
class DetectorParams:
    profile_ttl_s: int = 7 * 86400
    max_accounts: int = 200_000
    hot_accounts: int = HOT_ACCOUNTS  # live profile objects; idle ones wait as bytes
    # A lone account is alerted when its confidence reaches this...
    account_threshold: float = 0.7
    # ...after at least this many requests, unless most of its prompts replay its own
    # templates (an evaluation harness, not a sweep).
    account_min_requests: int = 20
    max_templated_share: float = 0.3
    # An account replaying its own templates from a rotating proxy pool is no evaluation
    # harness (``Detector._rotates_networks``): requests from at least this many
    # autonomous systems, and a new address on at least this share of them.
    rotation_networks: int = 4
    rotation_address_share: float = 0.5
    # An account calling from this many autonomous systems or more, and from this many
    # new addresses a day, hides where it calls from (a rotating residential proxy pool,
    # a new exit per request or per task): it is announced on its identity keys (card,
    # organisation, system prompt) as a suspect of no less than ``exits_raw``
    # (``Detector._hides_its_exits``). Alone it is never alerted on it: its lone
    # confidence is its harvest score's.
    exits_networks: int = 4
    exits_addresses_per_day: float = 8.0
    exits_raw: float = 0.6
    prior_events: float = 30.0  # confidence = raw * n / (n + prior_events)
    # An account whose raw score crosses this is (no longer) a suspect to the links stage:
    # it re-announces its keys then, and every ``refresh_ms`` while it stays a suspect.
    suspect_raw: float = 0.5
    refresh_ms: int = 12 * 3_600_000
    # A non-suspect re-announces its keys (but identity) once, on this request: its score
    # is a judgement from then on, no longer a first impression (links.KeyState).
    clear_events: int = CLEAR_EVENTS
    read_first: int = 16  # prompts read for every account...
    read_every: int = 8  # ...then one in this many
    workload_read_first: int = 8  # and the first prompts of each workload it holds
    rescore_first: int = 16  # re-score on every event up to this many requests...
    rescore_every: int = 4  # ...then every this many, or
    rescore_after_ms: int = 600_000  # when this much event time passed since the last
    # An account teaches the context model once, when it has this many requests over
    # this much event time, if its behaviour is clearly harvest-like or clearly not.
    mature_requests: int = 40
    mature_ms: int = 3_600_000
    teach_harvest_raw: float = CLEARLY_HARVEST
    teach_normal_raw: float = 0.3
    disabled: frozenset[str] = field(default_factory=frozenset)  # signals off (ablation)
    # The recent view (scoring.recent_score): from an account's ``recent_from``-th request
    # its last requests are also kept alone, each weighing half as much after
    # ``recent_half_life`` more requests (about the last dozen, whatever their rate); once
    # they weigh ``recent_min_events`` and their content share reaches ``recent_content``
    # at ``recent_persist`` re-scores in a row, the account is announced at the higher of
    # the two views.
    recent_from: int = 16
    recent_half_life: int = 8
    recent_min_events: float = 8.0
    recent_content: float = 0.75
    recent_persist: int = 2
    # An open account alert closes when its account has made no request this long.
    close_quiet_ms: int = 2 * DAY_MS
    verdicts: VerdictParams = field(default_factory=VerdictParams)

    @property
    def model_version(self) -> str:
        off = "-no-" + "-".join(sorted(self.disabled)) if self.disabled else ""
        return f"distillguard-{__version__}/harvest-v2{off}"


class Detector:
    """Profiles, scores and link announcements for the accounts of one partition."""

    __slots__ = (
        "clock_changed",
        "context",
        "duplicates",
        "examples",
        "last_sweep_ms",
        "links",
        "models",
        "observer",
        "open_alerts",
        "open_changed",
        "params",
        "releases_seen",
        "started_ms",
        "store",
        "verdicts",
    )

    def __init__(
        self,
        params: DetectorParams,
        loader: Loader | None = None,
        observer: ScoreObserver | None = None,
    ) -> None:
        self.params = params
        self.store = ProfileStore(
            params.max_accounts, params.profile_ttl_s * 1000, loader, params.hot_accounts
        )
        self.duplicates = 0
        self.observer = observer
        self.links: list[LinkUpdate] = []  # announcements not yet taken by the shell
        self.models: dict[str, int] = {}  # model -> first seen (event time)
        self.started_ms: int | None = None
        self.clock_changed = False  # models / started_ms changed since the last checkpoint
        self.releases_seen = False  # has the partition seen a model released after its start
        self.context = ContextModel()  # the partition's learned context model (river)
        self.verdicts = VerdictBook(params.verdicts)  # analysts' verdicts, look-alike model
        self.examples: list[Example] = []  # not yet taken by the shell
        # Accounts with an open alert -> what closing it needs: closed after
        # ``close_quiet_ms`` without a request (checked once a minute of event time).
        self.open_alerts: dict[str, OpenAlert] = {}
        self.open_changed = False
        self.last_sweep_ms = -1

    def take_links(self) -> list[LinkUpdate]:
        links, self.links = self.links, []
        return links

    def process(self, event: ApiCall, position: int) -> list[Alert]:
        """Apply one event at source ``position`` (offset); return the alerts it raises.

        An event at or below the position its account's profile already holds is a
        replay (after a restart) and changes nothing.
        """
        if event.input_tokens > MAX_EVENT_TOKENS or event.output_tokens > MAX_EVENT_TOKENS:
            event = replace(
                event,
                input_tokens=min(event.input_tokens, MAX_EVENT_TOKENS),
                output_tokens=min(event.output_tokens, MAX_EVENT_TOKENS),
            )
        store = self.store
        ts = event.ts_ms
        profile = store.get(event.account_id)
        woke = True
        if profile is None:
            profile = AccountProfile.new(event)
        elif position <= profile.last_position:
            self.duplicates += 1
            return []
        else:
            woke = ts - profile.last_seen_ms >= WAKE_IDLE_MS
        profile.update(event, position)
        params = self.params
        # Identity keys change rarely: rebuild them only when the identity fields do.
        identity = (
            event.payment_fingerprint,
            event.tls_fingerprint,
            event.user_agent,
            event.ip,
            event.asn,
            event.system_prompt_hash,
            event.org_id,
            event.account_created_ms,
            event.signup_channel,
        )
        if identity == profile.last_identity or (
            profile.last_identity is None  # read back from bytes: compare the digests
            and profile.identity_digest is not None
            and identity_digest(identity) == profile.identity_digest
        ):
            new_keys = []
        else:
            new_keys = list(identity_keys(event))
        profile.last_identity = identity
        if woke:
            bucket = ts // WAKE_BUCKET_MS
            new_keys.extend(wake_keys(bucket, profile.last_wake))
            profile.last_wake = bucket

        # An account with several system prompts: the event's workload learns it too.
        system_prompt = event.system_prompt_hash or NO_SYSTEM_PROMPT
        workload = profile.workloads.pick(system_prompt)

        # Prompt text: read for the first prompts (of the account, and of each of its
        # workloads: a workload is judged on its own shares), then sampled; never stored.
        cot = rubric = 0.0
        topic = 0
        repeat = text_seen = False
        prompt = event.prompt
        if prompt and (
            profile.prompts_read < params.read_first
            or profile.requests % params.read_every == 0
            or (workload is not None and workload.read < params.workload_read_first)
        ):
            features = prompt_features(prompt)
            cot, rubric, topic = features.cot, features.rubric, features.topic
            bands = template_bands(features.template, TEMPLATE_BANDS)
            repeated = profile.remember_template(bands)
            repeat = bool(repeated)
            profile.prompts_read += 1
            if workload is not None:
                workload.read += 1
            text_seen = True
            # Template keys: the first prompts' bands, then the bands the account reuses,
            # each if it rests on words enough to be a template; and each again tagged
            # with the client that sent it (a wrapper from one client software: a fleet
            # on a popular SDK holds that key alone, the SDK's developers do not).
            announce = bands if profile.prompts_read <= TEMPLATE_KEYS_FIRST_PROMPTS else repeated
            if announce:
                words = dict(zip(bands, band_words(features.template, TEMPLATE_BANDS), strict=True))
                shown = [band for band in announce if words[band] >= TEMPLATE_BAND_MIN_WORDS]
                new_keys.extend(f"tpl:{band:x}" for band in shown)
                client = event.tls_fingerprint or event.user_agent
                if client:
                    tag = stable_hash64(client) & 0xFFFFFFFF
                    new_keys.extend(f"ctpl:{tag:x}:{band:x}" for band in shown)

        new_model = self._is_new_release(event.model, ts)
        if new_model and profile.first_use_of(event.model):
            new_keys.append("pivot:" + event.model)
        hit = event.stop_reason == "max_tokens" or (
            event.max_tokens is not None and event.output_tokens >= event.max_tokens > 0
        )
        # A follow-up counts as one only if the account sent its conversation's earlier
        # turns here: a request that claims a history it never sent (a canned first turn
        # prepended to every harvesting prompt) is single-turn in all but name.
        conversation = event.conversation_id
        sizes = (
            profile.follow(conversation, event.input_tokens, event.output_tokens)
            if conversation is not None
            else None
        )
        follow_up = (event.turn or 1) > 1 and (sizes is not None or conversation is None)
        asked = event.input_tokens
        if follow_up and sizes is not None:
            # A client resends the conversation's history with each turn: what a
            # follow-up asks is its input less that, and no less than its opener asked
            # (a task's size is its opener's). Counted whole, the history would dilute
            # the long answers of a harvester that follows each one up (output_heavy);
            # counted as nothing, a human's "and why?" would make every chat look
            # output-heavy. A client that does not resend it is taken at its input.
            history, opener = sizes
            if 0 < history < asked:
                asked = max(asked - history, opener)
        elif not follow_up:
            # A system prompt is in every request's input too: a long one (instructions
            # to reason step by step, the grading rubric) set against every answer makes
            # a harvester's long answers look proportionate. What a request asks is its
            # input less the system prompt's size as the account's inputs under it tell
            # (workloads.base_size), and no less than a tenth of its input.
            size = profile.workloads.system_prompt_size(system_prompt, workload, asked)
            if size:
                asked = max(asked - size, asked // 10)
                if conversation is not None:  # its follow-ups count no less than this
                    profile.count_opener(asked)
        tool_calls = event.tool_calls or 0

        def observe(behaviour: Behaviour, clock: int = ts) -> None:
            behaviour.observe(
                clock,
                max_tokens_hit=hit,
                follow_up=follow_up,
                temperature=event.temperature,
                status=event.status,
                new_model=new_model,
                cot=cot,
                rubric=rubric,
                topic=topic,
                tool_calls=tool_calls,
                input_tokens=asked,
                output_tokens=event.output_tokens,
                text_seen=text_seen,
                template_repeat=repeat,
            )

        observe(profile.behaviour)
        recent = profile.recent
        if (
            recent is None
            and profile.requests >= params.recent_from
            and RECENT_SWITCH not in params.disabled
        ):
            recent = profile.recent = Behaviour(params.recent_half_life)
        if recent is not None:  # its clock is the account's request count
            observe(recent, profile.requests)
        if workload is not None:
            observe(workload.behaviour)
        store.touch(profile, ts)
        alerts: list[Alert] = []
        if self._rescore_due(profile, ts):
            alerts = self._score(profile, ts)
        now = store.clock.now_ms
        if now is not None and now - self.last_sweep_ms >= SWEEP_EVERY_MS:
            alerts.extend(self._close_quiet(now))
        self._announce(profile, new_keys, ts, event)
        if self.observer is not None:
            self.observer(profile.account_id, ts, profile.alertable)
        return alerts

    def _is_new_release(self, model: str, ts: int) -> bool:
        """Is ``model`` a release this partition first saw less than a day ago?

        Models seen in the partition's first day are the existing line-up, not releases.
        """
        if self.started_ms is None:
            self.started_ms = ts
            self.clock_changed = True
        first = self.models.get(model)
        if first is None:
            if len(self.models) >= MAX_MODELS:
                return False
            self.models[model] = first = ts
            self.clock_changed = True
        release = first - self.started_ms >= DAY_MS
        if release and not self.releases_seen:
            self.releases_seen = True
        return release and ts - first < DAY_MS

    def clock_state(self) -> bytes:
        """The partition's release clock (first event, first sight of each model)."""
        return orjson.dumps([self.started_ms, self.models])

    def restore_clock(self, blob: bytes) -> None:
        started, models = orjson.loads(blob)
        self.started_ms = None if started is None else int(started)
        self.models = {str(m): int(t) for m, t in models.items()}
        start = self.started_ms
        self.releases_seen = start is not None and any(
            t - start >= DAY_MS for t in self.models.values()
        )

    def take_examples(self) -> list[Example]:
        """Look-alike examples of this partition's judged accounts that every partition
        should learn (new, or moved as the account's behaviour matured)."""
        examples, self.examples = self.examples, []
        return examples

    def _refresh_example(
        self, profile: AccountProfile, ts_terms: list[Term], templated: float, abuse: bool
    ) -> None:
        vector = lookalike_vector(profile, ts_terms, templated)
        account = profile.account_id
        known = self.verdicts.example(account)
        if known is None or distance(known, vector) >= self.params.verdicts.radius / 4:
            until = self.verdicts.accounts[account][1]
            self.verdicts.learn(account, vector, abuse, until)
            self.examples.append((account, vector, abuse, until))

    def _close_quiet(self, now: int) -> list[Alert]:
        """Close the open alerts of accounts without a request for ``close_quiet_ms``."""
        self.last_sweep_ms = now
        horizon = now - self.params.close_quiet_ms
        store = self.store
        quiet = [
            account
            for account in self.open_alerts
            if (seen := store.last_seen(account)) is None or seen < horizon
        ]
        days = self.params.close_quiet_ms / DAY_MS
        return [
            self._close(account, now, QUIET, f"no requests for {days:g} days") for account in quiet
        ]

    def _close(self, account: str, ts: int, resolution: str, detail: str) -> Alert:
        """The closing version of ``account``'s open alert; its profile forgets it, so a
        later detection is a new finding with a new id."""
        opened = self.open_alerts.pop(account)
        self.open_changed = True
        profile = self.store.get(account)
        if profile is not None and profile.alert is not None:
            profile.alert = None
            self.store.touch(profile, None)
        return closing(
            alert_id=opened.alert_id,
            version=opened.version,
            kind="account",
            account_ids=(account,),
            ts_ms=ts,
            score=opened.score,
            severity=opened.severity,
            resolution=resolution,
            detail=detail,
            model_version=self.params.model_version,
        )

    def apply_verdict(self, verdict: Verdict) -> list[Alert]:
        """An analyst's verdict on one of this partition's accounts: held for its TTL
        (benign: the open alert closes and the account stays quiet; abuse: it is alerted
        as confirmed). The account's look-alike example, which every partition's model
        should learn, waits in ``take_examples`` (none for an account never seen)."""
        account = verdict.account_id
        if account is None:
            return []
        self.verdicts.record(verdict)
        self.verdicts.forget(account)  # a new verdict: a new example
        profile = self.store.get(account)
        alerts: list[Alert] = []
        if not verdict.abuse and account in self.open_alerts:
            closed = self._close(account, verdict.ts_ms, BENIGN, "an analyst's benign verdict")
            alerts.append(closed)
        if profile is None:
            return alerts
        if "risky_context" not in self.params.disabled:
            self.context.learn(context_features(profile), verdict.abuse)  # a label as good as any
        if not verdict.abuse:
            profile.raw_score = profile.confidence = profile.alertable = 0.0
            profile.scored_ms = -1  # re-scored (and re-announced) on its next request
        else:
            alerts.extend(self._score(profile, verdict.ts_ms))
        self.store.touch(profile, None)
        if self.verdicts.example(account) is None:  # (scoring a confirmed one made it)
            ts_terms = terms(profile.behaviour, self.params.disabled, self.releases_seen)
            templated = templated_share(profile.behaviour)
            self._refresh_example(profile, ts_terms, templated, verdict.abuse)
        return alerts

    def open_alerts_state(self) -> bytes:
        return orjson.dumps({a: o.to_state() for a, o in self.open_alerts.items()})

    def restore_open_alerts(self, blob: bytes) -> None:
        self.open_alerts = {
            str(a): OpenAlert(str(i), int(v), str(sev), float(score))
            for a, (i, v, sev, score) in orjson.loads(blob).items()
        }

    def _rescore_due(self, profile: AccountProfile, ts: int) -> bool:
        p = self.params
        n = profile.requests
        return (
            n <= p.rescore_first
            or n - profile.scored_requests >= p.rescore_every
            or ts - profile.scored_ms >= p.rescore_after_ms
        )

    def _announce(
        self, profile: AccountProfile, new_keys: list[str], ts: int, event: ApiCall
    ) -> None:
        """Announce new keys; announce all of them again (current identity included) when
        the account becomes or stops being a suspect, and while it is one, whenever its
        request count doubled or ``refresh_ms`` passed (the links and campaign stages pool
        raw scores weighted by those counts), or when it starts or stops looking like an
        evaluation harness; and its keys but identity once as a non-suspect, when its
        score stops being a first impression (``clear_events``)."""
        announced = profile.announced
        raw = round(profile.raw_score, 4)
        params = self.params
        # Behind a proxy pool it is a suspect to whoever pays for it and owns it, whatever
        # it asks (``_hides_its_exits``); on the networks and clients it shares with
        # everyone else, its score stays its own.
        identity_raw = raw
        if raw < params.exits_raw and self._linkable_by_exits(profile, ts):
            identity_raw = params.exits_raw
        suspect = identity_raw >= params.suspect_raw
        # An evaluation harness is at most borderline on shared keys (``harness_raw``).
        shared_raw = harness_raw(raw, CLEARLY_HARVEST)
        harness = (
            shared_raw < raw
            and templated_share(profile.behaviour) > params.max_templated_share
            and not self._rotates_networks(profile)
        )
        n = profile.requests
        flipped = suspect != (announced.raw >= params.suspect_raw) or harness != announced.harness
        judged = not suspect and n >= params.clear_events > announced.full_requests
        if (
            flipped
            or judged
            or (
                suspect
                and (
                    ts - announced.full_ms >= params.refresh_ms or n >= 2 * announced.full_requests
                )
            )
        ):
            announced.raw, announced.full_ms, announced.full_requests = identity_raw, ts, n
            announced.harness = harness
            keys = list(dict.fromkeys([*identity_keys(event), *announced.keys, *new_keys]))
            if judged and not flipped:  # identity keys count their members whole
                keys = [k for k in keys if kind_of(k) not in IDENTITY or announced.is_new(k)]
        else:
            keys = [k for k in new_keys if announced.is_new(k)]
        if not keys:
            return
        account = profile.account_id
        if not announced.harness:
            shared_raw = raw
        for key in keys:
            announced.remember(key, ts)
            key_raw = identity_raw if kind_of(key) in IDENTITY else shared_raw
            self.links.append(LinkUpdate(key, account, ts, key_raw, n))

    def _rotates_networks(self, profile: AccountProfile) -> bool:
        """Whether the account's requests come through a rotating proxy pool: a new
        address for half of them or more, across several autonomous systems. An
        evaluation harness or a product integration runs from its own infrastructure (a
        host, one cloud, an office NAT); a fleet replaying its wrappers through
        residential proxies does not, and the harness rule must not shield it."""
        params = self.params
        return (
            profile.asns.estimate() >= params.rotation_networks
            and profile.ips.estimate() >= params.rotation_address_share * profile.requests
        )

    def _linkable_by_exits(self, profile: AccountProfile, ts: int) -> bool:
        """Whether the rotating-exits rule makes the account a suspect on its identity
        keys: past its first impression (``clear_events``), hiding its exits, and not
        cleared by an analyst. Asked on every event of nearly every account: the checks
        that fail for a user (one or two networks) come before the verdict lookup."""
        params = self.params
        return (
            profile.requests >= params.clear_events
            and EXITS_SWITCH not in params.disabled
            and self._hides_its_exits(profile, ts)
            and self.verdicts.status(profile.account_id, ts) is not False
        )

    def _hides_its_exits(self, profile: AccountProfile, ts: int) -> bool:
        """Whether the account calls from many networks and many new addresses a day (at
        least ``exits_networks`` autonomous systems, ``exits_addresses_per_day`` addresses
        for each day since it was first seen, its first day counted whole).

        Users call from home, an office, a phone: two or three networks and a few
        addresses a day, fewer a day the longer they are seen. A proxy pool gives a new
        residential exit per request or per task, across networks. Per day, so that a
        user's addresses over months of travel do not add up to a pool's."""
        params = self.params
        days = max(1.0, (ts - profile.first_seen_ms) / DAY_MS)
        return (
            profile.asns.estimate() >= params.exits_networks
            and profile.ips.estimate() >= params.exits_addresses_per_day * days
        )

    def _matured(self, profile: AccountProfile, ts: int) -> bool:
        params = self.params
        return (
            profile.requests >= params.mature_requests
            and ts - profile.first_seen_ms >= params.mature_ms
        )

    def _teach(
        self, profile: AccountProfile, features: dict[str, float], behaviour_raw: float
    ) -> None:
        """Label the context model with a matured account (once), judged by its behaviour
        alone (never by the model's own term, which would teach the model itself)."""
        params = self.params
        profile.taught = True
        if behaviour_raw >= params.teach_harvest_raw:
            self.context.learn(features, True)
        elif behaviour_raw <= params.teach_normal_raw:
            self.context.learn(features, False)

    def _eligible(self, requests: int, templated: float) -> bool:
        """Can an account (or one workload) be alerted alone: enough requests, and not
        mostly replays of its own templates (an evaluation harness, not a sweep)."""
        params = self.params
        return requests >= params.account_min_requests and templated <= params.max_templated_share

    def _worst_workload(self, profile: AccountProfile, context: Term) -> WorkloadFinding | None:
        """The account's most harvest-like workload that could be alerted alone, or its
        clearly harvest-like workloads taken together if that is more confident; None if
        none is eligible.

        A pipeline run under several system prompts of its own (one per task type, or
        rotated) splits its requests, and each part alone needs the requests a whole
        account needs; a workload clearly harvest-like after its first requests
        (``CLEARLY_HARVEST`` over ``CLEAR_EVENTS``) and not replaying its own templates
        pools with the others like it.
        """
        params = self.params
        worst: WorkloadFinding | None = None
        clear: list[tuple[str, list[Term], float, int]] = []
        for key, workload in profile.workloads.items():
            if workload.requests < SUSPECT_WORKLOAD_REQUESTS:
                continue
            w_terms = terms(workload.behaviour, params.disabled, self.releases_seen)
            w_terms[-1] = context
            lone_raw = lone_raw_score(w_terms)
            # Marks it for keeping its slot (workloads.Workloads).
            workload.suspect = lone_raw >= params.suspect_raw
            templated = templated_share(workload.behaviour)
            requests = workload.requests
            if (
                lone_raw >= CLEARLY_HARVEST
                and requests >= params.clear_events
                and templated <= params.max_templated_share
            ):
                clear.append((key, w_terms, templated, requests))
            if not self._eligible(requests, templated):
                continue
            conf = lone_confidence(w_terms, templated, requests, params.prior_events)
            if worst is None or conf > worst.confidence:
                worst = WorkloadFinding((key,), w_terms, conf, templated, requests)
        if len(clear) >= 2:
            clear.sort(key=lambda c: (-c[3], c[0]))
            requests = sum(c[3] for c in clear)
            templated = math.fsum(c[2] * c[3] for c in clear) / requests
            if self._eligible(requests, templated):
                pooled = pooled_terms([(c[1], c[3]) for c in clear])
                conf = lone_confidence(pooled, templated, requests, params.prior_events)
                if worst is None or conf > worst.confidence:
                    keys = tuple(c[0] for c in clear)
                    worst = WorkloadFinding(keys, pooled, conf, templated, requests)
        return worst

    def _score(self, profile: AccountProfile, ts: int) -> list[Alert]:
        params = self.params
        ts_terms = terms(profile.behaviour, params.disabled, self.releases_seen)
        if "risky_context" not in params.disabled:
            # Context features only when the model can learn from or speak of this account.
            teach = not profile.taught and self._matured(profile, ts)
            if teach or self.context.ready:
                features = context_features(profile)
                if teach:
                    self._teach(profile, features, raw_score(ts_terms))
                ts_terms[-1] = context_term(self.context.predict(features))
        raw = raw_score(ts_terms)
        # A first impression is no judgement either way (``clear_events``): the content
        # of an account's first prompts is what they happened to be.
        suspect = (
            suspect_score(ts_terms, params.suspect_raw, profile.prompts_read > 0)
            if profile.requests >= params.clear_events
            else raw
        )
        recent = profile.recent
        if recent is not None and recent.events >= params.recent_min_events:
            # A change point: its last requests clearly harvest while its day-long shares
            # still hold the history it had before (the lone confidence keeps the latter).
            r_terms = terms(recent, params.disabled, self.releases_seen)
            r_terms[-1] = ts_terms[-1]
            read = profile.prompts_read > 0
            r_suspect = recent_score(r_terms, params.suspect_raw, params.recent_content, read)
            # A switch lasts: one burst of harvest-like requests is a developer's test.
            profile.recent_streak = profile.recent_streak + 1 if r_suspect > 0.0 else 0
            if r_suspect > suspect and profile.recent_streak >= params.recent_persist:
                suspect = r_suspect
        templated = templated_share(profile.behaviour)
        # Replays discount a harness's evidence; through a rotating proxy pool they are a
        # pipeline's wrappers, and discount nothing (``_rotates_networks``).
        replayed = 0.0 if self._rotates_networks(profile) else templated
        conf = lone_confidence(ts_terms, replayed, profile.requests, params.prior_events)
        profile.scored_ms, profile.scored_requests = ts, profile.requests
        held = self.verdicts.status(profile.account_id, ts)
        if held is not None:
            self._refresh_example(profile, ts_terms, templated, held)
        if held is False:  # an analyst called it benign: quiet, and no suspect
            profile.raw_score = profile.confidence = profile.alertable = 0.0
            return []
        target, pull = 0.0, 0.0
        if held is None and self.verdicts.examples:
            target, pull = self.verdicts.pull(lookalike_vector(profile, ts_terms, templated), ts)
            raw, conf = pulled(raw, target, pull), pulled(conf, target, pull)
            suspect = pulled(suspect, target, pull)
        profile.raw_score, profile.confidence = suspect, conf
        eligible = self._eligible(profile.requests, replayed)
        # The figure the lone-account threshold applies to (0 while not eligible): the
        # account's, or its most harvest-like workload's.
        profile.alertable = conf if eligible else 0.0
        workload = self._worst_workload(profile, ts_terms[-1])
        if workload is not None:
            workload = workload._replace(confidence=pulled(workload.confidence, target, pull))
        if workload is not None and workload.confidence > profile.alertable:
            profile.alertable = workload.confidence
        if held:  # confirmed by an analyst
            profile.raw_score = profile.confidence = profile.alertable = conf = 1.0
            workload = None
        if profile.alertable < params.account_threshold:
            return []
        scope: dict[str, object] = {}
        first: tuple[Reason, ...] = ()
        if workload is not None and workload.confidence == profile.alertable:
            keys, ts_terms, conf, templated, requests = workload
            raw = raw_score(ts_terms)
            share = round(requests / profile.requests, 4)
            prompts = [None if key == NO_SYSTEM_PROMPT else key for key in keys]
            described: dict[str, object] = {
                "system_prompt_hash": prompts[0],
                "requests": requests,
                "share_of_requests": share,
            }
            if len(prompts) > 1:
                described["system_prompt_hashes"] = prompts
            scope = {"workload": described}
            first = (_workload_reason(prompts, requests, share),)
        if held:
            first = (Reason("analyst_confirmed", "an analyst confirmed this account's abuse", 1.0),)
        elif pull > 0:
            first = (*first, _lookalike_reason(target, pull))
        severity = "critical" if held else severity_for(conf)
        state = profile.alert
        if state is None:
            state = AlertState(
                alert_id=account_alert_id(profile.account_id, "harvest", ts),
                version=1,
                severity=severity,
                raised_ms=ts,
            )
        elif severity_rank(severity) > severity_rank(state.severity):
            state = AlertState(state.alert_id, state.version + 1, severity, state.raised_ms)
        else:
            return []
        profile.alert = state
        self.open_alerts[profile.account_id] = OpenAlert(
            state.alert_id, state.version, severity, round(conf, 4)
        )
        self.open_changed = True
        # The reasons are what the confidence rests on (group-level signals left out).
        lone_terms = [t for t in ts_terms if t.code not in GROUP_SIGNALS]
        reasons: tuple[Reason, ...] = (*first, *account_reasons(lone_terms))
        evidence = {
            "signals": {t.code: t.figure for t in ts_terms},
            "raw_score": round(raw, 4),
            "templated_share": round(templated, 4),
            "profile": profile.summary(),
            **scope,
        }
        if pull > 0:
            evidence["verdict_lookalike"] = {"pull": round(pull, 4), "towards": round(target, 4)}
        return [
            Alert(
                alert_id=state.alert_id,
                version=state.version,
                kind="account",
                account_ids=(profile.account_id,),
                detected_at_ms=ts,
                score=round(conf, 4),
                severity=severity,
                reasons=reasons,
                evidence=evidence,
                model_version=params.model_version,
            )
        ]


def lookalike_vector(profile: AccountProfile, ts_terms: list[Term], templated: float) -> Vector:
    """An account as the look-alike model compares accounts, every feature in 0..1:
    how it behaves (each behavioural signal's strength, the templated share) and who it
    is (signup channel, account age). A look-alike behaves the same *and* is the same
    kind of account: a verdict on an enterprise partner's old account says nothing about
    a fresh self-serve account harvesting the same way. No identities, no prompt text."""
    vector = {t.code: round(t.value, 4) for t in ts_terms if t.code != "risky_context"}
    vector["templated_share"] = round(templated, 4)
    channel = profile.signup_channel
    vector[f"channel={channel[:32]}" if channel else "channel=unknown"] = 1.0
    created = profile.account_created_ms
    if created:
        age_days = max(profile.last_seen_ms - created, 0) / DAY_MS
        vector["age"] = round(min(1.0, math.log10(1.0 + age_days) / 3.0), 4)
    else:
        vector["age_unknown"] = 1.0
    return vector


def _lookalike_reason(target: float, pull: float) -> Reason:
    said = "abuse" if target >= 0.5 else "benign"
    return Reason(
        "analyst_lookalike",
        f"behaves like accounts analysts judged mostly {said} (pull {pull:.2f})",
        round(pull * (target - 0.5) * 2, 3),
    )


def _workload_reason(prompts: Sequence[str | None], requests: int, share: float) -> Reason:
    """Why part of the account is alerted: which workloads, and their size."""
    where = ", ".join(f"system prompt {p[:12]}" if p else "no system prompt" for p in prompts)
    which = "one workload" if len(prompts) == 1 else f"{len(prompts)} workloads"
    verb = "harvests" if len(prompts) == 1 else "harvest"
    return Reason(
        "harvest_workload",
        f"{which} ({where}) {verb}: {requests} requests, {share:.0%} of the account's",
        round(share, 3),
    )
