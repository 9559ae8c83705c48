from streams.core.alerts import Alert
from streams.core.detector import Detector, DetectorParams
from streams.core.rules import HarvestRateRule
from tests.factories import T0, api_call

RULE = HarvestRateRule(window_s=3600, min_output_tokens=10_000, min_requests=5)


def _harvest(
    detector: Detector, account: str, n: int, start: int = 0, tokens: int = 1000
) -> list[Alert]:
    alerts = []
    for i in range(start, start + n):
        alerts += detector.process(api_call(account, T0 + i * 1000, output_tokens=tokens), i)
    return alerts


def test_light_user_raises_nothing() -> None:
    detector = Detector(DetectorParams(harvest=RULE))
    assert _harvest(detector, "light", 50, tokens=100) == []


def test_harvester_raises_one_alert_then_versions_only_on_escalation() -> None:
    detector = Detector(DetectorParams(harvest=RULE))
    alerts = _harvest(detector, "h", 200)
    assert [a.version for a in alerts] == [1, 2, 3, 4]
    assert [a.severity for a in alerts] == ["low", "medium", "high", "critical"]
    assert len({a.alert_id for a in alerts}) == 1
    first = alerts[0]
    assert first.kind == "account" and first.account_ids == ("h",)
    assert first.detected_at_ms == T0 + 9_000  # the 10th event crosses 10,000 tokens
    assert 0.5 <= first.score <= 1.0
    assert first.reasons[0].code == "harvest_rate"
    assert first.evidence["window_output_tokens"] == 10_000


def test_min_requests_guards_against_one_huge_response() -> None:
    detector = Detector(DetectorParams(harvest=RULE))
    assert _harvest(detector, "big", 3, tokens=50_000) == []


def test_replayed_positions_change_nothing() -> None:
    detector = Detector(DetectorParams(harvest=RULE))
    _harvest(detector, "h", 8)
    profile = detector.store.get("h")
    assert profile is not None
    before = profile.to_bytes()
    assert _harvest(detector, "h", 8) == []  # positions 0..7 again
    assert profile.to_bytes() == before
    assert detector.duplicates == 8


def test_same_input_gives_same_alerts() -> None:
    one = _harvest(Detector(DetectorParams(harvest=RULE)), "h", 100)
    two = _harvest(Detector(DetectorParams(harvest=RULE)), "h", 100)
    assert one == two


def test_alert_wire_form_has_every_contract_field() -> None:
    alert = _harvest(Detector(DetectorParams(harvest=RULE)), "h", 20)[0]
    wire = alert.to_wire(emitted_at_ms=T0 + 123)
    for field in (
        "alert_id",
        "version",
        "kind",
        "account_ids",
        "detected_at",
        "emitted_at",
        "score",
        "severity",
        "reasons",
        "model_version",
    ):
        assert field in wire
    assert wire["detected_at"] == "2026-11-23T08:00:09.000Z"
    assert wire["emitted_at"] == "2026-11-23T08:00:00.123Z"
