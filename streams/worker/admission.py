"""Which delivered record a stage may process now: the async side of the sequencer.

The sequencer (streams.worker.sequence) needs to know where a partition's sequence
starts. faust knows the group's committed offset, but reports both "nothing committed
yet" and "committed at offset 0" as ``None``, and its commit then has no guard at the
head of the partition: a record faust drops before the group's first commit (fetched
under an older consumer generation, then skipped) is passed over by the next commit,
and taking the first delivered record as the start would never notice. So when faust
knows no committed offset, the sequence starts at the partition's log start offset
(the consumer resets to the earliest offset), and a missing head is a hole like any
other: read out of band, or rewound to.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from streams.worker.sequence import Admit, OffsetSequencer, TopicPartition

log = logging.getLogger("distillguard.worker")


class Delivered(Protocol):
    """What admission reads of a delivered record (a faust message)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def tp(self) -> Any: ...


Handler = Callable[[Any], None]


@dataclass
class Admission:
    """Sequence each partition's delivered records; refill holes before going on."""

    committed: Callable[[Any], int | None]  # faust's committed offset (None: 0 or none)
    log_start: Callable[[Any], Awaitable[int | None]]  # earliest offset; None if unknown
    fill_hole: Callable[[Any, int, Handler], Awaitable[bool]]  # read [expected, offset)
    seek: Callable[[Any, int], Awaitable[None]]
    # False once a rebalance overtook the record (it is then delivered again, or not ours)
    current: Callable[[Any], bool] = lambda message: True
    sequencer: OffsetSequencer = field(default_factory=OffsetSequencer)
    # (topic, partition, offset) held back: not processed, so never acknowledged
    held: set[tuple[str, int, int]] = field(default_factory=set)

    async def start(self, message: Delivered) -> tuple[int | None, bool]:
        """Where the partition's sequence starts (nothing delivered yet), and whether
        finding out took a round trip to the broker."""
        committed = self.committed(message.tp)
        if committed is not None:
            return committed, False
        try:
            return await self.log_start(message.tp), True
        except Exception as exc:  # a broker hiccup must not stop the stage
            log.warning(
                "could not read the log start of %s[%d] (%s); starting at offset %d",
                message.topic,
                message.partition,
                type(exc).__name__,
                message.offset,
            )
            return None, True

    async def admitted(self, message: Delivered, handle: Handler) -> bool:
        """Whether to process ``message`` now; held records are delivered again."""
        tp: TopicPartition = (message.topic, message.partition)
        start: int | None = None  # only read while the partition has no sequence yet
        if self.sequencer.expected(tp) is None:
            start, waited = await self.start(message)
            if waited and not self.current(message):
                return False  # a rebalance came in meanwhile: its acknowledgement is refused
        verdict = self.sequencer.admit(tp, message.offset, start)
        if verdict is Admit.PROCESS:
            return True
        where = (message.topic, message.partition, message.offset)
        if verdict is Admit.HOLD:
            self.held.add(where)
            return False
        expected = self.sequencer.expected(tp)
        assert expected is not None  # a hole is relative to a known next offset
        if await self.fill_hole(message, expected, handle):
            self.sequencer.filled(tp, message.offset)
            return self.sequencer.admit(tp, message.offset, start) is Admit.PROCESS
        self.held.add(where)
        log.warning(
            "offset hole in %s[%d]: got %d, expected %s; rewinding",
            *where,
            expected,
            extra={"topic": where[0], "partition": where[1], "offset": where[2]},
        )
        await self.seek(message.tp, expected)
        return False

    def forget(self, gone: set[TopicPartition]) -> None:
        """Partitions revoked: their next owner starts from the committed offsets."""
        self.sequencer.forget(gone)
        self.held.difference_update({h for h in self.held if (h[0], h[1]) in gone})


@dataclass
class TailWatch:
    """Notices a partition that stopped moving while it is behind its log end.

    The sequencer finds a hole when a later record arrives. Around a rebalance faust can
    also drop the last records of a partition (queued before it, cleared after it, never
    fetched again), or refuse the acknowledgement of records the worker did process and
    never deliver them again: no later record comes to reveal either, and the partition
    never commits again. A partition is stalled when two checks in a row find the same
    (committed, expected) position below the log end the consumer knows.
    """

    _seen: dict[TopicPartition, tuple[int, int]] = field(default_factory=dict)

    def stalled(self, tp: TopicPartition, committed: int, expected: int, end: int) -> bool:
        if committed >= end:  # caught up: nothing to wait for
            self._seen.pop(tp, None)
            return False
        before = self._seen.get(tp)
        self._seen[tp] = (committed, expected)
        return before == (committed, expected)

    def never_started(self, tp: TopicPartition, end: int) -> bool:
        """Two checks in a row found ``tp`` with records (``end`` > 0) but neither a
        committed offset nor a delivered record: faust took the partition over and never
        fetched it (seen once in a clean-clone CI run, after the other worker was killed
        before its first commit). Its sequence then starts at the log start (Admission)."""
        return end > 0 and self.stalled(tp, _NEVER_STARTED, _NEVER_STARTED, end)

    def reset(self) -> None:
        """A rebalance or a refill: start watching afresh."""
        self._seen.clear()


_NEVER_STARTED = -1  # the position TailWatch records for a partition with none yet


@dataclass(frozen=True)
class Refill:
    """What to do for a stalled partition: acknowledge ``ack_from`` .. ``upto - 1`` (all
    processed by then), after reading and processing ``read_from`` .. ``upto - 1`` out of
    band when ``read_from`` is set."""

    ack_from: int
    read_from: int | None
    upto: int


# At most this many records are read out of band in one refill: a stall over a long
# backlog is then read a bounded batch per look, never the whole backlog into memory.
REFILL_MAX_RECORDS = 20_000


def refill_for(
    committed: int,
    expected: int,
    end: int,
    acknowledged: Collection[int],
    max_records: int = REFILL_MAX_RECORDS,
) -> Refill | None:
    """The refill of a stalled partition (see TailWatch), or None if nothing is missing
    (everything processed is acknowledged and nothing is left to read: then it is the
    commits themselves that fail, and they are retried anyway). Below ``expected`` every
    record was processed (the sequencer's invariant); only acknowledgements were lost.
    The read stops after ``max_records``; the next look goes on from there."""
    if end <= expected and all(o in acknowledged for o in range(committed, expected)):
        return None
    if end <= expected:
        return Refill(committed, None, expected)
    return Refill(committed, expected, min(end, expected + max(1, max_records)))
