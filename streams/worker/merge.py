"""Hand a stage its partitions' records in time order, as the backtest reads its file.

A consumer fetches each partition in batches of its own: during a replay or a catch-up,
partition 0's batch can cover hours of event time that partition 1 only reaches several
batches later, and faust then hands them over round-robin. Per-account state does not
care, but coordination does: pair evidence goes to a key's latest suspects, and which
accounts those are (and how suspect each is at that moment) depends on the order in
which the partitions' events meet. Measured on a sleeper-fleet file, 3 partitions: the
backtest names 68 sleepers, a live worker 15 (and the backtest fed in blocks of 2,000
records per partition, 43).

So, as Kafka Streams does, the worker holds fetched records briefly and releases the
oldest first (by record timestamp: event time on the input topic, where producers and
``replay`` set it; send time on the internal topics, i.e. the order the previous stage
produced them in), but only while every partition of the topic that still has records
on the broker has one buffered to compare with. A partition that is caught up is not
waited for, and a topic waits at most ``max_hold_s`` (of the consumer's time spent
fetching) for an empty partition to deliver (Kafka Streams' ``max.task.idle.ms``), nor
past ``max_held`` records held in all: a slow or paused partition costs order, never
progress. The wait is timed from when the topic got stuck, not from when its oldest
record was fetched: a partition ahead holds its records for long by design, and timed
from those, any partition running dry for one fetch's round trip let records go
unmatched (on the sleeper file, 8,971 of them and 3 of the 68 sleepers lost; timed
from the stall, none). Each partition's own records keep their offset order. A partition
that runs ahead (``AHEAD_AT`` records held) is left out of the next fetches until it
drains, so the client fetches the partitions that are behind instead of filling the
hold.

A partition is ranked by the earliest timestamp among the records it holds, not by its
head's own: a record stamped far ahead of its neighbours (an unparseable event a
producer left to its client's wall clock, as ``replay`` did before it took the previous
event's time; a client whose clock is years off) would otherwise keep its whole
partition waiting behind it until every other partition ran dry. Measured on the
simulator's 2-day test file (21,178 records, 10 of them lines without a time that the
replaying client stamped with its own clock): one partition ran a day ahead of another,
and the live campaigns named 29 to 34 of the 34 accounts the backtest names; ranked by
the earliest time held, all 34, and every link update reaches the links stage in the
backtest's order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from streams.core.clock import EventClock

T = TypeVar("T")
Partition = TypeVar("Partition", bound=Hashable)

MAX_HOLD_S = 1.0  # well under the tail check's interval (streams.worker.app.TAIL_CHECK_S)
MAX_HELD = 20_000  # records held in all; about 20 MB at 1 KB a record
# A partition holding this many is ahead of the others: it is not fetched from until it
# drains (its next records wait in the Kafka client, which then fetches the others).
AHEAD_AT = 2_000


@dataclass
class _Held(Generic[T]):
    ts_ms: int
    item: T


@dataclass
class _Buffer(Generic[T]):
    """One partition's held records (FIFO) and, beside them, the ascending minima of
    every suffix (the sliding-window minimum): the earliest timestamp held, in O(1)."""

    records: deque[_Held[T]] = field(default_factory=deque)
    minima: deque[_Held[T]] = field(default_factory=deque)

    def __len__(self) -> int:
        return len(self.records)

    def append(self, held: _Held[T]) -> None:
        self.records.append(held)
        minima = self.minima
        while minima and minima[-1].ts_ms > held.ts_ms:
            minima.pop()
        minima.append(held)

    def popleft(self) -> _Held[T]:
        held = self.records.popleft()
        if self.minima[0] is held:
            self.minima.popleft()
        return held

    @property
    def earliest_ms(self) -> int:
        return self.minima[0].ts_ms


@dataclass
class TimeOrderedMerge(Generic[Partition, T]):
    """Per-partition FIFO buffers released oldest first (by the earliest timestamp each
    holds), per topic.

    ``topic_of`` maps a partition to its topic: records of different topics go to
    different stages, so only a topic's own partitions are compared.
    """

    topic_of: Callable[[Partition], Hashable]
    max_hold_s: float = MAX_HOLD_S
    max_held: int = MAX_HELD
    _buffers: dict[Partition, _Buffer[T]] = field(default_factory=dict)
    _held: int = 0
    _stuck_since: dict[Hashable, float] = field(default_factory=dict)  # topic -> clock
    released_waiting: int = 0  # records released by the wait's limits, not by comparison

    def __len__(self) -> int:
        return self._held

    def holds(self, partition: Partition) -> bool:
        """Whether records of ``partition`` wait here (it is not stalled: they will go)."""
        return bool(self._buffers.get(partition))

    def ahead(self) -> set[Partition]:
        """Partitions holding ``AHEAD_AT`` records or more: fetch the others first."""
        return {p for p, buffer in self._buffers.items() if len(buffer) >= AHEAD_AT}

    def push(self, partition: Partition, ts_ms: int | None, item: T) -> None:
        """Buffer one fetched record. Without a time (``ts_ms`` None) it takes its
        partition's previous record's, or sorts first when it is the only one held:
        nothing to wait for, and no reason to pull the records before it forward."""
        buffer = self._buffers.get(partition)
        if buffer is None:
            buffer = self._buffers[partition] = _Buffer()
        if ts_ms is None:
            ts_ms = buffer.records[-1].ts_ms if buffer.records else -1
        buffer.append(_Held(ts_ms, item))
        self._held += 1

    def release(
        self,
        assigned: Iterable[Partition],
        has_more: Callable[[Partition], bool],
        now: float,
    ) -> Iterator[tuple[Partition, T]]:
        """Yield the records that may go now, oldest first within each topic.

        ``assigned``: the partitions this consumer owns; ``has_more(p)``: whether ``p``
        has records on the broker beyond those buffered (an empty buffer of such a
        partition blocks its topic until it fills, the topic has been stuck for
        ``max_hold_s`` of ``now`` or too many are held).
        """
        holding = {self.topic_of(p) for p, buffer in self._buffers.items() if buffer}
        if not holding:
            return
        by_topic: dict[Hashable, list[Partition]] = {}
        for partition in set(assigned) | set(self._buffers):
            topic = self.topic_of(partition)
            if topic in holding:  # a topic with nothing held has nothing to compare
                by_topic.setdefault(topic, []).append(partition)
        # Asked once per partition and call, not once per record released: the answer
        # only changes with a fetch (and costs a look-up in the Kafka client).
        known: dict[Partition, bool] = {}

        def more(partition: Partition) -> bool:
            answer = known.get(partition)
            if answer is None:
                answer = known[partition] = has_more(partition)
            return answer

        for topic, partitions in by_topic.items():
            yield from self._release_topic(topic, partitions, more, now)

    def _release_topic(
        self,
        topic: Hashable,
        partitions: list[Partition],
        has_more: Callable[[Partition], bool],
        now: float,
    ) -> Iterator[tuple[Partition, T]]:
        buffers = self._buffers
        stuck_since = self._stuck_since
        while True:
            oldest: Partition | None = None
            oldest_ts = 0
            waiting = False
            for partition in partitions:
                buffer = buffers.get(partition)
                if not buffer:
                    waiting = waiting or has_more(partition)
                    continue
                earliest = buffer.earliest_ms
                if oldest is None or earliest < oldest_ts:
                    oldest, oldest_ts = partition, earliest
            if oldest is None:
                stuck_since.pop(topic, None)  # nothing held: whatever stalls next is new
                return
            if waiting:
                since = stuck_since.setdefault(topic, now)
                if now - since < self.max_hold_s and self._held <= self.max_held:
                    return
                self.released_waiting += 1
            else:
                stuck_since.pop(topic, None)
            held = buffers[oldest].popleft()
            self._held -= 1
            yield oldest, held.item

    def clear(self) -> int:
        """Drop everything held (a rebalance: the records are fetched again from the
        committed offsets); returns how many."""
        dropped = self._held
        self._buffers.clear()
        self._stuck_since.clear()
        self._held = 0
        return dropped


@dataclass
class StreamTimeOrder:
    """How many records reach each stage well behind the newest it has seen.

    The measure of what the merge is for: a record more than ``tolerance_ms`` older than
    its stage's stream time met the other partitions' records out of the order the
    backtest reads them in (a rate of such records is how far live may drift from the
    backtest). Stream time is an ``EventClock``'s, as the detector's: one record stamped
    far ahead would otherwise count every record after it as behind. Exposed as
    ``distillguard_records_behind_stream_time``.
    """

    tolerance_ms: int = 60_000
    clocks: dict[str, EventClock] = field(default_factory=dict)
    behind: dict[str, int] = field(default_factory=dict)

    def observe(self, stage: str, ts_ms: int | None) -> None:
        if ts_ms is None:
            return
        clock = self.clocks.get(stage)
        if clock is None:
            clock = self.clocks[stage] = EventClock()
        if ts_ms < clock.observe(ts_ms) - self.tolerance_ms:
            self.behind[stage] = self.behind.get(stage, 0) + 1
