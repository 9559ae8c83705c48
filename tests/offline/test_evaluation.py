from pathlib import Path

import pytest

from streams.offline.evaluation import (
    Label,
    Tally,
    evaluate,
    first_alert_times,
    format_report,
    load_labels,
)

T0 = 1_795_420_800_000
LABELS = {
    "a1": Label("attack", "c1", "fleet"),
    "a2": Label("attack", "c1", "fleet"),
    "a3": Label("attack", "c2", "slow"),
    "b1": Label("benign", "", "developer"),
    "b2": Label("benign", "", "campus_nat"),
    "idle": Label("benign", "", "developer"),  # never sends: not counted
}


def _tally() -> Tally:
    tally = Tally(LABELS)
    for i in range(10):
        tally.observe("a1", T0 + i * 1000)
        tally.observe("a2", T0 + i * 1000 + 500)
    tally.observe("a3", T0 + 50_000)
    tally.observe("b1", T0)
    tally.observe("b2", T0 + 86_400_000)
    return tally


def test_recall_fpr_and_populations() -> None:
    report = evaluate(_tally(), {"a1": T0 + 4000, "b2": T0 + 1})
    acc = report["accounts"]
    assert (acc["attack"], acc["benign"]) == (3, 2)
    assert acc["recall"] == pytest.approx(1 / 3)
    assert acc["false_positive_rate"] == pytest.approx(0.5)
    assert acc["precision"] == pytest.approx(0.5)
    assert report["populations"]["campus_nat"]["flagged_share"] == 1.0
    assert report["populations"]["developer"]["accounts"] == 1


def test_campaign_exchanges_served_before_first_alert() -> None:
    report = evaluate(_tally(), {"a2": T0 + 3500})
    c1 = report["campaigns"]["c1"]
    assert c1["exchanges"] == 20
    # served at or before 3.5 s: a1 at 0,1,2,3 s and a2 at 0.5,1.5,2.5,3.5 s
    assert c1["exchanges_before_first_alert"] == 8
    assert c1["share_before_first_alert"] == pytest.approx(0.4)
    assert c1["time_to_first_alert_s"] == 3.5
    c2 = report["campaigns"]["c2"]
    assert c2["first_alert"] is None and c2["exchanges_before_first_alert"] == 1
    assert "never" in format_report(report)


def test_first_alert_times_take_the_earliest_mention() -> None:
    alerts = [
        {"detected_at": "2026-11-23T08:00:05.000Z", "account_ids": ["a1", "a2"]},
        {"detected_at": "2026-11-23T08:00:01.000Z", "account_ids": ["a2"]},
    ]
    assert first_alert_times(alerts) == {"a1": T0 + 5000, "a2": T0 + 1000}


def test_labels_file_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "labels.csv"
    good.write_text("account_id,label,campaign_id,population\nx,attack,c,fleet\ny,benign,,\n")
    labels = load_labels(good)
    assert labels["x"] == Label("attack", "c", "fleet")
    assert labels["y"].population == "benign"
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,label\nx,evil\n")
    with pytest.raises(ValueError, match="attack or benign"):
        load_labels(bad)
