"""The analyst workflow through the CLI, as an analyst runs it (no broker needed)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import orjson
import pytest
from jsonschema import Draft202012Validator

from streams.cli import main

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    assert (
        main(["simulate", "--out", str(out), "--seed", "5", "--scale", "0.04", "--days", "2"]) == 0
    )
    return out


def test_simulate_writes_events_labels_and_campaigns(sim_dir: Path) -> None:
    assert (sim_dir / "events.jsonl.gz").stat().st_size > 10_000
    with (sim_dir / "labels.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert {r["label"] for r in rows} == {"attack", "benign"}
    campaigns = json.loads((sim_dir / "campaigns.json").read_text())
    assert {c["campaign_id"] for c in campaigns} == {
        r["campaign_id"] for r in rows if r["label"] == "attack"
    }


def test_backtest_writes_contract_alerts_and_a_report(
    sim_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alerts_out, report_out = tmp_path / "alerts.jsonl", tmp_path / "report.json"
    code = main(
        [
            "backtest",
            str(sim_dir / "events.jsonl.gz"),
            "--labels",
            str(sim_dir / "labels.csv"),
            "--alerts-out",
            str(alerts_out),
            "--report-out",
            str(report_out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "recall" in printed and "FPR" in printed and "campaign" in printed
    report = orjson.loads(report_out.read_bytes())
    assert report["run"]["dead_letters"]  # the simulator's malformed lines
    assert set(report["accounts"]) >= {"recall", "false_positive_rate", "precision"}
    for campaign in report["campaigns"].values():
        assert {
            "time_to_first_alert_s",
            "exchanges_before_first_alert",
            "share_before_first_alert",
        } <= set(campaign)
    validator = Draft202012Validator(json.loads((SCHEMAS / "alert.schema.json").read_text()))
    alerts = [orjson.loads(line) for line in alerts_out.read_bytes().splitlines()]
    assert alerts, "the simulated attacks should raise alerts"
    assert {a["kind"] for a in alerts} >= {"campaign"}
    for alert in alerts:
        validator.validate(alert)
    assert report["run"]["alert_records"] == len(alerts)


def test_tune_writes_readable_plots_and_a_report(sim_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "tune"
    code = main(
        [
            "tune",
            str(sim_dir / "events.jsonl.gz"),
            "--labels",
            str(sim_dir / "labels.csv"),
            "--out",
            str(out),
            "--points",
            "30",
            "--account-min-requests",
            "10",
        ]
    )
    assert code == 0
    for name in ("precision_recall.png", "alerts_per_day_vs_recall.png"):
        png = (out / name).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 5_000
    report = (out / "tuning.md").read_text()
    assert "account_threshold" in report and "| threshold |" in report
    sweep = orjson.loads((out / "sweep.json").read_bytes())
    assert len(sweep["points"]) == 30
