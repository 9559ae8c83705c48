"""The detection core's single entry point: one event in, alerts out.

Pure and deterministic given the input order and event times: the live worker (one
``Detector`` per input partition) and offline tools call exactly this code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from streams import __version__
from streams.config import Settings
from streams.core.alerts import Alert, account_alert_id, severity_rank
from streams.core.event import ApiCall
from streams.core.profile import AccountProfile, AlertState
from streams.core.profiles import Loader, ProfileStore
from streams.core.rules import HarvestRateRule

# Called with (account_id, event time ms, detection statistic) at every evaluation, so
# offline tuning can sweep thresholds over one recorded run.
ScoreObserver = Callable[[str, int, float], None]


@dataclass(frozen=True, slots=True)
class DetectorParams:
    harvest: HarvestRateRule = field(default_factory=HarvestRateRule)
    profile_ttl_s: int = 7 * 86400
    max_accounts: int = 200_000

    @property
    def model_version(self) -> str:
        return f"distillguard-{__version__}/{self.harvest.identity}"


class Detector:
    """Profiles and rules for the accounts of one partition."""

    __slots__ = ("duplicates", "observer", "params", "store")

    def __init__(
        self,
        params: DetectorParams,
        loader: Loader | None = None,
        observer: ScoreObserver | None = None,
    ) -> None:
        self.params = params
        self.store = ProfileStore(params.max_accounts, params.profile_ttl_s * 1000, loader)
        self.duplicates = 0
        self.observer = observer

    def process(self, event: ApiCall, position: int) -> list[Alert]:
        """Apply one event at source ``position`` (offset); return the alerts it raises.

        An event at or below the position its account's profile already holds is a
        replay (after a restart) and changes nothing.
        """
        store = self.store
        profile = store.get(event.account_id)
        if profile is None:
            profile = AccountProfile.new(event)
        elif position <= profile.last_position:
            self.duplicates += 1
            return []
        profile.update(event, position)
        store.touch(profile, event.ts_ms)
        return self._evaluate(profile, event.ts_ms)

    def _evaluate(self, profile: AccountProfile, ts_ms: int) -> list[Alert]:
        rule = self.params.harvest
        statistic = rule.statistic(profile)
        if self.observer is not None:
            self.observer(profile.account_id, ts_ms, statistic)
        finding = rule.evaluate(profile, statistic)
        if finding is None:
            return []
        state = profile.alert
        if state is None:
            state = AlertState(
                alert_id=account_alert_id(profile.account_id, rule.name, ts_ms),
                version=1,
                severity=finding.severity,
                raised_ms=ts_ms,
            )
        elif severity_rank(finding.severity) > severity_rank(state.severity):
            state = AlertState(state.alert_id, state.version + 1, finding.severity, state.raised_ms)
        else:
            return []
        profile.alert = state
        return [
            Alert(
                alert_id=state.alert_id,
                version=state.version,
                kind="account",
                account_ids=(profile.account_id,),
                detected_at_ms=ts_ms,
                score=finding.score,
                severity=finding.severity,
                reasons=(finding.reason,),
                evidence=finding.evidence,
                model_version=self.params.model_version,
            )
        ]


def params_from_settings(settings: Settings) -> DetectorParams:
    """The detector knobs of the effective configuration."""
    return DetectorParams(
        harvest=HarvestRateRule(
            window_s=settings.harvest_window_s,
            min_output_tokens=settings.harvest_output_tokens,
            min_requests=settings.harvest_min_requests,
        ),
        profile_ttl_s=settings.profile_ttl_s,
        max_accounts=settings.max_accounts_per_partition,
    )
