"""Idempotent topic creation on the broker, so pipelines can declare what they need."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from streams.kafka.broker import BrokerError, is_refusal, probe_metadata
from streams.kafka.security import PLAINTEXT, ClientSecurity, kafka_python_kwargs


class TopicError(BrokerError):
    """A topic exists but does not match its spec, or the broker refused to create it."""


@dataclass(frozen=True)
class TopicSpec:
    """Desired topic; ``config`` holds topic-level overrides like ``retention.ms``."""

    name: str
    partitions: int = 1
    replication: int = 1
    config: Mapping[str, str] = field(default_factory=dict)


def wait_for_broker(bootstrap: str, timeout: float, security: ClientSecurity = PLAINTEXT) -> None:
    """Block until a client can fetch metadata from ``bootstrap``."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        # At least 2 s a probe: a last one with a few hundred ms left only ever times
        # out, and its timeout would hide the telling refusal of a slow SASL handshake.
        reason = probe_metadata(bootstrap, timeout=min(5.0, max(remaining, 2.0)), security=security)
        if reason is None:
            return
        if is_refusal(reason):  # waiting cannot fix credentials
            raise BrokerError(f"Kafka broker at {bootstrap} refused the client: {reason}")
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"Kafka broker at {bootstrap} not reachable after {timeout:g}s: {reason} "
                "(start it with `distillguard kafka start`?)"
            )
        time.sleep(0.2)


@contextlib.contextmanager
def _admin(bootstrap: str, timeout: float, security: ClientSecurity) -> Iterator[Any]:
    """Admin client whose Kafka failures surface as BrokerError (one type for callers)."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    wait_for_broker(bootstrap, timeout, security)
    ms = int(max(timeout, 1.0) * 1000)
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="distillguard-admin",
            request_timeout_ms=ms,
            bootstrap_timeout_ms=ms,
            **kafka_python_kwargs(security),
        )
        try:
            yield admin
        finally:
            admin.close()
    except KafkaError as exc:
        raise BrokerError(f"Kafka admin request to {bootstrap} failed: {exc!r}") from exc


def _user_topics(admin: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for topic in admin.describe_topics():  # all topics; never auto-creates anything
        name = topic["name"]
        if topic.get("error_code", 0) == 0 and not topic.get("is_internal"):
            counts[name] = len(topic.get("partitions") or [])
    return {k: v for k, v in counts.items() if not k.startswith("__")}


def _check_existing(spec: TopicSpec, partitions: int) -> None:
    if partitions < spec.partitions:
        raise TopicError(
            f"topic {spec.name!r} already exists with {partitions} partition(s) but "
            f"{spec.partitions} were requested; delete it or raise its partition count"
        )


def create_topics(
    bootstrap: str,
    specs: Sequence[TopicSpec],
    timeout: float = 30.0,
    *,
    security: ClientSecurity = PLAINTEXT,
) -> dict[str, str]:
    """Create missing topics; returns ``{name: "created" | "exists"}``.

    An existing topic with fewer partitions than requested raises TopicError rather than
    silently running with less parallelism (and different key->partition mapping).
    """
    import kafka.errors as errors

    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate topic names in specs: {names}")
    for spec in specs:
        if spec.partitions < 1 or spec.replication < 1:
            raise ValueError(f"topic {spec.name!r}: partitions and replication must be >= 1")
    result: dict[str, str] = {}
    with _admin(bootstrap, timeout, security) as admin:
        existing = _user_topics(admin)
        missing = [s for s in specs if s.name not in existing]
        for spec in specs:
            if spec.name in existing:
                _check_existing(spec, existing[spec.name])
                result[spec.name] = "exists"
        if missing:
            request = {
                s.name: {
                    "num_partitions": s.partitions,
                    "replication_factor": s.replication,
                    "configs": dict(s.config),
                }
                for s in missing
            }
            response = admin.create_topics(
                request, timeout_ms=int(timeout * 1000), raise_errors=False
            )
            for topic in response["topics"]:
                error = errors.for_code(topic["error_code"])
                if error is errors.NoError:
                    result[topic["name"]] = "created"
                elif error is errors.TopicAlreadyExistsError:  # lost a race with a peer
                    result[topic["name"]] = "exists"
                else:
                    raise TopicError(
                        f"cannot create topic {topic['name']!r}: {error.__name__}: "
                        f"{topic.get('error_message') or error.description}"
                    )
            raced = [s for s in missing if result.get(s.name) == "exists"]
            if raced:
                now = _user_topics(admin)
                for spec in raced:
                    _check_existing(spec, now.get(spec.name, spec.partitions))
            admin.wait_for_topics([s.name for s in missing], timeout_ms=int(timeout * 1000))
    return {name: result[name] for name in names}


def describe_topics(
    bootstrap: str, timeout: float = 30.0, *, security: ClientSecurity = PLAINTEXT
) -> dict[str, int]:
    """User topics (internal ``__*`` ones excluded) and their partition counts."""
    with _admin(bootstrap, timeout, security) as admin:
        return dict(sorted(_user_topics(admin).items()))
