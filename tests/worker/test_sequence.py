"""The offset sequencer: a hole in a partition's delivery is refilled, never skipped."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.worker.sequence import Admit, OffsetSequencer

TP = ("api-calls", 1)


def test_in_order_records_are_processed() -> None:
    seq = OffsetSequencer()
    assert [seq.admit(TP, o, committed=128) for o in (128, 129, 130)] == [Admit.PROCESS] * 3
    assert seq.expected(TP) == 131


def test_a_hole_at_the_committed_head_rewinds_to_it() -> None:
    """The measured faust failure: after a restart, delivery starts one past the
    committed offset; the record at the head must be fetched, not passed over."""
    seq = OffsetSequencer()
    assert seq.admit(TP, 129, committed=128) is Admit.REWIND
    assert seq.expected(TP) == 128
    assert seq.admit(TP, 130, committed=128) is Admit.HOLD  # buffered before the seek
    assert seq.admit(TP, 128, committed=128) is Admit.PROCESS  # the rewind delivers it
    assert seq.admit(TP, 129, committed=128) is Admit.PROCESS
    assert seq.holes_refilled == 1


def test_a_hole_mid_stream_holds_later_records_until_refilled() -> None:
    seq = OffsetSequencer()
    for offset in range(128, 163):
        assert seq.admit(TP, offset, None) is Admit.PROCESS
    assert seq.admit(TP, 164, None) is Admit.REWIND  # 163 went missing
    assert [seq.admit(TP, o, None) for o in (165, 166)] == [Admit.HOLD, Admit.HOLD]
    assert [seq.admit(TP, o, None) for o in (163, 164, 165)] == [Admit.PROCESS] * 3


def test_a_real_hole_is_accepted_after_one_rewind() -> None:
    """Transaction markers take offsets no record fills: the rewind brings the same
    record first again, and the stream moves on instead of looping."""
    seq = OffsetSequencer()
    assert seq.admit(TP, 10, None) is Admit.PROCESS
    assert seq.admit(TP, 12, None) is Admit.REWIND
    assert seq.admit(TP, 12, None) is Admit.PROCESS
    assert seq.admit(TP, 13, None) is Admit.PROCESS
    assert seq.holes_accepted == 1


def test_older_records_pass_through_for_the_profiles_to_skip() -> None:
    seq = OffsetSequencer()
    for offset in (5, 6, 7):
        seq.admit(TP, offset, None)
    assert seq.admit(TP, 3, None) is Admit.PROCESS  # a replay after a seek back
    assert seq.expected(TP) == 8


def test_forgotten_partitions_start_again_from_the_committed_offset() -> None:
    seq = OffsetSequencer()
    seq.admit(TP, 50, None)
    seq.forget({TP})
    assert seq.expected(TP) is None
    assert seq.admit(TP, 40, committed=40) is Admit.PROCESS


@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=80))
def test_every_offset_below_the_expected_one_was_processed_or_was_never_there(
    deliveries: list[int],
) -> None:
    """Whatever order faust delivers in, the sequencer's next expected offset only moves
    past an offset after that offset was processed, or after a rewind proved it absent."""
    seq = OffsetSequencer()
    processed: set[int] = set()
    accepted_holes: set[int] = set()
    for offset in deliveries:
        before = seq.expected(TP)
        verdict = seq.admit(TP, offset, committed=0)
        if verdict is Admit.PROCESS:
            processed.add(offset)
            if before is not None and offset > before:
                accepted_holes.update(range(before, offset))
    expected = seq.expected(TP)
    if expected is not None:
        assert set(range(expected)) <= processed | accepted_holes


def test_a_hole_filled_out_of_band_lets_the_stream_go_on() -> None:
    seq = OffsetSequencer()
    tp = ("api-calls", 0)
    assert seq.admit(tp, 929, None) is Admit.PROCESS  # nothing known: takes it as next
    seq.forget({tp})
    assert seq.admit(tp, 930, 929) is Admit.REWIND  # 929 missing after a takeover
    seq.filled(tp, 930)  # the shell read 929 itself
    assert seq.admit(tp, 930, 929) is Admit.PROCESS
    assert seq.admit(tp, 931, 929) is Admit.PROCESS
    assert seq.holes_refilled == 1
    assert seq.admit(tp, 929, 929) is Admit.PROCESS  # faust delivering it late: harmless
