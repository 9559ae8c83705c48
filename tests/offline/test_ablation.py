"""Ablation: each signal switched off in turn, compared with the full detector."""

from __future__ import annotations

import csv
from pathlib import Path

from streams.config import load_settings
from streams.offline.ablation import FULL, ablate, format_table, row_from_report
from streams.sample import FLEET, bundled_sample_path


def _labels(path: Path) -> Path:
    out = path / "labels.csv"
    with out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["account_id", "label", "campaign_id", "population"])
        for account in FLEET:
            writer.writerow([account, "attack", "fleet", "fleet"])
        for i in range(120):
            writer.writerow([f"acct-{i:04d}", "benign", "", "developer"])
    return out


def test_switching_off_the_shared_keys_loses_the_fleet_and_the_table_says_so(
    tmp_path: Path,
) -> None:
    settings = load_settings({})
    rows = ablate(
        bundled_sample_path(),
        _labels(tmp_path),
        settings,
        signals=["pay,tls,net,cohort,ua,asn,tpl,ctpl,wake", "rate_limit_pressure"],
        jobs=1,
    )
    full, no_links, no_429 = rows
    assert full.disabled == FULL and full.recall == 1.0 and full.false_positive_rate == 0.0
    assert no_links.recall == 0.0 and no_links.campaigns_missed == 1  # no links, no campaign
    assert no_429.recall == full.recall  # the sample's fleet never hits a rate limit
    table = format_table(rows)
    assert "| (none) | 100.0% |" in table and "(-100.0 pt)" in table


def test_rows_take_the_worst_hard_negative_and_only_caught_campaigns() -> None:
    report = {
        "accounts": {"recall": 0.5, "false_positive_rate": 0.01},
        "populations": {
            "campus_nat": {"flagged_share": 0.02},
            "developer": {"flagged_share": 0.5},
        },
        "campaigns": {
            "a": {"first_alert": "t", "share_before_first_alert": 0.01},
            "b": {"first_alert": "t", "share_before_first_alert": 0.03},
            "c": {"first_alert": None, "share_before_first_alert": 1.0},
        },
    }
    row = row_from_report("x", report, ("campus_nat", "hackathon"))
    assert row.worst_hard_negative == 0.02  # developers are not a hard negative here
    assert row.worst_time_to_alert == 0.03 and row.campaigns_missed == 1
    assert abs(row.mean_time_to_alert - 0.02) < 1e-12
