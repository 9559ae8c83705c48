"""Where offline runs read events from: a JSON Lines file or a retained Kafka topic.

Both yield ``OfflineRecord``s carrying the partition and offset the record has (topic) or
would have (file: Kafka's default murmur2 partitioner on the ``account_id`` key, offsets
counted per partition), so an offline run feeds each partition's detector exactly the
sequence a live worker's detector would see. A topic's partitions are read in time order
across partitions, as the live worker hands them on (streams.worker.merge) and as a file
lists them.
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
from streams.worker.merge import TimeOrderedMerge


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
        # Oldest first across partitions (by record timestamp, a partition ranked by the
        # earliest it holds), waiting for a partition that still has records however long
        # it takes: polled as they come, a partition's batch can be hours of event time
        # ahead of another's, and coordination depends on the order they meet in.
        merge: TimeOrderedMerge[TopicPartition, OfflineRecord] = TimeOrderedMerge(
            topic_of=lambda tp: tp.topic, max_hold_s=float("inf")
        )
        positions = {tp: consumer.position(tp) for tp in tps}
        fetching = list(tps)
        idle_since = time.monotonic()
        while remaining:
            # Only the partitions not far ahead are fetched. (Assigned anew at our own
            # positions rather than paused: kafka-python 3.0 can leave a resumed
            # partition's parked records unread and never fetch it again.)
            ahead = merge.ahead()
            wanted = [tp for tp in tps if tp in remaining and tp not in ahead]
            if wanted != fetching:
                consumer.assign(wanted)
                for tp in wanted:
                    consumer.seek(tp, positions[tp])
                fetching = wanted
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
                    merge.push(
                        tp,
                        ts,
                        OfflineRecord(tp.partition, record.offset, record.value, record.key, ts),
                    )
                positions[tp] = consumer.position(tp)
                if positions[tp] >= ends[tp]:
                    remaining.discard(tp)
            for _, offline in merge.release(tps, remaining.__contains__, 0.0):
                yield offline
        for _, offline in merge.release(tps, lambda tp: False, 0.0):
            yield offline
    finally:
        consumer.close()
