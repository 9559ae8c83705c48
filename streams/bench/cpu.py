"""Where a drain's cores went: CPU seconds of the broker, each worker and the bench.

Linux ``/proc/<pid>/stat`` gives a process's user and system time, all its threads
included (the broker's JVM too). The figure that tells whether a second worker can
help on a machine is how many cores the one-worker run already kept busy.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far; None if it is gone or unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat_cpu_seconds(stat)


def stat_cpu_seconds(stat: str) -> float:
    """utime + stime of a ``/proc/<pid>/stat`` line, in seconds."""
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def own_cpu_seconds() -> float:
    """This process's user + system CPU seconds (the bench: sending, watching)."""
    times = os.times()
    return times.user + times.system


@dataclass(frozen=True)
class CpuSample:
    """CPU seconds of the watched processes at one moment (None: not readable)."""

    broker: float | None
    stages: tuple[float | None, ...]
    bench: float

    @classmethod
    def take(cls, broker_pid: int | None, stage_pids: Sequence[int | None]) -> CpuSample:
        return cls(
            broker=None if broker_pid is None else cpu_seconds(broker_pid),
            stages=tuple(None if pid is None else cpu_seconds(pid) for pid in stage_pids),
            bench=own_cpu_seconds(),
        )


def _spent(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def cpu_split(before: CpuSample, after: CpuSample, seconds: float) -> dict[str, object]:
    """CPU seconds each part used between two samples, and the cores they kept busy."""
    stages = [_spent(b, a) for b, a in zip(before.stages, after.stages, strict=True)]
    broker = _spent(before.broker, after.broker)
    bench = _spent(before.bench, after.bench)
    known = [s for s in (*stages, broker, bench) if s is not None]
    return {
        "seconds": round(seconds, 2),
        "stage_cpu_s": stages,
        "broker_cpu_s": broker,
        "bench_cpu_s": bench,
        "cores_busy": round(sum(known) / seconds, 2) if seconds > 0 else 0.0,
    }
