"""Sliding event-time counters in a fixed ring of buckets per window.

A profile needs "how much in the last 5 minutes / hour / day" for a handful of metrics,
for hundreds of thousands of accounts. Each window is a ring of ``BUCKETS`` tumbling
buckets, all metrics of all windows in one flat ``array('q')``: about 0.5 KB per account,
O(1) per event, exact to one bucket width (a window sum covers between (B-1)/B and all
of the window).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

BUCKETS = 6
WINDOWS_S: tuple[int, ...] = (300, 3600, 86400)
METRICS: tuple[str, ...] = ("requests", "input_tokens", "output_tokens")
_N_METRICS = len(METRICS)
_STRIDE = BUCKETS * _N_METRICS  # slots per window
_WIDTHS_MS: tuple[int, ...] = tuple(w * 1000 // BUCKETS for w in WINDOWS_S)
_EMPTY_WINDOW = array("q", bytes(8 * _STRIDE))


class WindowedCounters:
    """Per-window, per-metric sums over a sliding event-time window."""

    __slots__ = ("_head", "_slots")

    def __init__(self) -> None:
        self._slots = array("q", bytes(8 * len(WINDOWS_S) * _STRIDE))
        # Bucket index (ts // width) of the newest bucket of each window; -1 = empty.
        self._head = [-1] * len(WINDOWS_S)

    def add(self, ts_ms: int, values: Sequence[int]) -> None:
        """Count ``values`` (one per metric, in ``METRICS`` order) at event time ``ts_ms``.

        Late events still inside a window land in their own bucket; older ones are
        ignored by that window (they are history, not rate). Unrolled for the three
        metrics: this runs once per event for every tracked account.
        """
        slots = self._slots
        head = self._head
        v0, v1, v2 = values
        for w, width_ms in enumerate(_WIDTHS_MS):
            index = ts_ms // width_ms
            newest = head[w]
            base = w * _STRIDE
            if index > newest:
                if index - newest >= BUCKETS:
                    slots[base : base + _STRIDE] = _EMPTY_WINDOW
                else:  # clear the buckets the window slides over
                    for skipped in range(newest + 1, index + 1):
                        off = base + (skipped % BUCKETS) * _N_METRICS
                        slots[off] = slots[off + 1] = slots[off + 2] = 0
                head[w] = index
            elif index <= newest - BUCKETS:
                continue
            off = base + (index % BUCKETS) * _N_METRICS
            slots[off] += v0
            slots[off + 1] += v1
            slots[off + 2] += v2

    def total(self, window_s: int, metric: str, now_ms: int) -> int:
        """Sum of ``metric`` over the window ending at event time ``now_ms``."""
        w = WINDOWS_S.index(window_s)
        m = METRICS.index(metric)
        index_now = now_ms // (window_s * 1000 // BUCKETS)
        newest = self._head[w]
        base = w * _STRIDE
        total = 0
        for index in range(max(newest - BUCKETS + 1, index_now - BUCKETS + 1), newest + 1):
            if index <= index_now:
                total += self._slots[base + (index % BUCKETS) * _N_METRICS + m]
        return total

    def to_state(self) -> list[object]:
        return [list(self._head), self._slots.tolist()]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> WindowedCounters:
        head, slots = state
        counters = cls()
        counters._head = [int(h) for h in head]
        counters._slots = array("q", slots)
        return counters
