"""CheckedSender: what each record is stamped with, without a broker."""

from __future__ import annotations

from typing import Any

from streams.kafka.io import CheckedSender


class _Future:
    def add_errback(self, errback: Any) -> None:
        return None


class _Producer:
    def __init__(self) -> None:
        self.stamps: list[int | None] = []

    def send(self, topic: str, *, key: Any, value: bytes, timestamp_ms: int | None) -> _Future:
        self.stamps.append(timestamp_ms)
        return _Future()


def test_a_record_without_a_time_takes_the_previous_records_stamp() -> None:
    """Not the client's clock: in a file of last month's traffic that is weeks ahead of
    its neighbours. ``replay`` and ``produce`` (the demo's sender) both send this way."""
    producer = _Producer()
    sender = CheckedSender(producer, "api-calls")
    for stamp in (None, 1_000, None, 2_000, None, None, 3_000):
        sender.send(None, b"{}", stamp)
    assert producer.stamps == [None, 1_000, 1_000, 2_000, 2_000, 2_000, 3_000]
    assert sender.sent == 7
