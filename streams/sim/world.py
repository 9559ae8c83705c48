"""The simulated world's fixed facts: the period, the model line-up, the release, outages.

Everything is in event-time epoch milliseconds. The period starts on a Thursday so that a
three-day run sees two working days and a Saturday (weekday rhythms show, the hackathon
falls on the weekend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "DAY_MS",
    "HOUR_MS",
    "LEGACY_MODEL",
    "MINUTE_MS",
    "MODELS",
    "NEW_MODEL",
    "START_MS",
    "ModelSpec",
    "Period",
]

MINUTE_MS: Final = 60_000
HOUR_MS: Final = 3_600_000
DAY_MS: Final = 86_400_000
START_MS: Final = 1_795_046_400_000
"""2026-11-19T00:00:00Z, a Thursday."""
RELEASE_HOUR_UTC: Final = 17
"""The new model ships at 17:00 UTC (09:00 in California) of the second day."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model and how fast it serves: first-token latency and per-output-token time."""

    name: str
    ttft_ms: float
    ms_per_token: float


MODELS: Final[dict[str, ModelSpec]] = {
    spec.name: spec
    for spec in (
        ModelSpec("frontier-large-2026-10", 620.0, 21.0),
        ModelSpec("frontier-medium-2026-06", 380.0, 11.0),
        ModelSpec("frontier-small-2026-03", 210.0, 5.5),
        ModelSpec("frontier-large-2026-02", 700.0, 24.0),
        ModelSpec("frontier-large-2026-11", 560.0, 17.0),
    )
}
LARGE: Final = "frontier-large-2026-10"
MEDIUM: Final = "frontier-medium-2026-06"
SMALL: Final = "frontier-small-2026-03"
LEGACY_MODEL: Final = "frontier-large-2026-02"
NEW_MODEL: Final = "frontier-large-2026-11"
"""Released mid-period; nobody can call it before ``Period.release_ms``."""


@dataclass(frozen=True, slots=True)
class Period:
    """The simulated span ``[start_ms, end_ms)`` and its scheduled happenings."""

    start_ms: int
    days: int

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.days * DAY_MS

    @property
    def span_ms(self) -> int:
        return self.days * DAY_MS

    @property
    def release_ms(self) -> int:
        """When ``NEW_MODEL`` appears: day 2 at 17:00 UTC (day 1 if the run is one day)."""
        return self.day_ms(min(1, self.days - 1)) + RELEASE_HOUR_UTC * HOUR_MS

    @property
    def incident(self) -> tuple[int, int]:
        """A 25-minute window of elevated 5xx errors and latency (a provider incident)."""
        begin = self.at(0.62)
        return begin, begin + 25 * MINUTE_MS

    def at(self, fraction: float) -> int:
        """The instant ``fraction`` of the way through the period."""
        return self.start_ms + int(self.span_ms * fraction)

    def day_ms(self, day: int) -> int:
        """Midnight UTC starting day ``day`` (0-based) of the period."""
        return self.start_ms + day * DAY_MS

    def clamp_day(self, day: int) -> int:
        """``day`` if the period has it, else the last day."""
        return max(0, min(day, self.days - 1))
