"""CPU accounting of the bench's drains: where the cores went."""

from __future__ import annotations

import os
import subprocess
import sys

from streams.bench.cpu import (
    CpuSample,
    cpu_seconds,
    cpu_split,
    own_cpu_seconds,
    stat_cpu_seconds,
)

_TICKS = os.sysconf("SC_CLK_TCK")


def test_a_stat_line_is_read_past_a_command_name_with_spaces_and_parentheses() -> None:
    # pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    line = f"4242 (java (kafka) x) S 1 4242 4242 0 -1 4194560 10 0 0 0 {3 * _TICKS} {_TICKS} 0 0"
    assert stat_cpu_seconds(line) == 4.0


def test_a_busy_child_is_charged_its_cpu_and_a_gone_one_reads_none() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.5\n"
            "while time.process_time() < end: pass\nimport sys; sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
    )
    try:
        spent = 0.0
        for _ in range(100):
            spent = cpu_seconds(child.pid) or 0.0
            if spent >= 0.4:
                break
            subprocess.run(["sleep", "0.05"], check=True)
        assert spent >= 0.4
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait()
    assert cpu_seconds(child.pid) is None


def test_the_split_says_how_many_cores_a_drain_kept_busy() -> None:
    before = CpuSample(broker=10.0, stages=(1.0, None), bench=2.0)
    after = CpuSample(broker=15.0, stages=(9.0, None), bench=3.0)
    split = cpu_split(before, after, seconds=10.0)
    assert split["stage_cpu_s"] == [8.0, None]  # an unreadable process is unknown, not 0
    assert split["broker_cpu_s"] == 5.0 and split["bench_cpu_s"] == 1.0
    assert split["cores_busy"] == 1.4


def test_the_bench_process_reads_its_own_time() -> None:
    assert own_cpu_seconds() > 0
    assert CpuSample.take(None, [os.getpid()]).stages[0] is not None
