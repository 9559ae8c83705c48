"""One small simulation per test session, shared read-only by the simulator's tests."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.core.event import ApiCall, InvalidEvent, parse_event
from streams.sim import SimulationSummary, simulate
from streams.sim.populations import EXTRAS, POPULATIONS


@dataclass(frozen=True)
class SimRun:
    """A finished run: its summary, raw lines, parsed events and labels."""

    summary: SimulationSummary
    lines: list[bytes]
    events: list[ApiCall]
    docs: list[dict[str, Any]]
    failures: list[InvalidEvent]
    labels: dict[str, dict[str, str]]
    campaigns: list[dict[str, Any]]

    def of(self, population: str) -> list[ApiCall]:
        return [e for e in self.events if self.labels[e.account_id]["population"] == population]

    def docs_of(self, population: str) -> Iterator[dict[str, Any]]:
        return (d for d in self.docs if self.labels[d["account_id"]]["population"] == population)


def load(out: Path, summary: SimulationSummary) -> SimRun:
    with gzip.open(out / "events.jsonl.gz") as f:
        lines = f.read().split(b"\n")
    assert lines[-1] == b""
    lines = lines[:-1]
    events: list[ApiCall] = []
    docs: list[dict[str, Any]] = []
    failures: list[InvalidEvent] = []
    for line in lines:
        try:
            events.append(parse_event(line))
        except InvalidEvent as exc:
            failures.append(exc)
        else:
            docs.append(orjson.loads(line))
    with (out / "labels.csv").open(newline="") as f:
        labels = {row["account_id"]: row for row in csv.DictReader(f)}
    campaigns = orjson.loads((out / "campaigns.json").read_bytes())
    return SimRun(summary, lines, events, docs, failures, labels, campaigns)


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> SimRun:
    out = tmp_path_factory.mktemp("sim")
    summary = simulate(out, seed=7, scale=0.05, days=2)
    return load(out, summary)


def run_with_extra(factory: pytest.TempPathFactory, name: str, seed: int, scale: float) -> SimRun:
    """A two-day run with the opt-in population ``name`` added."""
    out = factory.mktemp(f"sim-{name}")
    return load(out, simulate(out, seed=seed, scale=scale, days=2, extra=[name]))


def extra_labels(sim: SimRun, run: SimRun, name: str) -> list[dict[str, str]]:
    """The label rows of opt-in population ``name`` in ``run``, after checking that it is
    opt-in: listed as an extra, not a default population, absent from the default run."""
    assert name in EXTRAS and name not in {p.name for p in POPULATIONS}
    assert not [a for a, row in sim.labels.items() if row["population"] == name]
    return [row for row in run.labels.values() if row["population"] == name]
