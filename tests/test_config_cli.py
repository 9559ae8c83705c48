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


def test_hot_set_sizes_reach_the_stages_and_zero_is_refused() -> None:
    from streams.core.pipeline import params_from_settings
    from streams.worker.runtime import TABLES, WorkerRuntime

    env = {
        "DISTILLGUARD_HOT_KEYS_PER_PARTITION": "7",
        "DISTILLGUARD_HOT_ACCOUNTS_PER_PARTITION": "9",
    }
    params = params_from_settings(load_settings(env))
    runtime = WorkerRuntime(
        params,
        max_record_bytes=1024,
        send_alert=lambda *_: None,
        send_dead_letter=lambda *_: None,
        send_changelog=lambda *_: None,
        states={table: {} for table in TABLES},
    )
    assert runtime.link_stage_for(0).hot_keys == 7
    assert runtime.detector_for(0).store.hot_accounts == 9
    for name in ("hot_keys_per_partition", "hot_accounts_per_partition"):
        with pytest.raises(ValueError, match=name):
            load_settings({}, overrides={name: 0})
