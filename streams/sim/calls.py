"""From "this account asked this at that time" to one serialised contract event.

The server side is simulated here, the same for every population: the status (rate
limits, bad requests, 5xx, worse during the incident), output tokens capped by
``max_tokens`` with the matching ``stop_reason``, and a latency that grows with the
output. Populations only decide what a client *asks*.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

import orjson

from streams.core.timeutil import format_rfc3339_ms
from streams.sim.clients import Client
from streams.sim.clock import lognormal
from streams.sim.identity import Account
from streams.sim.network import Net
from streams.sim.world import MODELS, NEW_MODEL, Period

__all__ = [
    "COUNT_TOKENS",
    "LEGACY_COMPLETE",
    "MESSAGES",
    "Emitter",
    "ErrorRates",
    "ModelMix",
    "Row",
    "prompt_tokens",
]

MESSAGES: Final = "/v1/messages"
COUNT_TOKENS: Final = "/v1/messages/count_tokens"
LEGACY_COMPLETE: Final = "/v1/complete"

Row = tuple[int, str, str, bytes]
"""``(ts_ms, event_id, account_id, json_line)``: sortable, and all the writer needs."""


@dataclass(frozen=True, slots=True)
class ErrorRates:
    """Per-request probabilities of a 429, a 400 and a 5xx outside incidents."""

    too_many: float = 0.002
    bad_request: float = 0.002
    server: float = 0.001


@dataclass(frozen=True, slots=True)
class ModelMix:
    """Which model an account calls: a fixed mix, and the new model from ``adopt_ms`` on.

    After adoption, ``new_share`` of the calls go to the new model. ``adopt_ms`` is never
    before the release (the caller clamps it).
    """

    weights: tuple[tuple[str, float], ...]
    adopt_ms: int | None = None
    new_share: float = 0.0

    def pick(self, rng: random.Random, ts: int) -> str:
        if self.adopt_ms is not None and ts >= self.adopt_ms and rng.random() < self.new_share:
            return NEW_MODEL
        weights = self.weights
        if len(weights) == 1:
            return weights[0][0]
        r = rng.random() * sum(w for _, w in weights)
        for model, w in weights:
            r -= w
            if r < 0:
                return model
        return weights[-1][0]


_dumps = orjson.dumps
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def _serialise(doc: dict[str, object]) -> bytes:
    """One JSON line without its newline, in an exactly-sized bytes object.

    orjson returns its ~8 KB working buffer as the result; slicing copies the line out so
    that 300,000 kept events cost their size, not 2.4 GB.
    """
    return _dumps(doc, option=_NEWLINE)[:-1]


class Emitter:
    """Collects one population's events as sortable rows (serialised at once: compact)."""

    def __init__(self, rng: random.Random, period: Period, errors: ErrorRates) -> None:
        self.rng = rng
        self.period = period
        self.errors = errors
        self.rows: list[Row] = []
        self.last_output = 0
        self._incident = period.incident

    def call(
        self,
        a: Account,
        ts: int,
        *,
        model: str,
        prompt: str | None,
        input_tokens: int,
        output_tokens: int,
        max_tokens: int | None,
        temperature: float | None = None,
        conversation_id: str | None = None,
        turn: int | None = None,
        tool_calls: int = 0,
        system_prompt_hash: str | None = None,
        net: Net | None = None,
        client: Client | None = None,
        endpoint: str = MESSAGES,
        api_key: str | None = None,
        errors: ErrorRates | None = None,
        stop_sequence: bool = False,
    ) -> int:
        """Serve one request and record its event; returns the HTTP status (0: outside
        the period, nothing recorded). ``last_output`` holds the output tokens served."""
        period = self.period
        if not period.start_ms <= ts < period.end_ms:
            self.last_output = 0
            return 0
        if model == NEW_MODEL and ts < period.release_ms:
            raise AssertionError("the new model was called before its release")
        rng = self.rng
        rates = errors or self.errors
        in_incident = self._incident[0] <= ts < self._incident[1]
        r = rng.random()
        server = rates.server + (0.22 if in_incident else 0.0)
        if r < rates.too_many:
            status = 429
        elif r < rates.too_many + rates.bad_request:
            status = 400
        elif r < rates.too_many + rates.bad_request + server:
            status = 500 if rng.random() < 0.7 else 503
        else:
            status = 200

        spec = MODELS[model]
        stop: str | None = None
        if status == 200:
            if endpoint == COUNT_TOKENS or max_tokens is None:
                output = 0
                latency = 20.0 + 30.0 * rng.random()
            else:
                output = max(1, min(output_tokens, max_tokens))
                if output >= max_tokens:
                    stop = "max_tokens"
                elif tool_calls:
                    stop = "tool_use"
                elif stop_sequence and rng.random() < 0.5:
                    stop = "stop_sequence"
                else:
                    stop = "end_turn"
                latency = (
                    spec.ttft_ms * math.exp(0.35 * rng.gauss(0.0, 1.0))
                    + output * spec.ms_per_token * math.exp(0.12 * rng.gauss(0.0, 1.0))
                    + input_tokens / 400.0
                )
                if in_incident:
                    latency *= 1.8
        else:
            output = 0
            tool_calls = 0
            if status == 429:
                latency = 3.0 + 35.0 * rng.random()
                input_tokens = 0
            elif status == 400:
                latency = 10.0 + 70.0 * rng.random()
                input_tokens = 0
            else:
                latency = 200.0 + lognormal(rng, 2500.0, 1.0)
        self.last_output = output

        event_id = f"req_{rng.getrandbits(96):024x}"
        net = net or a.home
        client = client or a.client
        doc: dict[str, object] = {
            "event_id": event_id,
            "ts": format_rfc3339_ms(ts),
            "account_id": a.account_id,
            "model": model,
            "input_tokens": input_tokens,
            "output_tokens": output,
        }
        if a.org_id is not None:
            doc["org_id"] = a.org_id
        keys = a.api_keys
        doc["api_key_id"] = api_key or (keys[0] if len(keys) == 1 else rng.choice(keys))
        doc["account_created_at"] = a.created_at
        doc["signup_channel"] = a.channel
        if a.payment is not None:
            doc["payment_fingerprint"] = a.payment
        doc["ip"] = net.ip
        doc["asn"] = net.asn
        doc["country"] = net.country
        doc["user_agent"] = client.user_agent
        doc["tls_fingerprint"] = client.tls_fingerprint
        doc["endpoint"] = endpoint
        doc["status"] = status
        doc["latency_ms"] = int(latency)
        if max_tokens is not None and endpoint != COUNT_TOKENS:
            doc["max_tokens"] = max_tokens
        if temperature is not None:
            doc["temperature"] = temperature
        if stop is not None:
            doc["stop_reason"] = stop
        if conversation_id is not None:
            doc["conversation_id"] = conversation_id
            doc["turn"] = turn or 1
        if status == 200 and endpoint != COUNT_TOKENS:
            doc["tool_calls"] = tool_calls
        if prompt is not None and not a.zdr:
            doc["prompt"] = prompt
        if system_prompt_hash is not None:
            doc["system_prompt_hash"] = system_prompt_hash
        self.rows.append((ts, event_id, a.account_id, _serialise(doc)))
        return status


def prompt_tokens(prompt: str) -> int:
    """Tokens of a prompt's text (about four characters per token, at least one)."""
    return len(prompt) // 4 + 1
