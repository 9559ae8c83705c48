"""`make demo` runs `distillguard demo`: one campaign alert for the fleet, nothing left running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.sample import FLEET


def processes_mentioning(text: str) -> list[int]:
    """Live pids whose command line or environment mentions ``text``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            blob = (proc / "cmdline").read_bytes() + (proc / "environ").read_bytes()
            status = (proc / "status").read_text().splitlines()
            state = next((row for row in status if row.startswith("State:")), "")
        except OSError:
            continue
        if text.encode() in blob and "zombie" not in state:
            found.append(int(proc.name))
    return found


def start_demo() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "streams", "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DISTILLGUARD_")},
    )


def workdir_of(line: str) -> str | None:
    match = re.search(r"working in (\S+)", line)
    return match.group(1) if match else None


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to look for leftovers")
def test_demo_flags_the_fleet_only_and_leaves_nothing_running() -> None:
    demo = start_demo()
    out, _ = demo.communicate(timeout=240)
    assert demo.returncode == 0, out
    alert_lines = [line for line in out.splitlines() if line.startswith("  ALERT ")]
    assert alert_lines, out
    # Every alert is the fleet's campaign, on one readable line: kind, campaign id,
    # member count, score, version and reason codes.
    campaign = re.compile(
        r"  ALERT \S+Z  (LOW|MEDIUM|HIGH|CRITICAL) +campaign (camp-\S+) \((\d+) accounts\)"
        r"  score=[01]\.\d\d  v(\d+)  coordinated_harvesting, (load_balanced, )?shared_\w+"
    )
    found = [m for m in map(campaign.match, alert_lines) if m]
    assert len(found) == len(alert_lines), alert_lines
    assert len({m.group(2) for m in found}) == 1  # one campaign, re-emitted as it grows
    assert [int(m.group(4)) for m in found] == list(range(1, len(found) + 1))
    assert int(found[-1].group(3)) == len(FLEET)
    # Within minutes of the fleet's start at 08:30 (the backtest: 08:31:32). Sent all at
    # once, a partition filled first ran ahead of the others, and two runs of seven first
    # alerted at 08:43 and 08:47, stamped with the time the campaign stage had reached.
    first = alert_lines[0].split()[1]
    assert first < "2026-11-23T08:36", alert_lines
    assert f"flagged accounts: {', '.join(FLEET)}\n" in out
    assert f"the distillation fleet ({len(FLEET)} accounts) was caught as one campaign" in out
    assert "no normal account was flagged" in out
    assert "3 malformed record(s) dead-lettered" in out
    workdir = next(w for w in map(workdir_of, out.splitlines()) if w)
    assert processes_mentioning(workdir) == []
    assert not Path(workdir).exists()


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs /proc to look for leftovers")
@pytest.mark.parametrize("moment", ["starting the worker", "sending the sample stream"])
def test_ctrl_c_during_the_demo_stops_everything_it_started(moment: str) -> None:
    demo = start_demo()
    assert demo.stdout is not None
    workdir = None
    deadline = time.monotonic() + 120
    for line in demo.stdout:
        workdir = workdir or workdir_of(line)
        if moment in line or time.monotonic() > deadline:
            break
    assert workdir is not None
    assert processes_mentioning(workdir), "the broker and worker should be running now"
    demo.send_signal(signal.SIGINT)
    rest, _ = demo.communicate(timeout=90)
    assert demo.returncode == 130, rest
    assert "nothing left running" in rest
    assert processes_mentioning(workdir) == []
