"""Analysts' verdicts offline: the simulated analyst, the findings consumers end with,
and ``backtest --feedback`` measuring the verdicts' effect end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.cli import main
from streams.offline.evaluation import Label
from streams.offline.feedback import current_findings, reviewed_accounts, simulate_verdicts
from streams.sim import simulate

HOUR = 3_600_000


def alert(
    alert_id: str, version: int, kind: str, accounts: list[str], at: str, **extra: Any
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "alert_id": alert_id,
        "version": version,
        "kind": kind,
        "account_ids": accounts,
        "detected_at": at,
        "status": "open",
    }
    doc.update(extra)
    return doc


LABELS = {
    "x1": Label("attack", "c1", "fleet"),
    "x2": Label("attack", "c1", "fleet"),
    "x3": Label("attack", "c1", "fleet"),
    "dev": Label("benign", "", "developer"),
    "p1": Label("benign", "", "partner"),
    "p2": Label("benign", "", "partner"),
}


def test_the_analyst_reviews_the_first_records_and_clears_benign_members() -> None:
    alerts = [
        alert(
            "camp-a",
            1,
            "campaign",
            ["x1", "x2", "x3"],
            "2026-11-23T08:00:00.000Z",
            campaign_id="ca",
        ),
        alert(
            "camp-a",
            2,
            "campaign",
            ["dev", "x1", "x2", "x3"],
            "2026-11-23T09:00:00.000Z",
            campaign_id="ca",
        ),
        alert("camp-b", 1, "campaign", ["p1", "p2"], "2026-11-23T10:00:00.000Z", campaign_id="cb"),
        alert("acct-x", 1, "account", ["unknown"], "2026-11-23T10:30:00.000Z"),  # undecidable
        alert("acct-p", 1, "account", ["p1"], "2026-11-23T11:00:00.000Z"),
        alert("acct-late", 1, "account", ["x1"], "2026-11-23T12:00:00.000Z"),  # past --first
    ]
    verdicts = simulate_verdicts(alerts, LABELS, first=5, delay_ms=HOUR)
    said = [(v.get("campaign_id") or v["account_id"], v["verdict"], v["ts"]) for v in verdicts]
    assert said == [
        ("ca", "abuse", "2026-11-23T09:00:00.000Z"),  # once per campaign
        ("dev", "benign", "2026-11-23T10:00:00.000Z"),  # cleared from version 2
        ("cb", "benign", "2026-11-23T11:00:00.000Z"),
        ("p1", "benign", "2026-11-23T12:00:00.000Z"),
    ]


def test_current_findings_are_the_latest_versions_minus_benign_closes() -> None:
    alerts = [
        alert("camp-a", 1, "campaign", ["dev", "x1"], "2026-11-23T08:00:00.000Z"),
        alert("camp-a", 2, "campaign", ["x1"], "2026-11-23T09:00:00.000Z"),  # dev cleared
        alert("acct-p", 1, "account", ["p1"], "2026-11-23T08:30:00.000Z"),
        alert(
            "acct-p",
            2,
            "account",
            ["p1"],
            "2026-11-23T10:00:00.000Z",
            status="closed",
            resolution="benign",
        ),
        alert("acct-q", 1, "account", ["x2"], "2026-11-23T08:40:00.000Z"),
        alert(
            "acct-q",
            2,
            "account",
            ["x2"],
            "2026-11-23T12:00:00.000Z",
            status="closed",
            resolution="quiet",
        ),
    ]
    assert current_findings(alerts) == {"x1": 1795420800000, "x2": 1795423200000}
    verdicts = [
        (0, orjson.dumps({"campaign_id": "ca", "verdict": "abuse", "ts": "2026-11-23T08:30:00Z"}))
    ]
    named = [
        alert("camp-a", 1, "campaign", ["x1", "x2"], "2026-11-23T08:00:00.000Z", campaign_id="ca")
    ]
    assert reviewed_accounts(verdicts, named) == {"x1", "x2"}


@pytest.fixture(scope="module")
def partner_sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("partner")
    simulate(out, seed=7, scale=0.1, days=2, extra=["licensed_partner"])
    return out


def test_replayed_verdicts_lower_false_positives_at_equal_recall(
    partner_sim: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events, labels = str(partner_sim / "events.jsonl.gz"), str(partner_sim / "labels.csv")
    alerts, verdicts, report = tmp_path / "a.jsonl", tmp_path / "v.jsonl", tmp_path / "r.json"
    assert main(["backtest", events, "--labels", labels, "--alerts-out", str(alerts)]) == 0
    assert (
        main(
            [
                "simulate-verdicts",
                "--alerts",
                str(alerts),
                "--labels",
                labels,
                "--first",
                "30",
                "--out",
                str(verdicts),
            ]
        )
        == 0
    )
    capsys.readouterr()
    code = main(
        [
            "backtest",
            events,
            "--labels",
            labels,
            "--feedback",
            str(verdicts),
            "--report-out",
            str(report),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "feedback effect" in printed and "with verdicts" in printed
    effect = orjson.loads(report.read_bytes())["feedback_effect"]
    for scope in ("current_findings", "unreviewed_accounts"):
        before, after = effect[scope]["without_feedback"], effect[scope]["with_feedback"]
        assert after["recall"] >= before["recall"]
        assert after["benign_flagged"] <= before["benign_flagged"]
    before, after = (
        effect["current_findings"]["without_feedback"],
        effect["current_findings"]["with_feedback"],
    )
    # The partner harvests by contract: the detector flags it, the analyst's verdicts clear it.
    assert before["hard_negatives_flagged"]["licensed_partner"] > 0
    assert (
        after["hard_negatives_flagged"]["licensed_partner"]
        < before["hard_negatives_flagged"]["licensed_partner"]
    )
    assert after["benign_flagged"] < before["benign_flagged"]
