"""Deliver each partition's records to the stages in offset order, without holes.

faust can hand a stream a partition's records with one missing (we measured it after
restarts and rebalances: the record is dropped inside faust and only fetched again if
something seeks back). Profiles skip every offset at or below the last one they applied,
so a record arriving *after* its successors would be taken for a replay and lost. The
sequencer notices the hole; the shell first reads the missing records out of band and
processes them in order (``filled``). Only if that fails does it hold later records back
(neither processed nor acknowledged) and rewind the partition to the missing offset; if
the rewind brings the same later record first again, the hole is real (transaction
markers, compaction) and the stream moves on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

TopicPartition = tuple[str, int]


class Admit(Enum):
    PROCESS = "process"  # in order, or an older record again (harmless: profiles skip it)
    HOLD = "hold"  # past a hole being refilled: do not process, do not acknowledge
    REWIND = "rewind"  # past a new hole: hold it, and seek the partition back


@dataclass
class OffsetSequencer:
    _next: dict[TopicPartition, int] = field(default_factory=dict)
    # partition -> (offset rewound to, first offset seen past the hole)
    _rewinding: dict[TopicPartition, tuple[int, int]] = field(default_factory=dict)
    holes_refilled: int = 0
    holes_accepted: int = 0

    def expected(self, tp: TopicPartition) -> int | None:
        return self._next.get(tp)

    def admit(self, tp: TopicPartition, offset: int, committed: int | None) -> Admit:
        """What to do with the record at ``offset``; ``committed`` is the partition's
        committed offset (next to read), used while nothing was delivered yet."""
        expected = self._next.get(tp)
        if expected is None and committed is not None:
            expected = self._next[tp] = committed
        if expected is None or offset == expected:
            self._next[tp] = offset + 1
            if self._rewinding.pop(tp, None) is not None:
                self.holes_refilled += 1
            return Admit.PROCESS
        if offset < expected:
            return Admit.PROCESS
        rewinding = self._rewinding.get(tp)
        if rewinding is not None and rewinding[0] == expected:
            if offset == rewinding[1]:  # the rewind found nothing in the hole: it is real
                del self._rewinding[tp]
                self._next[tp] = offset + 1
                self.holes_accepted += 1
                return Admit.PROCESS
            return Admit.HOLD
        self._rewinding[tp] = (expected, offset)
        return Admit.REWIND

    def filled(self, tp: TopicPartition, upto: int) -> None:
        """The hole before ``upto`` was filled out of band: ``upto`` is next."""
        self._next[tp] = upto
        self._rewinding.pop(tp, None)
        self.holes_refilled += 1

    def forget(self, tps: set[TopicPartition]) -> None:
        """Partitions revoked: their next owner starts from the committed offsets."""
        for tp in tps:
            self._next.pop(tp, None)
            self._rewinding.pop(tp, None)
