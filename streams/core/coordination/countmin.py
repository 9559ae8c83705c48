"""Count-min sketch (conservative update, decay) and the MIDAS-R burst score.

The links stage needs "how often was this (key, account) edge seen" for millions of edges
in fixed memory. A count-min sketch never underestimates; with ``width = ceil(e / eps)``
and ``depth = ceil(ln(1 / delta))`` an estimate exceeds the truth by more than
``eps * total`` with probability at most ``delta`` (Cormode & Muthukrishnan 2005).
Conservative update (raise only the cells that are below the new minimum) keeps that
guarantee and cuts the overestimate a lot on skewed streams.

Rows are indexed by one salted blake2b digest (4 bytes a row), not Python's salted
``hash``, so a sketch restored from a checkpoint keeps counting in the same cells.

``decay`` multiplies every cell, which is what MIDAS-R (Bhatia et al., AAAI 2020) does
to its "current tick" counts instead of resetting them; ``MidasR`` packages that.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Mapping
from hashlib import blake2b
from typing import Any

MAX_DEPTH = 16  # 16 rows x 4 bytes = blake2b's 64-byte digest limit
MAX_WIDTH = 1 << 24  # keeps the modulo bias of a 32-bit hash below 0.4%


class CountMinSketch:
    """A ``depth x width`` grid of float counters (8 bytes a cell)."""

    __slots__ = ("_cells", "_offsets", "_salt", "_unpack", "depth", "seed", "total", "width")

    def __init__(self, width: int, depth: int, seed: int = 0) -> None:
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"width must be in [1, {MAX_WIDTH}]")
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be in [1, {MAX_DEPTH}]")
        if not 0 <= seed < 1 << 128:
            raise ValueError("seed must fit in 16 unsigned bytes")
        self.width = width
        self.depth = depth
        self.seed = seed
        self.total = 0.0  # sum of everything added (decayed alongside the cells)
        self._cells = array("d", bytes(8 * width * depth))
        self._salt = seed.to_bytes(16, "little")
        self._unpack = struct.Struct(f"<{depth}I").unpack
        self._offsets = range(0, width * depth, width)  # first cell of each row

    @classmethod
    def for_error(cls, epsilon: float, delta: float, seed: int = 0) -> CountMinSketch:
        """Sized so that P(estimate > true + epsilon * total) <= delta."""
        if not (0 < epsilon < 1 and 0 < delta < 1):
            raise ValueError("epsilon and delta must be in (0, 1)")
        return cls(math.ceil(math.e / epsilon), math.ceil(math.log(1 / delta)), seed)

    def _slots(self, key: str) -> list[int]:
        digest = blake2b(
            key.encode("utf-8", "surrogatepass"), digest_size=4 * self.depth, salt=self._salt
        ).digest()
        width = self.width
        hashes = self._unpack(digest)
        return [offset + h % width for offset, h in zip(self._offsets, hashes, strict=True)]

    def add(self, key: str, count: float = 1) -> float:
        """Count ``key`` ``count`` more times; returns its new estimate (saves a rehash)."""
        if count < 0:
            raise ValueError("conservative update needs count >= 0")
        cells = self._cells
        slots = self._slots(key)
        values = [cells[i] for i in slots]
        target = min(values) + count
        for i, v in zip(slots, values, strict=True):
            if v < target:
                cells[i] = target
        self.total += count
        return target

    def value(self, key: str) -> float:
        """The (possibly decayed, fractional) estimate: never below the true value."""
        cells = self._cells
        return min([cells[i] for i in self._slots(key)])

    def estimate(self, key: str) -> int:
        """Integer estimate, rounded up so it still never underestimates."""
        return math.ceil(self.value(key))

    def decay(self, factor: float) -> None:
        """Multiply every counter by ``factor`` in [0, 1] (exponential forgetting)."""
        if not 0 <= factor <= 1:
            raise ValueError("factor must be in [0, 1]")
        if factor == 1:
            return
        self._cells = array("d", [c * factor for c in self._cells])
        self.total *= factor

    def clear(self) -> None:
        self._cells = array("d", bytes(8 * self.width * self.depth))
        self.total = 0.0

    def nbytes(self) -> int:
        return self._cells.itemsize * len(self._cells)

    def to_state(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "depth": self.depth,
            "seed": self.seed,
            "total": self.total,
            "cells": self._cells.tolist(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> CountMinSketch:
        sketch = cls(int(state["width"]), int(state["depth"]), int(state["seed"]))
        cells = array("d", [float(c) for c in state["cells"]])
        if len(cells) != sketch.width * sketch.depth:
            raise ValueError("cell count does not match width x depth")
        sketch._cells = cells
        sketch.total = float(state["total"])
        return sketch


def midas_score(current: float, total: float, t: float) -> float:
    """MIDAS chi-squared burst score of a key seen ``current`` times this tick, ``total``
    times over ``t`` ticks: ``(current - total / t)^2 * t^2 / (total * (t - 1))``.

    Large when this tick's count is far above the key's mean per tick. Zero when there is
    no history to compare with (``total == 0`` or ``t <= 1``).

    >>> midas_score(10, 10, 10) > midas_score(1, 10, 10)
    True
    """
    if total <= 0 or t <= 1:
        return 0.0
    return ((current - total / t) * t) ** 2 / (total * (t - 1))


class MidasR:
    """MIDAS-R edge-burst scorer over event-time ticks of ``tick_ms``.

    Two count-min sketches: a decayed "current" one and a never-reset "total" one. On
    each new tick the current counts are multiplied by ``factor`` per elapsed tick.
    Events from an earlier tick than the newest are counted in the newest tick (the
    sketch cannot go back in time). Only the edge score is kept: the node scores of the
    paper are the same call on the node keys.
    """

    __slots__ = ("current", "factor", "first_tick", "tick", "tick_ms", "total")

    def __init__(
        self, width: int, depth: int, tick_ms: int, factor: float = 0.5, seed: int = 0
    ) -> None:
        if tick_ms <= 0:
            raise ValueError("tick_ms must be > 0")
        if not 0 <= factor <= 1:
            raise ValueError("factor must be in [0, 1]")
        self.tick_ms = tick_ms
        self.factor = factor
        self.current = CountMinSketch(width, depth, seed)
        self.total = CountMinSketch(width, depth, seed)
        self.first_tick: int | None = None
        self.tick = 0

    def observe(self, key: str, ts_ms: int, count: float = 1) -> float:
        """Count ``key`` at event time ``ts_ms``; returns its burst score."""
        tick = ts_ms // self.tick_ms
        if self.first_tick is None:
            self.first_tick = self.tick = tick
        elif tick > self.tick:
            self.current.decay(self.factor ** (tick - self.tick))
            self.tick = tick
        a = self.current.add(key, count)
        s = self.total.add(key, count)
        return midas_score(a, s, self.tick - self.first_tick + 1)

    def to_state(self) -> dict[str, Any]:
        return {
            "tick_ms": self.tick_ms,
            "factor": self.factor,
            "first_tick": self.first_tick,
            "tick": self.tick,
            "current": self.current.to_state(),
            "total": self.total.to_state(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> MidasR:
        current = CountMinSketch.from_state(state["current"])
        scorer = cls(current.width, current.depth, int(state["tick_ms"]), float(state["factor"]))
        scorer.current = current
        scorer.total = CountMinSketch.from_state(state["total"])
        first = state["first_tick"]
        scorer.first_tick = None if first is None else int(first)
        scorer.tick = int(state["tick"])
        return scorer
