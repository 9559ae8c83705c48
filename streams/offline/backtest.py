"""Backtest: the worker's own processing code, in process, over a file or a topic.

Runs ``WorkerRuntime`` (parse, per-partition detectors, alert building) exactly as the
live worker does, with in-memory sinks instead of Kafka, so the same input gives the same
alerts. Optional observers record what the evaluation and threshold tuning need.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import orjson

from streams.core.pipeline import PipelineParams
from streams.offline.evaluation import Tally
from streams.offline.progress import Progress
from streams.offline.sources import OfflineRecord
from streams.worker.runtime import TABLES, Headers, SourceRecord, WorkerRuntime


@dataclass
class ScoreRecorder:
    """Per account, the event times at which its detection statistic reached new highs.

    Enough to replay any threshold afterwards: an account is flagged at threshold T at
    the first recorded point >= T. Points closer than ``resolution`` (relative) to the
    previous high are skipped, which bounds memory without moving any threshold by more
    than that.
    """

    resolution: float = 0.005
    points: dict[str, list[tuple[int, float]]] = field(default_factory=dict)

    def __call__(self, account_id: str, ts_ms: int, statistic: float) -> None:
        if statistic <= 0:
            return
        history = self.points.get(account_id)
        if history is None:
            self.points[account_id] = [(ts_ms, statistic)]
        elif statistic > history[-1][1] * (1 + self.resolution):
            history.append((ts_ms, statistic))

    def first_reached(self, threshold: float) -> dict[str, int]:
        """Account -> event time its statistic first reached ``threshold``."""
        first: dict[str, int] = {}
        for account, history in self.points.items():
            if history[-1][1] < threshold:
                continue
            first[account] = next(ts for ts, value in history if value >= threshold)
        return first

    def maxima(self) -> list[float]:
        return [history[-1][1] for history in self.points.values()]


@dataclass
class BacktestResult:
    records: int
    events: int
    dead_letters: dict[str, int]
    alerts: list[dict[str, Any]]
    seconds: float
    tracked_accounts: int

    @property
    def events_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    @property
    def flagged_accounts(self) -> set[str]:
        return {a for alert in self.alerts for a in alert["account_ids"]}


def run_backtest(
    records: Iterable[OfflineRecord],
    params: PipelineParams,
    *,
    max_record_bytes: int,
    source_topic: str = "api-calls",
    tally: Tally | None = None,
    recorder: ScoreRecorder | None = None,
    alerts_out: IO[bytes] | None = None,
    ocsf_out: IO[bytes] | None = None,
    progress: Progress | None = None,
    feedback: Sequence[tuple[int, bytes]] = (),
    partitions: int = 1,
) -> BacktestResult:
    """Process ``records`` in order; return alerts and counts.

    ``feedback``: analysts' verdicts as (event time, ``feedback`` record), each applied
    just before the first record at or after its time (records without a time do not
    move it); ``partitions``: the input's partition count, which decides the partition
    that owns an account's verdict, as live.
    """
    alerts: list[dict[str, Any]] = []

    def send_alert(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        alerts.append(orjson.loads(value))
        if alerts_out is not None:
            alerts_out.write(value + b"\n")

    def send_ocsf(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        if ocsf_out is not None:
            ocsf_out.write(value + b"\n")

    def discard_dead_letter(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        return None  # counted by the runtime; offline there is no dead-letter topic

    def discard_changelog(table: str, partition: int, key: bytes, value: bytes | None) -> None:
        return None

    observer = _fan_out(tally, recorder)
    runtime = WorkerRuntime(
        params,
        max_record_bytes=max_record_bytes,
        send_alert=send_alert,
        send_dead_letter=discard_dead_letter,
        send_changelog=discard_changelog,
        states={table: {} for table in TABLES},
        observer=observer,
        send_ocsf=send_ocsf if ocsf_out is not None else None,
        link_partitions=partitions,
    )
    verdicts = sorted(feedback, key=lambda v: v[0])
    next_verdict = 0
    worker_log = logging.getLogger("distillguard.worker")
    previous_level = worker_log.level
    worker_log.setLevel(logging.ERROR)  # one warning per dead letter is for live operators
    started = time.perf_counter()
    count = 0
    try:
        for record in records:
            ts = record.ts_ms
            while (
                next_verdict < len(verdicts) and ts is not None and verdicts[next_verdict][0] <= ts
            ):
                runtime.handle_feedback(
                    SourceRecord("feedback", 0, next_verdict, verdicts[next_verdict][1])
                )
                next_verdict += 1
            runtime.handle(
                SourceRecord(source_topic, record.partition, record.offset, record.value)
            )
            count += 1
            if progress is not None and not count % 4096:
                progress.update(count)
        runtime.flush()
    finally:
        worker_log.setLevel(previous_level)
        if progress is not None:
            progress.update(count)
            progress.close()
    seconds = time.perf_counter() - started
    stats = runtime.stats()
    return BacktestResult(
        records=count,
        events=stats["events"],
        dead_letters=dict(runtime.counters.dead_letter_reasons),
        alerts=alerts,
        seconds=seconds,
        tracked_accounts=stats["tracked_accounts"],
    )


def _fan_out(
    tally: Tally | None, recorder: ScoreRecorder | None
) -> Callable[[str, int, float], None] | None:
    if tally is None and recorder is None:
        return None
    if recorder is None:
        assert tally is not None
        observe = tally.observe
        return lambda account, ts, _statistic: observe(account, ts)
    if tally is None:
        return recorder

    def both(account: str, ts: int, statistic: float) -> None:
        tally.observe(account, ts)
        recorder(account, ts, statistic)

    return both
