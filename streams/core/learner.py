"""The partition's online model (river): what an account's context says about harvesting.

The harvest score weighs what an account *does* with the model. Its context (account
age, signup channel, request rate and burstiness, spread over addresses and networks,
error share) says something as well, but what it says depends on the deployment: brand
new self-serve accounts are ordinary on one platform and rare on another. So it is
learned, per partition and online, by a river logistic regression over standardised
context features. Its labels are the partition's own matured accounts (enough requests
and time, behaviour clearly harvest-like or clearly not; the behaviour score is the
teacher, never the model's own output) and analysts' verdicts. It says nothing until it
has seen enough of both classes, and its state is a few hundred numbers, checkpointed.
"""

from __future__ import annotations

import math
from typing import Any

import orjson
from river import linear_model, optim, preprocessing, utils

from streams.core.profile import AccountProfile

Features = dict[str, float]

HOUR_MS = 3_600_000
DAY_MS = 86_400_000
MAX_CHANNELS = 32  # signup channels given their own weight; later ones share "other"


def context_features(profile: AccountProfile) -> Features:
    """An account's context as model features (no prompt content, no identities)."""
    now = profile.last_seen_ms
    created = profile.account_created_ms
    active_h = max((now - profile.first_seen_ms) / HOUR_MS, 1.0)
    gap_mean, gap_std = profile.behaviour.gap_stats()
    requests = max(profile.requests, 1)
    features: Features = {
        # Age in days (log) when known; a separate flag when the event never says.
        "age_log_days": math.log10(1.0 + max(now - created, 0) / DAY_MS) if created else 0.0,
        "age_unknown": 0.0 if created else 1.0,
        "rate_log_per_hour": math.log10(requests / active_h),
        "gap_log_mean": gap_mean,
        "gap_log_std": gap_std,
        "addresses_log": math.log2(max(profile.ips.estimate(), 1)),
        "networks_log": math.log2(max(profile.asns.estimate(), 1)),
        "error_share": profile.errors / requests,
        "input_tokens_log": math.log10(1.0 + profile.input_tokens / requests),
    }
    channel = profile.signup_channel
    features[f"channel={channel[:32]}" if channel else "channel=unknown"] = 1.0
    return features


class ContextModel:
    """Online logistic regression on context features, trained on matured accounts."""

    __slots__ = ("changed", "labels", "min_labels", "model", "scaler")

    def __init__(self, min_labels: int = 30) -> None:
        self.min_labels = min_labels  # of each class before it predicts
        self.scaler = preprocessing.StandardScaler()
        self.model = linear_model.LogisticRegression(optimizer=optim.SGD(0.05), l2=1e-3)
        self.labels = [0, 0]  # negatives, positives seen
        self.changed = False  # learned since the last checkpoint

    @property
    def ready(self) -> bool:
        return min(self.labels) >= self.min_labels

    def _bounded(self, features: Features) -> Features:
        """The features with unseen signup channels past ``MAX_CHANNELS`` folded into one
        (the channel is free text: its vocabulary must not grow the model)."""
        counts = self.scaler.counts
        for name in [n for n in features if n.startswith("channel=") and n not in counts]:
            if sum(1 for n in counts if n.startswith("channel=")) >= MAX_CHANNELS:
                features["channel=other"] = features.pop(name)
        return features

    def learn(self, features: Features, harvesting: bool) -> None:
        """One labelled account. The rarer class weighs more, so a partition where few
        accounts harvest still learns what sets them apart."""
        features = self._bounded(features)
        negatives, positives = self.labels
        mine = positives if harvesting else negatives
        weight = min(10.0, max(0.1, (negatives + positives + 2) / (2.0 * (mine + 1))))
        self.scaler.learn_one(features)
        self.model.learn_one(self.scaler.transform_one(features), harvesting, w=weight)
        self.labels[int(harvesting)] += 1
        self.changed = True

    def predict(self, features: Features) -> float | None:
        """Probability that an account in this context harvests (None until ready)."""
        if not self.ready:
            return None
        features = self._bounded(features)
        proba = self.model.predict_proba_one(self.scaler.transform_one(features))
        return float(proba.get(True, 0.0))

    def to_bytes(self) -> bytes:
        scaler = self.scaler
        return orjson.dumps(
            {
                "labels": self.labels,
                "min_labels": self.min_labels,
                "counts": dict(scaler.counts),
                "means": dict(scaler.means),
                "vars": dict(scaler.vars),
                "weights": dict(self.model._weights),
                "intercept": self.model.intercept,
                "iterations": self.model.optimizer.n_iterations,
            }
        )

    @classmethod
    def from_bytes(cls, blob: bytes) -> ContextModel:
        state: dict[str, Any] = orjson.loads(blob)
        model = cls(int(state["min_labels"]))
        model.labels = [int(n) for n in state["labels"]]
        scaler = model.scaler
        scaler.counts.update({str(k): int(v) for k, v in state["counts"].items()})
        scaler.means.update({str(k): float(v) for k, v in state["means"].items()})
        scaler.vars.update({str(k): float(v) for k, v in state["vars"].items()})
        model.model._weights = utils.VectorDict(
            {str(k): float(v) for k, v in state["weights"].items()}
        )
        model.model.intercept = float(state["intercept"])
        model.model.optimizer.n_iterations = int(state["iterations"])
        return model
