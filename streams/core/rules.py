"""The harvest-rate rule: an account pulling an outsized volume of output tokens.

A placeholder for the detection core to come, but a real one: harvesting the model's
answers shows up first as output volume far beyond a normal user's, in event time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from streams.core.alerts import Reason
from streams.core.profile import AccountProfile


@dataclass(frozen=True, slots=True)
class HarvestRateRule:
    window_s: int = 3600
    min_output_tokens: int = 150_000
    min_requests: int = 30

    @property
    def name(self) -> str:
        return "harvest_rate"

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.window_s}s:{self.min_output_tokens}:{self.min_requests}"

    def statistic(self, profile: AccountProfile) -> float:
        """The figure the threshold applies to: output tokens in the window, or 0 while
        the account has made fewer than ``min_requests`` requests in it.

        Tuning sweeps ``min_output_tokens`` over recorded statistics instead of re-running.
        """
        if profile.window_total(self.window_s, "requests") < self.min_requests:
            return 0.0
        return float(profile.window_total(self.window_s, "output_tokens"))

    def evaluate(self, profile: AccountProfile, statistic: float | None = None) -> Finding | None:
        if statistic is None:
            statistic = self.statistic(profile)
        if statistic < self.min_output_tokens or statistic <= 0:
            return None
        output = int(statistic)
        requests = profile.window_total(self.window_s, "requests")
        ratio = output / self.min_output_tokens
        severity = (
            "low" if ratio < 1.5 else "medium" if ratio < 3 else "high" if ratio < 6 else "critical"
        )
        inputs = profile.window_total(self.window_s, "input_tokens")
        window = _window_label(self.window_s)
        detail = (
            f"{output:,} output tokens over {requests:,} requests in the last {window} "
            f"(threshold {self.min_output_tokens:,} tokens and {self.min_requests} requests)"
        )
        evidence = {
            "window_s": self.window_s,
            "window_output_tokens": output,
            "window_input_tokens": inputs,
            "window_requests": requests,
            "output_per_request": round(output / requests, 1),
            "threshold_output_tokens": self.min_output_tokens,
            "threshold_requests": self.min_requests,
            "distinct_ips": profile.ips.estimate(),
            "distinct_asns": profile.asns.estimate(),
            "account_age_s": round(profile.age_s(profile.last_seen_ms), 1),
        }
        # Saturating map of how far past the threshold: 0.5 at the threshold, ->1 beyond.
        score = round(1.0 - 0.5 / ratio, 4)
        return Finding(
            score=score,
            severity=severity,
            reason=Reason(self.name, detail, 1.0),
            evidence=evidence,
        )


@dataclass(frozen=True, slots=True)
class Finding:
    score: float
    severity: str
    reason: Reason
    evidence: dict[str, Any]


def _window_label(window_s: int) -> str:
    if window_s % 3600 == 0:
        hours = window_s // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{window_s // 60} minutes"
