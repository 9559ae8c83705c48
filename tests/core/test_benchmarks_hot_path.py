"""The per-event hot path, timed by ``make bench`` (run once, untimed, in the suite)."""

from __future__ import annotations

import contextlib
import gzip
import itertools
from typing import Any

from streams.core.detector import Detector, DetectorParams
from streams.core.event import InvalidEvent, parse_event
from streams.sample import bundled_sample_path


def _lines() -> list[bytes]:
    with gzip.open(bundled_sample_path()) as handle:
        return [line.rstrip(b"\n") for line in handle]


def test_parse_event(benchmark: Any) -> None:
    line = next(line for line in _lines() if b'"prompt"' in line)
    event = benchmark(parse_event, line)
    assert event.prompt


def test_detector_process(benchmark: Any) -> None:
    events = []
    for line in _lines():
        with contextlib.suppress(InvalidEvent):
            events.append(parse_event(line))
    detector = Detector(DetectorParams())
    positions = itertools.count()
    stream = itertools.cycle(events)

    def step() -> None:
        detector.process(next(stream), next(positions))

    benchmark(step)
    assert len(detector.store) >= 1  # one step when the suite runs benchmarks untimed
