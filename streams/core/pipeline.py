"""The three detection stages' parameters, from one place (the effective settings).

accounts (``Detector``, per input partition) -> link updates keyed by shared key ->
links (``LinkStage``, per key) -> pair evidence -> campaigns (``CampaignStage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from streams.config import Settings
from streams.core.coordination.campaigns import CampaignParams
from streams.core.coordination.links import KIND_WEIGHTS, LinkParams
from streams.core.detector import DetectorParams
from streams.core.scoring import EXITS_SWITCH, RECENT_SWITCH, SIGNALS
from streams.core.verdicts import VerdictParams


@dataclass(frozen=True, slots=True)
class PipelineParams:
    detector: DetectorParams = field(default_factory=DetectorParams)
    links: LinkParams = field(default_factory=LinkParams)  # same suspect_raw as detector
    campaigns: CampaignParams = field(default_factory=CampaignParams)


def switchable() -> tuple[str, ...]:
    """Names ``disabled_signals`` accepts: account signals, the recent view, rotating
    exits, link kinds."""
    return (*SIGNALS, RECENT_SWITCH, EXITS_SWITCH, *KIND_WEIGHTS)


def params_from_settings(settings: Settings) -> PipelineParams:
    """The detection knobs of the effective configuration."""
    disabled = frozenset(s.strip() for s in settings.disabled_signals.split(",") if s.strip())
    unknown = disabled - set(switchable())
    if unknown:
        raise ValueError(
            f"disabled_signals: unknown {', '.join(sorted(unknown))} "
            f"(known: {', '.join(switchable())})"
        )
    return PipelineParams(
        detector=DetectorParams(
            profile_ttl_s=settings.profile_ttl_s,
            max_accounts=settings.max_accounts_per_partition,
            hot_accounts=settings.hot_accounts_per_partition,
            account_threshold=settings.account_threshold,
            account_min_requests=settings.account_min_requests,
            suspect_raw=settings.suspect_score,
            disabled=disabled & {*SIGNALS, RECENT_SWITCH, EXITS_SWITCH},
            close_quiet_ms=settings.alert_quiet_s * 1000,
            verdicts=VerdictParams(ttl_ms=settings.feedback_ttl_s * 1000),
        ),
        links=LinkParams(
            suspect_raw=settings.suspect_score,
            disabled=disabled & set(KIND_WEIGHTS),
            hot_keys=settings.hot_keys_per_partition,
        ),
        campaigns=CampaignParams(
            min_accounts=settings.campaign_min_accounts,
            threshold=settings.campaign_threshold,
            half_life_ms=settings.campaign_quiet_s * 1000 // 2,
            quiet_ms=settings.campaign_quiet_s * 1000,
            verdict_ttl_ms=settings.feedback_ttl_s * 1000,
        ),
    )
