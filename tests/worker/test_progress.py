"""The progress line tells a stalled partition from an idle one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from streams.worker.progress import partition_progress, progress
from streams.worker.sequence import OffsetSequencer


@dataclass(frozen=True)
class TP:
    topic: str
    partition: int


@dataclass
class Consumer:
    ends: dict[TP, int]
    _committed_offset: dict[TP, int | None] = field(default_factory=dict)
    _acked: dict[TP, list[int]] = field(default_factory=dict)
    _paused_partitions: set[TP] = field(default_factory=set)
    _commit_fut: Any = None

    def assignment(self) -> set[TP]:
        return set(self.ends)

    def highwater(self, tp: TP) -> int:
        return self.ends[tp]


def test_a_partition_whose_acks_wait_past_a_missing_head_shows_it() -> None:
    calls, links = TP("api-calls", 0), TP("links", 1)
    consumer = Consumer(
        ends={calls: 900, links: 40},
        _committed_offset={calls: 500},
        _acked={calls: [502, 503, 504]},  # 500 and 501 never acknowledged
        _paused_partitions={links},
    )
    sequencer = OffsetSequencer()
    for offset in range(500, 505):
        sequencer.admit(("api-calls", 0), offset, 500)
    report = partition_progress(consumer, sequencer)
    assert report["api-calls[0]"] == {
        "end": 900,
        "committed": 500,
        "expected": 505,
        "acked": 3,
        "acked_min": 502,
        "paused": False,
    }
    assert report["links[1]"]["paused"] and report["links[1]"]["committed"] is None


def test_the_progress_record_is_one_json_object() -> None:
    class FlowControl:
        def is_active(self) -> bool:
            return True

    class App:
        consumer = Consumer(ends={TP("api-calls", 0): 10})
        flow_control = FlowControl()
        rebalancing = False

    stats = {"events": 10, "link_updates": 12, "evidence": 3, "checkpoints": 2}
    record = progress(App(), stats, OffsetSequencer(), held=0, pending_sends=4)
    decoded = orjson.loads(orjson.dumps(record))
    assert decoded["events"] == 10 and decoded["pending_sends"] == 4
    assert decoded["committing"] is False and decoded["flow_active"] is True
    assert decoded["partitions"]["api-calls[0]"]["end"] == 10
