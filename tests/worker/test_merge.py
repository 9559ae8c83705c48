"""The worker's time-ordered merge: a stage meets its partitions' records as the backtest
reads its file, oldest first, without losing or reordering any partition's own."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from streams.worker.merge import AHEAD_AT, StreamTimeOrder, TimeOrderedMerge

Partition = tuple[str, int]


def _merge(**kwargs: float) -> TimeOrderedMerge[Partition, str]:
    return TimeOrderedMerge(topic_of=lambda tp: tp[0], **kwargs)  # type: ignore[arg-type]


def _none_left(tp: Partition) -> bool:
    return False


partition_streams = st.lists(
    st.lists(st.integers(0, 10_000), max_size=30).map(sorted), min_size=1, max_size=4
)


@given(partition_streams, st.randoms(use_true_random=False))
def test_caught_up_partitions_come_out_in_time_order_and_whole(
    streams: list[list[int]], rng: random.Random
) -> None:
    """Whatever order the fetches interleave in, each record comes out once, each
    partition's records in offset order, and all of them by timestamp."""
    merge = _merge()
    pending = [
        [(("in", p), ts, f"{p}/{i}") for i, ts in enumerate(s)] for p, s in enumerate(streams)
    ]
    while any(pending):
        p = rng.choice([p for p, left in enumerate(pending) if left])
        tp, ts, item = pending[p].pop(0)
        merge.push(tp, ts, item)
    out = list(merge.release([("in", p) for p in range(len(streams))], _none_left, now=0.0))
    assert len(out) == sum(map(len, streams)) and len(merge) == 0
    for p in range(len(streams)):
        assert [item for tp, item in out if tp == ("in", p)] == [
            f"{p}/{i}" for i in range(len(streams[p]))
        ]
    times = [streams[int(item.split("/")[0])][int(item.split("/")[1])] for _, item in out]
    assert times == sorted(times)


@given(st.lists(st.lists(st.integers(0, 10_000), max_size=30), min_size=1, max_size=4))
def test_any_timestamps_come_out_whole_and_in_each_partitions_order(
    streams: list[list[int]],
) -> None:
    """Timestamps out of order within a partition (late events, strays): still every
    record once, each partition's in offset order, and a record never waits behind
    another partition's records that are later than it and everything queued behind it
    (a partition's rank: the earliest time it holds)."""
    merge = _merge()
    for p, s in enumerate(streams):
        for i, ts in enumerate(s):
            merge.push(("in", p), ts, f"{p}/{i}")
    # pushed per partition, released with every partition caught up
    out = [
        item
        for _, item in merge.release([("in", p) for p in range(len(streams))], _none_left, now=0.0)
    ]
    assert sorted(out) == sorted(f"{p}/{i}" for p, s in enumerate(streams) for i in range(len(s)))
    for p in range(len(streams)):
        assert [item for item in out if item.startswith(f"{p}/")] == [
            f"{p}/{i}" for i in range(len(streams[p]))
        ]
    for p, s in enumerate(streams):
        for i in range(len(s)):
            rank = min(s[i:])
            pos = out.index(f"{p}/{i}")
            for q, t in enumerate(streams):
                if q != p:
                    later = [j for j in range(len(t)) if min(t[j:]) > rank]
                    assert all(out.index(f"{q}/{j}") > pos for j in later)


def test_a_partition_with_records_still_on_the_broker_is_waited_for() -> None:
    """Partition 0 fetched hours ahead of partition 1: its records wait until partition
    1's catch up, then both come out interleaved by time."""
    merge = _merge()
    for ts in (100, 200, 300):
        merge.push(("in", 0), ts, f"a{ts}")
    behind = {("in", 1)}
    assigned = [("in", 0), ("in", 1)]
    assert list(merge.release(assigned, behind.__contains__, now=0.1)) == []
    merge.push(("in", 1), 150, "b150")
    merge.push(("in", 1), 250, "b250")
    # partition 1 may still have more: release stops when its buffer runs dry
    assert [i for _, i in merge.release(assigned, behind.__contains__, now=0.3)] == [
        "a100",
        "b150",
        "a200",
        "b250",
    ]
    behind.clear()  # partition 1 is caught up: nothing to wait for
    assert [i for _, i in merge.release(assigned, behind.__contains__, now=0.4)] == ["a300"]
    assert merge.released_waiting == 0


def test_nothing_waits_longer_than_the_hold_or_past_the_cap() -> None:
    """A partition that never delivers (paused, slow broker) costs order, not progress:
    the topic waits ``max_hold_s`` from when it got stuck, then lets records go."""
    stalled = {("in", 1)}.__contains__
    assigned = [("in", 0), ("in", 1)]
    merge = _merge(max_hold_s=1.0)
    merge.push(("in", 0), 100, "a")
    assert list(merge.release(assigned, stalled, now=5.0)) == []  # stuck from here
    assert list(merge.release(assigned, stalled, now=5.9)) == []
    assert list(merge.release(assigned, stalled, now=6.0)) == [(("in", 0), "a")]
    assert merge.released_waiting == 1

    capped = _merge(max_held=2)
    for ts in (1, 2, 3, 4):
        capped.push(("in", 0), ts, str(ts))
    assert [i for _, i in capped.release(assigned, stalled, now=0.0)] == ["1", "2"]
    assert len(capped) == 2


def test_a_stall_that_ended_does_not_shorten_the_next_one() -> None:
    """Partition 1 stalled and the hold let partition 0's record go; then partition 1
    delivers while partition 0's next records are in flight: a new stall, waited for in
    full (the old stall's start, kept, let the record go at once)."""
    assigned = [("in", 0), ("in", 1)]
    merge = _merge(max_hold_s=1.0)
    merge.push(("in", 0), 100, "a")
    p1_stalled, p0_in_flight = {("in", 1)}.__contains__, {("in", 0)}.__contains__
    assert list(merge.release(assigned, p1_stalled, now=0.0)) == []
    assert [i for _, i in merge.release(assigned, p1_stalled, now=1.0)] == ["a"]
    merge.push(("in", 1), 200, "b")
    assert list(merge.release(assigned, p0_in_flight, now=1.5)) == []
    assert [i for _, i in merge.release(assigned, p0_in_flight, now=2.5)] == ["b"]


def test_records_held_long_by_design_do_not_cut_the_next_wait_short() -> None:
    """Partition 0 ran ahead and its records have waited for seconds while partition 1
    caught up, in order. When partition 1 runs dry for one fetch's round trip, the topic
    waits for it: the hold is timed from the stall, not from partition 0's oldest record
    (timed from that, every such round trip let records go unmatched: 8,971 on the
    sleeper file)."""
    waiting = {("in", 1)}.__contains__
    assigned = [("in", 0), ("in", 1)]
    merge = _merge(max_hold_s=1.0)
    for ts in (1_000, 2_000, 3_000):
        merge.push(("in", 0), ts, f"a{ts}")  # fetched at clock 0
    for clock in range(10):  # partition 1 keeps delivering: ten seconds in order
        merge.push(("in", 1), clock, f"b{clock}")
        assert [i for _, i in merge.release(assigned, waiting, now=float(clock))] == [f"b{clock}"]
    assert list(merge.release(assigned, waiting, now=9.5)) == []  # one round trip
    merge.push(("in", 1), 1_500, "b1500")
    out = [i for _, i in merge.release(assigned, waiting, now=9.6)]
    assert out == ["a1000", "b1500"] and merge.released_waiting == 0


def test_topics_are_ordered_apart() -> None:
    """A stage's partitions wait only for each other: an internal topic with records
    on the broker does not hold the input topic back."""
    merge = _merge()
    merge.push(("in", 0), 500, "event")
    merge.push(("links", 0), 100, "link")
    links_behind = {("links", 1)}.__contains__
    out = list(merge.release([("in", 0), ("links", 0), ("links", 1)], links_behind, now=0.0))
    assert out == [(("in", 0), "event")]


def test_a_rebalance_drops_what_is_held() -> None:
    merge = _merge()
    merge.push(("in", 0), 1, "a")
    merge.push(("in", 1), 2, "b")
    assert merge.clear() == 2 and len(merge) == 0
    assert list(merge.release([("in", 0)], _none_left, now=0.0)) == []


def test_records_without_a_time_are_not_held_behind_others() -> None:
    merge = _merge()
    merge.push(("in", 0), 50, "timed")
    merge.push(("in", 1), None, "untimed")
    out = [i for _, i in merge.release([("in", 0), ("in", 1)], _none_left, now=0.0)]
    assert out == ["untimed", "timed"]


def test_a_record_without_a_time_does_not_pull_the_records_before_it_forward() -> None:
    """Partition 0 holds 500, then an untimed record: partition 1's 100 still goes first
    (as -1, the untimed record would rank its partition before everything)."""
    merge = _merge()
    merge.push(("in", 0), 500, "a500")
    merge.push(("in", 0), None, "untimed")
    merge.push(("in", 1), 100, "b100")
    out = [i for _, i in merge.release([("in", 0), ("in", 1)], _none_left, now=0.0)]
    assert out == ["b100", "a500", "untimed"]


def test_stream_time_order_counts_records_well_behind_their_stage() -> None:
    order = StreamTimeOrder(tolerance_ms=60_000)
    for ts in (0, 120_000, 90_000, 30_000, None, 200_000):
        order.observe("accounts", ts)
    order.observe("links", 10)  # stages keep their own stream time
    assert order.behind == {"accounts": 1}
    assert {stage: clock.now_ms for stage, clock in order.clocks.items()} == {
        "accounts": 200_000,
        "links": 10,
    }


def test_one_record_stamped_far_ahead_does_not_make_the_rest_count_as_behind() -> None:
    """A record the producer stamped with its wall clock in a replay of last month: the
    records after it are in order, and are not counted (they were, all of them)."""
    order = StreamTimeOrder(tolerance_ms=60_000)
    day = 86_400_000
    for ts in (0, 30_000, 20 * day, 60_000, 90_000, 120_000):
        order.observe("accounts", ts)
    assert order.behind == {}


def test_a_record_stamped_far_ahead_does_not_hold_its_partition_back() -> None:
    """Partition 0's head was stamped days ahead (an unparseable line that ``replay``
    left to the client's clock): its partition is ranked by the records behind it, so
    both partitions still come out interleaved by time (before, every record of
    partition 1 went first, then partition 0's)."""
    merge = _merge()
    day = 86_400_000
    for ts, item in ((20 * day, "stray"), (100, "a100"), (300, "a300")):
        merge.push(("in", 0), ts, item)
    for ts in (200, 400):
        merge.push(("in", 1), ts, f"b{ts}")
    out = [i for _, i in merge.release([("in", 0), ("in", 1)], _none_left, now=0.0)]
    assert out == ["stray", "a100", "b200", "a300", "b400"]


def test_a_partition_that_runs_ahead_is_named_for_the_fetch_to_leave_out() -> None:
    """Without this the client keeps fetching the partition that is ahead, the hold
    fills, and its records go out of order (measured on a 3-partition replay: a third
    of the records released by count, before the fetch left it out)."""
    merge = _merge()
    for i in range(AHEAD_AT):
        merge.push(("in", 0), 1_000 + i, "ahead")
    merge.push(("in", 1), 10, "behind")
    assert merge.ahead() == {("in", 0)}
    assert merge.holds(("in", 0)) and merge.holds(("in", 1)) and not merge.holds(("in", 2))
    waiting = {("in", 1)}.__contains__
    out = list(merge.release([("in", 0), ("in", 1)], waiting, now=0.0))
    assert out == [(("in", 1), "behind")]  # the rest waits for partition 1's next records
    assert merge.ahead() == {("in", 0)}


def test_each_partition_is_asked_once_per_release_not_once_per_record() -> None:
    merge = _merge()
    for ts in range(100):
        merge.push(("in", 0), ts, str(ts))
    asked: list[Partition] = []

    def caught_up(tp: Partition) -> bool:
        asked.append(tp)
        return False

    out = list(merge.release([("in", 0), ("in", 1), ("in", 2)], caught_up, now=0.0))
    assert len(out) == 100
    # the empty partitions, then partition 0 once drained: each once, not per record
    assert sorted(asked) == [("in", 0), ("in", 1), ("in", 2)]
