"""The labelled traffic simulator: realistic API traffic with distillation campaigns.

``simulate(out_dir, seed, scale, days)`` writes ``events.jsonl.gz`` (contract v1 events in
event-time order, ~0.1% malformed lines), ``labels.csv`` and ``campaigns.json``. Benign
developers and products, hard negatives that look suspicious to naive rules (a campus
NAT, an enterprise org, an eval customer, a reseller, a hackathon) and five attack
campaigns with different tactics and start times.
"""

from streams.sim.simulate import (
    CampaignStats,
    PopulationStats,
    SimulationSummary,
    simulate,
)

__all__ = ["CampaignStats", "PopulationStats", "SimulationSummary", "simulate"]
