"""Effective configuration: defaults, then ``DISTILLGUARD_*`` environment variables, then flags.

One frozen dataclass is the single source of truth; the CLI derives its flags from the
field metadata so a setting can never exist under one name but not the other.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.kafka.security import security_problem

ENV_PREFIX = "DISTILLGUARD_"


def _cache_home() -> str:
    return os.environ.get("DISTILLGUARD_CACHE_DIR", str(Path.home() / ".cache" / "distillguard"))


def _setting(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


def _secret(help_text: str) -> Any:
    """A setting never shown: not in a repr, and masked wherever settings are printed."""
    return field(default="", repr=False, metadata={"help": help_text, "secret": True})


@dataclass(frozen=True)
class Settings:
    """Every knob of the pipeline. Env var name: ``DISTILLGUARD_`` + upper-case field name."""

    bootstrap_servers: str = _setting("127.0.0.1:9092", "Kafka bootstrap servers, host:port[,...]")
    security_protocol: str = _setting(
        "PLAINTEXT", "how clients reach the brokers: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"
    )
    sasl_mechanism: str = _setting(
        "SCRAM-SHA-256", "SASL mechanism: SCRAM-SHA-256, SCRAM-SHA-512 or PLAIN"
    )
    sasl_username: str = _setting("", "SASL user name (with SASL_SSL / SASL_PLAINTEXT)")
    sasl_password: str = _secret("SASL password (never printed; prefer sasl_password_file)")
    sasl_password_file: str = _setting("", "file whose first line is the SASL password")
    ssl_cafile: str = _setting(
        "", "PEM file of the CA(s) that signed the brokers' certificates (default: system CAs)"
    )
    ssl_certfile: str = _setting("", "PEM client certificate, for brokers that require mTLS")
    ssl_keyfile: str = _setting("", "PEM private key of ssl_certfile")
    app_id: str = _setting("distillguard", "faust app id; also the worker's consumer group")
    topic_api_calls: str = _setting("api-calls", "input topic of API-call events")
    topic_alerts: str = _setting("alerts", "output topic of alerts")
    topic_dead_letter: str = _setting("dead-letter", "topic for records that break the contract")
    topic_alerts_ocsf: str = _setting(
        "alerts-ocsf", "output topic of every alert mirrored as an OCSF Detection Finding"
    )
    topic_feedback: str = _setting("feedback", "input topic of analysts' verdicts")
    partitions: int = _setting(4, "partitions of the pipeline topics and state changelogs")
    max_record_bytes: int = _setting(1_048_576, "records larger than this are dead-lettered")
    account_threshold: float = _setting(
        0.7, "alert a lone account at this harvest confidence (0..1)"
    )
    account_min_requests: int = _setting(20, "requests an account needs before a lone alert")
    suspect_score: float = _setting(
        0.5,
        "harvest score (and from the 4th request content share) from which an account's "
        "shared keys link it to others",
    )
    campaign_threshold: float = _setting(
        0.5, "alert a linked group of accounts at this campaign score (0..1)"
    )
    campaign_min_accounts: int = _setting(3, "accounts a linked group needs to be a campaign")
    campaign_quiet_s: int = _setting(
        2 * 86400, "event time without new evidence after which a campaign's links fade"
    )
    alert_quiet_s: int = _setting(
        2 * 86400, "event time without a request after which an account's alert closes"
    )
    feedback_ttl_s: int = _setting(
        30 * 86400, "event time an analyst's verdict on an account or campaign holds"
    )
    disabled_signals: str = _setting(
        "",
        "comma-separated signals, the recent view (recent_switch), the rotating-exits rule"
        " (rotating_exits) or link kinds to switch off (ablation studies)",
    )
    profile_ttl_s: int = _setting(7 * 86400, "drop an account profile idle this long (event time)")
    max_accounts_per_partition: int = _setting(
        200_000, "cap on profiles held per partition; least recently active are dropped"
    )
    hot_accounts_per_partition: int = _setting(
        1024, "profiles kept live per partition; idle ones wait as compressed checkpoints"
    )
    hot_keys_per_partition: int = _setting(
        1024, "link keys kept live per links partition; idle ones wait as their checkpoints"
    )
    checkpoint_interval_s: float = _setting(
        1.0, "seconds between offset commits, each preceded by a state checkpoint"
    )
    checkpoint_max_events: int = _setting(
        20_000, "commit (and checkpoint) at least every this many events"
    )
    session_timeout_s: float = _setting(
        15.0, "consumer-group session timeout: how fast a crashed worker's partitions move"
    )
    data_dir: str = _setting(
        str(Path(_cache_home()) / "worker"), "local directory for the worker's faust data"
    )
    web_port: int = _setting(0, "worker HTTP port (0 disables the web server)")
    web_host: str = _setting(
        "127.0.0.1", "address the worker's HTTP server binds (0.0.0.0 for a scraper elsewhere)"
    )
    log_level: str = _setting("info", "worker log level")
    log_format: str = _setting(
        "json", "worker log lines: json (one object per line, with topic/partition/offset) or text"
    )
    fetch_wait_ms: int = _setting(
        100, "longest a consumer fetch waits at the broker for new records (each stage hop)"
    )
    progress_interval_s: float = _setting(
        30.0, "seconds between progress log lines (per-partition offsets; 0 disables)"
    )
    kafka_home: str = _setting(
        str(Path(_cache_home()) / "broker"), "state directory of the local broker"
    )
    kafka_version: str = _setting("4.1.1", "Apache Kafka version of the local broker")
    kafka_port: int = _setting(9092, "client port of the local broker")
    kafka_controller_port: int = _setting(9093, "KRaft controller port of the local broker")

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with the given non-None values replaced (flags win over env)."""
        clean = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **clean) if clean else self

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def _coerce(raw: str, kind: type, name: str) -> Any:
    try:
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
    except ValueError:
        raise ValueError(f"{env_name(name)} must be a {kind.__name__}, got {raw!r}") from None
    return raw


def field_types() -> dict[str, type]:
    """Field name -> Python type (the annotations are strings under postponed evaluation)."""
    names = {"int": int, "float": float, "str": str}
    return {f.name: names[str(f.type)] for f in dataclasses.fields(Settings)}


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Defaults, overlaid with ``DISTILLGUARD_*`` variables, overlaid with ``overrides``."""
    env = os.environ if environ is None else environ
    types = field_types()
    from_env = {
        name: _coerce(env[env_name(name)], kind, name)
        for name, kind in types.items()
        if env_name(name) in env
    }
    settings = Settings().with_overrides(from_env)
    settings = settings.with_overrides(overrides or {})
    validate(settings)
    return settings


def validate(settings: Settings) -> None:
    """Reject settings that cannot work, with a message naming the knob."""
    if settings.partitions < 1:
        raise ValueError("partitions must be >= 1")
    for name in ("account_threshold", "campaign_threshold", "suspect_score"):
        if not 0 < getattr(settings, name) <= 1:
            raise ValueError(f"{name} must be in (0, 1]")
    if settings.campaign_min_accounts < 2:
        raise ValueError("campaign_min_accounts must be >= 2")
    if settings.max_record_bytes < 256:
        raise ValueError("max_record_bytes must be >= 256")
    if settings.max_accounts_per_partition < 1:
        raise ValueError("max_accounts_per_partition must be >= 1")
    if settings.hot_accounts_per_partition < 1:
        raise ValueError("hot_accounts_per_partition must be >= 1")
    if settings.hot_keys_per_partition < 1:
        raise ValueError("hot_keys_per_partition must be >= 1")
    if settings.log_format not in ("json", "text"):
        raise ValueError("log_format must be json or text")
    if settings.checkpoint_interval_s <= 0:
        raise ValueError("checkpoint_interval_s must be > 0")
    if not 0 <= settings.fetch_wait_ms <= 60_000:
        raise ValueError("fetch_wait_ms must be within 0..60000")
    if settings.progress_interval_s < 0:
        raise ValueError("progress_interval_s must be >= 0")
    _validate_security(settings)


def _validate_security(settings: Settings) -> None:
    if settings.sasl_password and settings.sasl_password_file:
        raise ValueError("set sasl_password or sasl_password_file, not both")
    problem = security_problem(
        settings.security_protocol,
        settings.sasl_mechanism,
        settings.sasl_username,
        bool(settings.sasl_password or settings.sasl_password_file),
        settings.ssl_certfile,
        settings.ssl_keyfile,
    )
    if problem:
        raise ValueError(problem)


def is_secret(field_name: str) -> bool:
    return any(
        f.name == field_name and f.metadata.get("secret") for f in dataclasses.fields(Settings)
    )


def printable(settings: Settings) -> dict[str, Any]:
    """The settings for showing to people: secrets replaced by ``***`` (if set)."""
    return {
        name: ("***" if value and is_secret(name) else value)
        for name, value in settings.as_dict().items()
    }
