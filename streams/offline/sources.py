"""Where offline runs read events from: a JSON Lines file or a retained Kafka topic.

Both yield ``OfflineRecord``s carrying the partition and offset the record has (topic) or
would have (file: Kafka's default murmur2 partitioner on the ``account_id`` key, offsets
counted per partition), so an offline run feeds each partition's detector exactly the
sequence a live worker's detector would see.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer, TopicPartition
from kafka.partitioner.default import murmur2

from streams.kafka.io import event_lines
from streams.kafka.security import PLAINTEXT, ClientSecurity, kafka_python_kwargs


@dataclass(slots=True)
class OfflineRecord:
    partition: int
    offset: int
    value: bytes
    key: bytes | None
    ts_ms: int | None


# murmur2 in pure Python costs about 5 % of a backtest; accounts repeat, so remember
# each key's hash (bounded: the memo is dropped when it fills).
_HASH_MEMO_CAP = 1 << 16
_hash_memo: dict[bytes, int] = {}


def partition_for(key: bytes | None, partitions: int) -> int:
    """Kafka's default partitioner (Java client and kafka-python): murmur2 of the key."""
    if key is None or partitions == 1:
        return 0
    hashed = _hash_memo.get(key)
    if hashed is None:
        if len(_hash_memo) >= _HASH_MEMO_CAP:
            _hash_memo.clear()
        hashed = _hash_memo[key] = int(murmur2(key) & 0x7FFFFFFF)
    return hashed % partitions


def file_records(path: Path, partitions: int) -> Iterator[OfflineRecord]:
    """Records of a JSON Lines(.gz) file, as they would sit in a ``partitions``-way topic."""
    next_offset = [0] * partitions
    for line, key, ts_ms in event_lines(path):
        partition = partition_for(key, partitions)
        offset = next_offset[partition]
        next_offset[partition] = offset + 1
        yield OfflineRecord(partition, offset, line, key, ts_ms)


def topic_records(
    bootstrap: str,
    topic: str,
    since_ms: int | None = None,
    until_ms: int | None = None,
    group_id: str | None = None,
    security: ClientSecurity = PLAINTEXT,
) -> Iterator[OfflineRecord]:
    """Records of a retained topic from ``since_ms`` up to the end offsets seen at start.

    Uses manual assignment and never commits: a backtest can't disturb the live worker's
    consumer group. ``group_id`` is only a label for broker-side monitoring.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        client_id=group_id or "distillguard-backtest",
        enable_auto_commit=False,
        max_partition_fetch_bytes=8 * 1024 * 1024,
        **kafka_python_kwargs(security),
    )
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise ValueError(f"topic {topic!r} does not exist or has no partitions")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        ends = consumer.end_offsets(tps)
        starts = consumer.beginning_offsets(tps)
        if since_ms is not None:
            found = consumer.offsets_for_times({tp: since_ms for tp in tps})
            for tp in tps:
                hit = found.get(tp)
                consumer.seek(tp, hit.offset if hit is not None else ends[tp])
        else:
            for tp in tps:
                consumer.seek(tp, starts[tp])
        remaining = {tp for tp in tps if consumer.position(tp) < ends[tp]}
        idle_since = time.monotonic()
        while remaining:
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            if not batch:
                if time.monotonic() - idle_since > 30:
                    raise TimeoutError(f"no progress reading {topic!r} for 30 s")
                continue
            idle_since = time.monotonic()
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        remaining.discard(tp)
                        break
                    ts = record.timestamp if (record.timestamp or -1) >= 0 else None
                    if until_ms is not None and ts is not None and ts > until_ms:
                        remaining.discard(tp)
                        break
                    yield OfflineRecord(tp.partition, record.offset, record.value, record.key, ts)
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            consumer.pause(*[tp for tp in tps if tp not in remaining])
    finally:
        consumer.close()
