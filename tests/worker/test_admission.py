"""Admission: a partition's head is never passed over, even before the first commit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from streams.worker.admission import Admission, Refill, TailWatch, refill_for


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    generation: int = 1

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


@dataclass
class Partition:
    """One partition's log and the stage's bookkeeping around admission."""

    log_start: int = 0
    end: int = 10
    committed: int | None = None  # what faust reports (None for "none" and for 0)
    processed: list[int] = field(default_factory=list)
    seeks: list[int] = field(default_factory=list)
    log_start_fails: bool = False
    rebalanced: bool = False  # a rebalance overtakes the first lookup of the log start

    def admission(self, *, readable: bool = True) -> Admission:
        generation = [1]

        async def log_start(tp: Any) -> int | None:
            if self.log_start_fails:
                raise ConnectionError("broker gone")
            if self.rebalanced:
                generation[0] += 1
            return self.log_start

        async def fill_hole(message: Any, expected: int, handle: Any) -> bool:
            if not readable:
                return False
            for offset in range(expected, message.offset):
                handle(offset)
            return True

        async def seek(tp: Any, offset: int) -> None:
            self.seeks.append(offset)

        return Admission(
            committed=lambda tp: self.committed,
            log_start=log_start,
            fill_hole=fill_hole,
            seek=seek,
            current=lambda message: message.generation == generation[0],
        )

    def deliver(self, admission: Admission, offsets: list[int]) -> None:
        async def run() -> None:
            for offset in offsets:
                if await admission.admitted(Message("api-calls", 0, offset), self.processed.append):
                    self.processed.append(offset)

        asyncio.run(run())


def test_records_in_order_from_the_log_start_are_processed() -> None:
    part = Partition()
    part.deliver(part.admission(), list(range(10)))
    assert part.processed == list(range(10))


def test_a_head_dropped_before_the_first_commit_is_read_before_going_on() -> None:
    """Nothing committed yet and faust delivers from offset 3 (0 to 2 were fetched under
    an older generation and skipped): they are read out of band, in order, first."""
    part = Partition()
    part.deliver(part.admission(), list(range(3, 10)))
    assert part.processed == list(range(10))


def test_a_dropped_head_is_rewound_to_when_it_cannot_be_read() -> None:
    part = Partition()
    admission = part.admission(readable=False)
    part.deliver(admission, [3, 4])
    assert part.processed == [] and part.seeks == [0]
    assert ("api-calls", 0, 3) in admission.held  # held back: never acknowledged
    part.deliver(admission, list(range(10)))  # the rewind delivers from the head
    assert part.processed == list(range(10))


def test_a_log_whose_head_was_deleted_starts_at_its_first_offset() -> None:
    part = Partition(log_start=40)
    part.deliver(part.admission(), list(range(40, 45)))
    assert part.processed == list(range(40, 45)) and part.seeks == []


def test_a_known_committed_offset_is_the_start() -> None:
    part = Partition(committed=6)
    part.deliver(part.admission(), [7, 8])
    assert part.processed == [6, 7, 8]


def test_without_a_log_start_the_first_delivered_record_is_the_start() -> None:
    """A failed lookup does not stop the stage: it falls back to the old behaviour."""
    part = Partition(log_start_fails=True)
    part.deliver(part.admission(), [3, 4, 5])
    assert part.processed == [3, 4, 5]


def test_a_revoked_partition_starts_again_from_its_log_start() -> None:
    part = Partition()
    admission = part.admission()
    part.deliver(admission, [0, 1, 2])
    admission.forget({("api-calls", 0)})
    part.processed.clear()
    part.deliver(admission, [5, 6])  # reassigned, still nothing committed
    assert part.processed == [0, 1, 2, 3, 4, 5, 6]  # 0..2 again: profiles skip them


def test_a_record_overtaken_by_a_rebalance_while_looking_up_the_start_waits() -> None:
    """Its acknowledgement would be refused (older generation): processing it now could
    touch a partition that is no longer ours; it is delivered again after the seek."""
    part = Partition(rebalanced=True)
    part.deliver(part.admission(), [0])
    assert part.processed == []


def test_a_partition_whose_known_tail_never_arrives_is_stalled_on_the_second_look() -> None:
    watch = TailWatch()
    tp = ("links", 0)
    assert not watch.stalled(tp, committed=31, expected=31, end=39)  # maybe on its way
    assert watch.stalled(tp, committed=31, expected=31, end=39)  # nothing moved since


def test_a_partition_processed_to_its_end_but_never_committed_is_stalled() -> None:
    """Its records were processed, their acknowledgement refused, and nothing is coming."""
    watch = TailWatch()
    tp = ("api-calls", 0)
    assert not watch.stalled(tp, committed=6094, expected=10400, end=10400)
    assert watch.stalled(tp, committed=6094, expected=10400, end=10400)


def test_a_partition_taken_over_but_never_fetched_is_stalled_on_the_second_look() -> None:
    """api-calls[2] after its worker was killed before a first commit: the survivor got it
    (log end 7000), faust reported no committed offset and delivered nothing, ever."""
    watch = TailWatch()
    tp = ("api-calls", 2)
    assert not watch.never_started(tp, end=7000)  # maybe still on its way
    assert watch.never_started(tp, end=7000)  # nothing arrived since
    # where it then starts: the log start (0 here), read to the end
    assert refill_for(0, 0, 7000, acknowledged=set()) == Refill(0, 0, 7000)


def test_an_empty_partition_without_a_position_is_not_stalled() -> None:
    watch = TailWatch()
    tp = ("feedback", 0)
    assert not watch.never_started(tp, end=0)
    assert not watch.never_started(tp, end=0)


def test_a_partition_that_moves_or_is_caught_up_is_not_stalled() -> None:
    watch = TailWatch()
    tp = ("api-calls", 1)
    assert not watch.stalled(tp, committed=90, expected=100, end=900)
    assert not watch.stalled(tp, committed=90, expected=450, end=1200)  # processing
    assert not watch.stalled(tp, committed=450, expected=450, end=1200)  # committing
    assert not watch.stalled(tp, committed=1200, expected=1200, end=1200)  # caught up
    assert not watch.stalled(tp, committed=1200, expected=1200, end=1200)
    watch.reset()
    assert not watch.stalled(tp, committed=1200, expected=1200, end=1300)


def test_a_stalled_tail_is_read_and_everything_up_to_it_acknowledged() -> None:
    """links[0] after a rejoin: committed 31, nothing delivered, log end 39."""
    assert refill_for(31, 31, 39, acknowledged=set()) == Refill(31, 31, 39)


def test_a_stall_over_a_long_backlog_is_read_a_bounded_batch_at_a_time() -> None:
    """Never the whole backlog into memory at once: the next look goes on from there."""
    assert refill_for(0, 0, 5_000_000, acknowledged=set(), max_records=20_000) == Refill(
        0, 0, 20_000
    )
    assert refill_for(20_000, 20_000, 5_000_000, set(), max_records=20_000) == Refill(
        20_000, 20_000, 40_000
    )


def test_processed_records_whose_acknowledgement_was_lost_are_acknowledged() -> None:
    """api-calls[0]: committed 6094, processed to the end 10400, acked only from 6101."""
    acked = set(range(6101, 10400))
    assert refill_for(6094, 10400, 10400, acked) == Refill(6094, None, 10400)


def test_nothing_is_refilled_when_everything_processed_is_acknowledged() -> None:
    """Then only the commits fail (a broker away); they are retried on their own."""
    assert refill_for(500, 600, 600, acknowledged=set(range(500, 600))) is None
