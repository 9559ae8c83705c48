import pytest

from streams.cli import main
from streams.config import load_settings


def test_env_overrides_defaults_and_flags_override_env() -> None:
    env = {"DISTILLGUARD_PARTITIONS": "8", "DISTILLGUARD_TOPIC_ALERTS": "a2"}
    settings = load_settings(env, overrides={"partitions": 2})
    assert settings.partitions == 2
    assert settings.topic_alerts == "a2"
    assert settings.topic_api_calls == "api-calls"


def test_bad_env_value_names_the_variable() -> None:
    with pytest.raises(ValueError, match="DISTILLGUARD_PARTITIONS"):
        load_settings({"DISTILLGUARD_PARTITIONS": "many"})


def test_invalid_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="account_threshold"):
        load_settings({}, overrides={"account_threshold": 1.5})


def test_unknown_disabled_signal_is_refused_with_the_known_names() -> None:
    from streams.core.pipeline import params_from_settings

    settings = load_settings({}, overrides={"disabled_signals": "output_heavy,telepathy"})
    with pytest.raises(ValueError, match=r"telepathy.*known: output_heavy"):
        params_from_settings(settings)


def test_config_command_prints_effective_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTILLGUARD_BOOTSTRAP_SERVERS", "kafka-1:9092")
    assert main(["config", "--account-min-requests", "99"]) == 0
    out = capsys.readouterr().out
    assert "kafka-1:9092" in out
    assert "account_min_requests" in out and "99" in out
    assert "DISTILLGUARD_ACCOUNT_MIN_REQUESTS" in out


def test_config_json(capsys: pytest.CaptureFixture[str]) -> None:
    import orjson

    assert main(["config", "--json", "--partitions", "3"]) == 0
    assert orjson.loads(capsys.readouterr().out)["partitions"] == 3
