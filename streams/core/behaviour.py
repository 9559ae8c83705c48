"""How an account behaves, as exponentially decayed shares: the per-account signals.

Harvesting shows in *how* an account calls the model more than in how much: answers cut
off at ``max_tokens``, single-turn exchanges, one fixed sampling temperature, sweeps
across capability domains, chain-of-thought and rubric prompts, jumps onto a model the
day it is released, retries after 429s. Each is kept as a decayed count (half-life in
event time), so a share reflects recent behaviour and an old habit fades.

Decay is lazy: instead of shrinking every counter at every event, an event adds its
contribution with weight ``2 ** ((ts - ref) / half_life)``; shares are ratios, so the
common scale cancels, and counters are rescaled only when the weight grows large.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Any

# Decayed counters, one slot each.
N = 0  # events
MAX_TOKENS_HIT = 1  # output reached the requested cap (stop_reason or token count)
FOLLOW_UP = 2  # turn > 1: part of a multi-turn conversation
TEMP_SAME = 3  # same temperature as the account's previous request
TEMP_SEEN = 4  # events that carried a temperature
ERRORS = 5  # HTTP status >= 400 other than 429
RATE_LIMITED = 6  # HTTP 429
NEW_MODEL = 7  # model first seen less than a day earlier
COT = 8  # sum of chain-of-thought elicitation scores (0..1 each)
RUBRIC = 9  # sum of rubric / grading scores (0..1 each)
TOOL_USE = 10  # exchanges with tool calls
OUTPUT_TOKENS = 11
INPUT_TOKENS = 12
TEXT_SEEN = 13  # events whose prompt was read (prompt reading is sampled)
HARVEST = 14  # read single-turn prompts, weighted by their CoT / rubric score
TEMPLATE_REPEAT = 15  # read prompts whose template the account already used
JUDGING = 16  # read prompts, weighted by how far their rubric score exceeds their CoT score
_SLOTS = 17
_TEXT_SLOTS = (COT, RUBRIC, HARVEST, TEMPLATE_REPEAT, JUDGING)

TOPIC_SLOTS = 16  # topic ids are folded into this many histogram buckets

_LN2 = math.log(2.0)
_RESCALE_AT = 2.0**40  # ~40 half-lives past the reference time
_RESCALE_EXPONENT = math.log(_RESCALE_AT)


class Behaviour:
    """Decayed counters plus a decayed topic histogram and inter-arrival statistics."""

    __slots__ = (
        "_gap_m2",
        "_gap_mean",
        "_gaps",
        "counts",
        "half_life_ms",
        "last_temperature",
        "last_ts_ms",
        "ref_ms",
        "topics",
    )

    def __init__(self, half_life_ms: int = 86_400_000) -> None:
        self.half_life_ms = half_life_ms
        self.counts = array("d", bytes(8 * _SLOTS))
        self.topics = array("d", bytes(8 * TOPIC_SLOTS))
        self.last_ts_ms: int | None = None
        self.ref_ms: int | None = None  # time at which a contribution weighs 1
        self.last_temperature: float | None = None
        # Welford running moments of log10 inter-arrival gaps (seconds), undecayed but
        # capped in weight, for burstiness.
        self._gaps = 0
        self._gap_mean = 0.0
        self._gap_m2 = 0.0

    def observe(
        self,
        ts_ms: int,
        *,
        max_tokens_hit: bool,
        follow_up: bool,
        temperature: float | None,
        status: int | None,
        new_model: bool,
        cot: float,
        rubric: float,
        topic: int,
        tool_calls: int,
        input_tokens: int,
        output_tokens: int,
        text_seen: bool = True,
        template_repeat: bool = False,
    ) -> None:
        """Fold one event in; the text fields count only when ``text_seen`` (prompt read)."""
        last = self.last_ts_ms
        if last is not None:
            self._add_gap(ts_ms - last if ts_ms > last else 0)
        if last is None or ts_ms > last:
            self.last_ts_ms = ts_ms
        if self.ref_ms is None:
            self.ref_ms = ts_ms
        # Compare exponents, not weights: after a jump of ~1,000 half-lives in event time
        # (one event stamped 1970, the next today) exp() itself would overflow.
        exponent = _LN2 * (ts_ms - self.ref_ms) / self.half_life_ms
        if exponent > _RESCALE_EXPONENT:
            self._rescale(ts_ms)
            w = 1.0
        else:
            w = math.exp(exponent)
        counts = self.counts
        counts[N] += w
        if max_tokens_hit:
            counts[MAX_TOKENS_HIT] += w
        if follow_up:
            counts[FOLLOW_UP] += w
        if temperature is not None:
            counts[TEMP_SEEN] += w
            if temperature == self.last_temperature:
                counts[TEMP_SAME] += w
            self.last_temperature = temperature
        if status is not None and status >= 400:
            counts[RATE_LIMITED if status == 429 else ERRORS] += w
        if new_model:
            counts[NEW_MODEL] += w
        if text_seen:
            counts[TEXT_SEEN] += w
            counts[COT] += cot * w
            counts[RUBRIC] += rubric * w
            if not follow_up:
                counts[HARVEST] += (cot if cot > rubric else rubric) * w
            if rubric > cot:  # asks for a verdict more than for reasoning
                counts[JUDGING] += (rubric - cot) * w
            if template_repeat:
                counts[TEMPLATE_REPEAT] += w
            if topic:
                self.topics[topic % TOPIC_SLOTS] += w
        if tool_calls:
            counts[TOOL_USE] += w
        counts[INPUT_TOKENS] += input_tokens * w
        counts[OUTPUT_TOKENS] += output_tokens * w

    def _rescale(self, ts_ms: int) -> None:
        """Move the reference time to ``ts_ms``, shrinking every counter to match."""
        assert self.ref_ms is not None
        factor = math.exp(-_LN2 * (ts_ms - self.ref_ms) / self.half_life_ms)
        for values in (self.counts, self.topics):
            for i in range(len(values)):
                values[i] *= factor
        self.ref_ms = ts_ms

    def _add_gap(self, gap_ms: int) -> None:
        # log10 of the gap in seconds, floored at 10 ms: bursts and idle hours both count.
        x = math.log10(max(gap_ms, 10) / 1000.0)
        self._gaps = min(self._gaps + 1, 10_000)
        delta = x - self._gap_mean
        self._gap_mean += delta / self._gaps
        self._gap_m2 += delta * (x - self._gap_mean)

    def share(self, slot: int) -> float:
        """Decayed share of events with the property in ``slot`` (0 with no events).

        Prompt-derived slots are shares of the events whose prompt was read.
        """
        n = self.counts[TEXT_SEEN if slot in _TEXT_SLOTS else N]
        return self.counts[slot] / n if n > 0 else 0.0

    @property
    def text_events(self) -> float:
        """Decayed count of events whose prompt was read."""
        return self.counts[TEXT_SEEN] * self._decay_to_last()

    def _decay_to_last(self) -> float:
        if self.ref_ms is None or self.last_ts_ms is None:
            return 0.0
        return math.exp(-_LN2 * (self.last_ts_ms - self.ref_ms) / self.half_life_ms)

    @property
    def events(self) -> float:
        """Decayed event count as of the latest event."""
        return self.counts[N] * self._decay_to_last()

    def temperature_fixedness(self) -> float:
        """Share of temperature-carrying requests that repeat the previous temperature."""
        seen = self.counts[TEMP_SEEN]
        return self.counts[TEMP_SAME] / seen if seen > 0 else 0.0

    def output_input_ratio(self) -> float:
        return self.counts[OUTPUT_TOKENS] / max(self.counts[INPUT_TOKENS], 1.0)

    def topic_entropy(self) -> float:
        """Normalised Shannon entropy of the topic histogram: 0 = one domain, 1 = all evenly."""
        total = sum(self.topics)
        if total <= 0:
            return 0.0
        entropy = -sum((c / total) * math.log(c / total) for c in self.topics if c > 0)
        return entropy / math.log(TOPIC_SLOTS)

    def topic_breadth(self, min_share: float = 0.02) -> int:
        """Domains holding at least ``min_share`` of the account's recent prompts."""
        total = sum(self.topics)
        return sum(1 for c in self.topics if total > 0 and c / total >= min_share)

    def gap_stats(self) -> tuple[float, float]:
        """Mean and standard deviation of log10 inter-arrival gaps in seconds."""
        if self._gaps < 2:
            return self._gap_mean, 0.0
        return self._gap_mean, math.sqrt(self._gap_m2 / (self._gaps - 1))

    def to_state(self) -> list[Any]:
        return [
            self.half_life_ms,
            self.counts.tolist(),
            self.topics.tolist(),
            self.last_ts_ms,
            self.ref_ms,
            self.last_temperature,
            self._gaps,
            self._gap_mean,
            self._gap_m2,
        ]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> Behaviour:
        behaviour = cls(int(state[0]))
        counts = list(state[1])
        behaviour.counts = array("d", counts + [0.0] * (_SLOTS - len(counts)))
        behaviour.topics = array("d", state[2])
        behaviour.last_ts_ms = state[3]
        behaviour.ref_ms = state[4]
        behaviour.last_temperature = state[5]
        behaviour._gaps = int(state[6])
        behaviour._gap_mean = float(state[7])
        behaviour._gap_m2 = float(state[8])
        return behaviour
