"""Throughput of a consumer group draining its input, read from its commits.

The group has joined and settled before the input is sent (startup, assignment and
state recovery are not throughput); the clock runs from the first record sent until
every record is committed, by every stage the caller names. The producer sends several
times faster than the pipeline consumes, and commits happen every
``checkpoint_interval_s``, so runs of tens of seconds keep the error to a few per cent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka import errors as kafka_errors

POLL_S = 0.2


@dataclass(frozen=True)
class Drain:
    records: int  # records processed between the first commit and the end
    seconds: float

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0


class Stalled(RuntimeError):
    """The group stopped committing with records left (docs/operations.md, known issue)."""


class GroupOffsets:
    """Committed offsets and end offsets of one group on some topics."""

    def __init__(self, bootstrap: str, group: str) -> None:
        self.group = group
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap)

    def close(self) -> None:
        self.admin.close()
        self.consumer.close()

    def committed(self, topic: str) -> int:
        """Records of ``topic`` the group has committed (0 before its first commit)."""
        try:
            offsets = self.admin.list_group_offsets(self.group).get(self.group, {})
        except (
            kafka_errors.CoordinatorNotAvailableError,
            kafka_errors.CoordinatorLoadInProgressError,
            kafka_errors.NotCoordinatorError,
        ):
            return 0
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic)

    def end(self, topic: str) -> int:
        partitions = self.consumer.partitions_for_topic(topic) or set()
        ends = self.consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return int(sum(ends.values()))


def wait_for_group(
    bootstrap: str,
    group: str,
    members: int,
    *,
    timeout_s: float,
    alive: Callable[[], bool] = lambda: True,
) -> None:
    """Until ``group`` is stable with ``members`` members (so a drain measures steady
    processing, not a rebalance half-way through)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                info = admin.describe_groups([group]).get(group, {})
            except (
                kafka_errors.CoordinatorNotAvailableError,
                kafka_errors.CoordinatorLoadInProgressError,
                kafka_errors.NotCoordinatorError,
            ):
                info = {}
            if info.get("group_state") == "Stable" and len(info.get("members", ())) == members:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{group} did not settle with {members} members")
            if not alive():
                raise RuntimeError(f"a process of {group} died while joining")
            time.sleep(POLL_S)
    finally:
        admin.close()


def measure_drain(
    bootstrap: str,
    group: str,
    source: str,
    downstream: tuple[str, ...] = (),
    *,
    started: float,
    total: int,
    timeout_s: float,
    stall_s: float = 120.0,
    alive: Callable[[], bool] = lambda: True,
) -> Drain:
    """Wait until ``group`` has committed ``total`` records of ``source`` and then all of
    ``downstream`` (internal topics its later stages read); ``total`` records over the
    time since ``started`` (``time.monotonic()`` when the input began to arrive)."""
    offsets = GroupOffsets(bootstrap, group)
    try:
        deadline = time.monotonic() + timeout_s
        progress = (-1, time.monotonic())  # (committed, when it last moved)
        while True:
            now = time.monotonic()
            done = offsets.committed(source)
            if done != progress[0]:
                progress = (done, now)
            elif done < total and now - progress[1] > stall_s:
                raise Stalled(
                    f"{group} committed nothing for {stall_s:.0f} s at {done:,}/{total:,}"
                )
            if done >= total and all(offsets.committed(t) >= offsets.end(t) for t in downstream):
                break
            if now > deadline:
                raise TimeoutError(f"{group} committed {done:,} of {total:,} in {timeout_s:.0f} s")
            if not alive():
                raise RuntimeError(f"a process of {group} died while draining {source}")
            time.sleep(POLL_S)
        return Drain(total, now - started)
    finally:
        offsets.close()
