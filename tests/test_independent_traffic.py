"""The second traffic generator (docs/independent_traffic.py) refuses what it cannot do.

A mistyped option used to be ignored: the file written was the default one, and a
backtest of it measured another population than the one asked for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "independent_traffic.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_a_mistyped_option_is_an_error_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run("3", str(out), "--only-mix")
    assert result.returncode == 2
    assert "unknown option(s): --only-mix" in result.stderr
    assert "--only-mixing" in result.stderr  # the usage names the right one
    assert not out.exists()


def test_help_prints_the_usage() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python docs/independent_traffic.py SEED OUTDIR")


def test_a_seed_and_a_directory_are_needed() -> None:
    result = _run("3")
    assert result.returncode == 2 and "SEED and OUTDIR needed" in result.stderr
