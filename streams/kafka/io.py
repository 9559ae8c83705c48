"""Plain kafka-python producers and consumers for the command-line tools.

The worker talks to Kafka through faust; the small tools (produce, tail alerts, demo)
use kafka-python, which needs no event loop.
"""

from __future__ import annotations

import gzip
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka import errors as kafka_errors

from streams.core.timeutil import parse_rfc3339_ms
from streams.kafka.broker import BrokerError
from streams.kafka.security import PLAINTEXT, ClientSecurity, kafka_python_kwargs

_COORDINATOR_NOT_READY = (
    kafka_errors.CoordinatorNotAvailableError,
    kafka_errors.CoordinatorLoadInProgressError,
    kafka_errors.NotCoordinatorError,
)


def open_lines(path: Path) -> IO[bytes]:
    """Open a JSON Lines file, gzip-compressed or not (decided by content, not name)."""
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def event_key_and_time(line: bytes) -> tuple[bytes | None, int | None]:
    """Kafka key (``account_id``) and record timestamp (event time) of an event line.

    Lines that are not valid events still get sent (keyless): the worker is the one that
    dead-letters them, with a reason.
    """
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None, None
    if not isinstance(doc, dict):
        return None, None
    account = doc.get("account_id")
    key = account.encode() if isinstance(account, str) else None
    ts = doc.get("ts")
    ts_ms: int | None = None
    if isinstance(ts, int) and not isinstance(ts, bool) and ts >= 0:
        ts_ms = ts
    elif isinstance(ts, str):
        try:
            ts_ms = parse_rfc3339_ms(ts)
        except ValueError:
            ts_ms = None
    return key, ts_ms


def event_lines(path: Path) -> Iterator[tuple[bytes, bytes | None, int | None]]:
    """Each non-blank line of a JSON Lines(.gz) file with its Kafka key and event time."""
    with open_lines(path) as lines:
        for raw_line in lines:
            line = raw_line.rstrip(b"\r\n")
            if line.strip():
                key, ts_ms = event_key_and_time(line)
                yield line, key, ts_ms


@dataclass
class ProduceReport:
    sent: int
    seconds: float
    too_large: int = 0
    expiring: int = 0  # records older than the topic's time retention when sent
    retention_ms: int | None = None

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds if self.seconds > 0 else float(self.sent)


# A broker refuses record batches over its message.max.bytes (1 MiB by default), failing
# every record in them: batches stay well below that, and a single record over it is
# refused by the client at once instead of taking a batch down with it.
BROKER_MAX_MESSAGE_BYTES = 1_048_576


def make_producer(
    bootstrap: str, *, security: ClientSecurity = PLAINTEXT, **overrides: Any
) -> KafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap,
        **kafka_python_kwargs(security),
        "acks": "all",
        "linger_ms": 20,
        "batch_size": 128 * 1024,
        "max_request_size": BROKER_MAX_MESSAGE_BYTES,
        "compression_type": None,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def topic_retention_ms(
    bootstrap: str, topic: str, *, security: ClientSecurity = PLAINTEXT
) -> int | None:
    """The topic's effective ``retention.ms`` (its own, or the broker's default); None when
    unlimited, or when the client may not read topic configs (then nothing is checked)."""
    from kafka.admin import ConfigResource, ConfigResourceType

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="distillguard-retention",
            request_timeout_ms=10_000,
            **kafka_python_kwargs(security),
        )
    except kafka_errors.KafkaError:
        return None
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": None})
        found = admin.describe_configs([resource], config_filter="all")
        value = int(found["topic"][topic]["retention.ms"]["value"])
    except (kafka_errors.KafkaError, KeyError, TypeError, ValueError):
        return None
    finally:
        admin.close()
    return value if value >= 0 else None


def print_send_problems(
    too_large: int, expiring: int, topic: str, retention_ms: int | None
) -> None:
    """What ``produce`` and ``replay`` tell the user about records not sent (refused as
    too large) or not kept for long (older than the topic's time retention)."""
    if too_large:
        print(f"{too_large:,} record(s) larger than the broker accepts were not sent")
    if expiring:
        print(expiry_warning(expiring, topic, retention_ms), file=sys.stderr)


def expiry_warning(expiring: int, topic: str, retention_ms: int | None) -> str:
    """What a user must hear when records older than the topic's retention were sent."""
    days = (retention_ms or 0) / 86_400_000
    return (
        f"warning: {expiring:,} record(s) carry event times older than {topic}'s "
        f"retention.ms ({days:g} days): the broker deletes them at its next retention check "
        "(every 5 minutes by default), maybe before the worker reads them. Replay history "
        f"into a topic without time retention (kafka-configs.sh --alter --entity-type topics "
        f"--entity-name {topic} --add-config retention.ms=-1) or with one longer than the "
        "events' age."
    )


class SendFailed(RuntimeError):
    """Some records could not be delivered; says how many and why."""


class CheckedSender:
    """Sends records and accounts for every one of them: delivered, refused, or failed.

    Records the client refuses outright (larger than the broker accepts) are counted in
    ``too_large`` and skipped; any asynchronous delivery failure makes ``finish`` raise.
    Records stamped before ``expire_before_ms`` (now minus the topic's time retention) are
    sent and counted in ``expiring``: the broker will delete them soon. A record without a
    time (a line the worker will dead-letter) is stamped with the previous record's:
    left to the client's clock, a file of last month's traffic puts it weeks ahead of
    its neighbours, where it ranks last in the worker's time-ordered merge.
    """

    def __init__(
        self, producer: KafkaProducer, topic: str, expire_before_ms: int | None = None
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.expire_before_ms = expire_before_ms
        self.sent = 0
        self.too_large = 0
        self.expiring = 0
        self.failures: dict[str, int] = {}
        self._last_stamp: int | None = None

    @classmethod
    def for_topic(
        cls, producer: KafkaProducer, bootstrap: str, topic: str, security: ClientSecurity
    ) -> tuple[CheckedSender, int | None]:
        """A sender that counts records the topic's time retention will soon delete."""
        retention = topic_retention_ms(bootstrap, topic, security=security)
        horizon = None if retention is None else int(time.time() * 1000) - retention
        return cls(producer, topic, horizon), retention

    def send(self, key: bytes | None, value: bytes, timestamp_ms: int | None) -> None:
        if timestamp_ms is None:
            timestamp_ms = self._last_stamp
        else:
            self._last_stamp = timestamp_ms
        horizon = self.expire_before_ms
        if horizon is not None and timestamp_ms is not None and timestamp_ms < horizon:
            self.expiring += 1
        try:
            future = self.producer.send(self.topic, key=key, value=value, timestamp_ms=timestamp_ms)
        except kafka_errors.MessageSizeTooLargeError:
            self.too_large += 1
            return
        future.add_errback(self._failed)
        self.sent += 1

    def _failed(self, exc: BaseException) -> None:
        name = type(exc).__name__
        self.failures[name] = self.failures.get(name, 0) + 1

    def finish(self) -> None:
        self.producer.flush()
        if self.failures:
            detail = ", ".join(f"{n} {name}" for name, n in sorted(self.failures.items()))
            raise SendFailed(f"{sum(self.failures.values())} record(s) not delivered: {detail}")


def produce_file(
    bootstrap: str,
    topic: str,
    path: Path,
    on_progress: Callable[[int], None] | None = None,
    *,
    security: ClientSecurity = PLAINTEXT,
) -> ProduceReport:
    """Send every non-blank line of ``path`` to ``topic``, keyed by ``account_id``."""
    producer = make_producer(bootstrap, security=security)
    sender, retention = CheckedSender.for_topic(producer, bootstrap, topic, security)
    started = time.monotonic()
    try:
        for line, key, ts_ms in event_lines(path):
            sender.send(key, line, ts_ms)
            if on_progress is not None and sender.sent % 5000 == 0:
                on_progress(sender.sent)
        sender.finish()
    finally:
        producer.close(timeout=10)
    return ProduceReport(
        sender.sent, time.monotonic() - started, sender.too_large, sender.expiring, retention
    )


def consume(
    bootstrap: str,
    topic: str,
    *,
    from_beginning: bool,
    idle_timeout_s: float | None = None,
    stop: Callable[[], bool] | None = None,
    security: ClientSecurity = PLAINTEXT,
) -> Iterator[Any]:
    """Yield records of ``topic`` (all partitions, no consumer group, nothing committed).

    Stops after ``idle_timeout_s`` without a record, or when ``stop()`` says so.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **kafka_python_kwargs(security)
    )
    try:
        partitions = _wait_for_partitions(consumer, topic, timeout_s=30.0)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        if from_beginning:
            consumer.seek_to_beginning(*tps)
        else:
            consumer.seek_to_end(*tps)
        idle_since = time.monotonic()
        while stop is None or not stop():
            batch = consumer.poll(timeout_ms=200)
            if batch:
                idle_since = time.monotonic()
                for records in batch.values():
                    yield from records
            elif idle_timeout_s is not None and time.monotonic() - idle_since > idle_timeout_s:
                return
    finally:
        consumer.close()


def _wait_for_partitions(consumer: KafkaConsumer, topic: str, timeout_s: float) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while True:
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return set(partitions)
        if time.monotonic() > deadline:
            raise BrokerError(f"topic {topic!r} does not exist (run `distillguard topics`)")
        time.sleep(0.2)


def format_alert_line(alert: dict[str, Any], max_reasons: int = 5) -> str:
    """One readable line per alert, for people watching a terminal.

    ``<detected_at>  <SEVERITY> account <account_id>  score=<s>  v<version>  <reason codes>``,
    or for a campaign ``... campaign <campaign_id> (<n> accounts[, <t> tied])  score=...``
    (tied: members held by many weaker links, not strong ones): the strongest reason
    codes only (``--json`` has the details and the evidence).
    """
    accounts = alert.get("account_ids") or []
    kind = str(alert.get("kind") or "?")
    campaign_id = alert.get("campaign_id")
    if kind == "campaign" or campaign_id:
        plural = "" if len(accounts) == 1 else "s"
        evidence = alert.get("evidence")
        tied = evidence.get("tied_members") if isinstance(evidence, dict) else None
        ties = f", {tied} tied" if isinstance(tied, int) and tied > 0 else ""
        who = f"{campaign_id or '?'} ({len(accounts)} account{plural}{ties})"
    elif len(accounts) == 1:
        who = str(accounts[0])
    else:
        who = f"({len(accounts)} accounts)"
    score = alert.get("score")
    shown = f"{score:.2f}" if isinstance(score, int | float) else "?"
    reasons = alert.get("reasons") or []
    codes = ", ".join(str(r.get("code")) for r in reasons[:max_reasons] if isinstance(r, dict))
    more = f" +{len(reasons) - max_reasons}" if len(reasons) > max_reasons else ""
    return (
        f"{alert.get('detected_at', '?')}  {str(alert.get('severity') or '?').upper():8} "
        f"{kind} {who}  score={shown}  v{alert.get('version', '?')}  {codes or '-'}{more}"
    )


def pipeline_lag(
    bootstrap: str, group: str, topics: list[str], *, security: ClientSecurity = PLAINTEXT
) -> int | None:
    """Records of all ``topics`` the group has not committed yet; None while a topic with
    records has no commit (an empty topic counts as caught up)."""
    auth = kafka_python_kwargs(security)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **auth)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, **auth)
    try:
        try:
            committed = admin.list_group_offsets(group).get(group, {})
        except _COORDINATOR_NOT_READY:
            return None
        total = 0
        for topic in topics:
            tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or set()]
            ends = consumer.end_offsets(tps)
            if not any(ends.values()):
                continue
            if not any(tp in committed for tp in tps):
                return None
            total += sum(
                end - (committed[tp].offset if tp in committed else 0) for tp, end in ends.items()
            )
        return int(total)
    finally:
        admin.close()
        consumer.close()


def group_is_stable(bootstrap: str, group: str, *, security: ClientSecurity = PLAINTEXT) -> bool:
    """True once the consumer group has members and a settled partition assignment."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **kafka_python_kwargs(security))
    try:
        info = admin.describe_groups([group]).get(group, {})
    except _COORDINATOR_NOT_READY:
        return False
    finally:
        admin.close()
    return info.get("group_state") == "Stable" and bool(info.get("members"))


def count_by_header(
    bootstrap: str, topic: str, header: str, *, security: ClientSecurity = PLAINTEXT
) -> dict[str, int]:
    """How many records of ``topic`` carry each value of ``header`` (e.g. dead-letter reasons)."""
    counts: dict[str, int] = {}
    records = consume(bootstrap, topic, from_beginning=True, idle_timeout_s=1.0, security=security)
    for record in records:
        value = dict(record.headers or []).get(header, b"").decode(errors="replace")
        counts[value] = counts.get(value, 0) + 1
    return counts


def read_offsets(
    bootstrap: str,
    topic: str,
    partition: int,
    start: int,
    end: int,
    *,
    security: ClientSecurity = PLAINTEXT,
    timeout_s: float = 10.0,
    max_fetch_bytes: int = 8 * 1024 * 1024,
) -> list[tuple[int, bytes | None]] | None:
    """The records of ``topic[partition]`` at offsets ``start`` .. ``end - 1`` as
    (offset, value), read with a consumer of their own (no group); offsets the log does
    not hold (transaction markers, compaction) are simply absent. None if the position
    did not reach ``end`` within ``timeout_s``."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        **kafka_python_kwargs(security),
        enable_auto_commit=False,
        max_partition_fetch_bytes=max_fetch_bytes,
        fetch_max_bytes=max_fetch_bytes,
    )
    try:
        tp = TopicPartition(topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, start)
        found: list[tuple[int, bytes | None]] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=200, max_records=max(1, end - start)).values():
                for record in batch:
                    if start <= record.offset < end:
                        found.append((record.offset, record.value))
            if consumer.position(tp) >= end:
                return found
        return None
    finally:
        consumer.close()
