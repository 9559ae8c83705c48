"""A partition's event-time "now" that one bad timestamp cannot throw forward.

Stores expire state by event time (idle profiles, old keys). If the clock were simply the
highest event time seen, one record stamped 9999-12-31 (a gateway with a broken clock,
a corrupt replay) would make every other profile look idle for millennia and drop them
all. So the clock follows event time freely in small steps, and takes a jump further
ahead (or back) only when ``confirmations`` events in a row agree that time really moved
(traffic resuming after an idle night does; one stray record does not).
"""

from __future__ import annotations

HOUR_MS = 3_600_000
MAX_STEP_MS = 6 * HOUR_MS  # a move this far ahead needs no confirmation
CONFIRMATIONS = 16  # consecutive far-ahead events that confirm a jump


class EventClock:
    __slots__ = ("_runs", "confirmations", "max_step_ms", "now_ms")

    def __init__(self, max_step_ms: int = MAX_STEP_MS, confirmations: int = CONFIRMATIONS) -> None:
        self.now_ms: int | None = None  # None until the first event
        self.max_step_ms = max_step_ms
        self.confirmations = confirmations
        self._runs: list[int] = []  # consecutive event times far from the clock, one side

    def observe(self, ts_ms: int) -> int:
        """Note an event time; return the clock."""
        now = self.now_ms
        if now is None or now <= ts_ms <= now + self.max_step_ms:
            self.now_ms = ts_ms
            self._runs.clear()
            return ts_ms
        if now - self.max_step_ms <= ts_ms < now:
            self._runs.clear()  # a little late: in order as far as the clock goes
            return now
        # Far from the clock: a stray record, or time really moved (traffic resuming after
        # a quiet spell; or the clock itself came from a stray first record). Move only
        # once enough consecutive events agree, to the most conservative of their times.
        run = self._runs
        if run and (run[-1] > now) != (ts_ms > now):
            run.clear()
        run.append(ts_ms)
        if len(run) >= self.confirmations:
            now = self.now_ms = min(run) if ts_ms > now else max(run)
            run.clear()
        return now
