"""Settings -> client security: kafka-python kwargs, faust credentials, validation, secrecy.

No broker here; the real SASL_SSL round trip is tests/integration/test_secure_broker.py.
"""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import threading
from pathlib import Path

import pytest
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

from streams.cli import main
from streams.config import Settings, load_settings, printable
from streams.kafka.broker import (
    BrokerConfig,
    BrokerError,
    SecureMaterial,
    _BootstrapFailures,
    render_server_properties,
)
from streams.kafka.certs import make_local_certificates, subject_alt_names
from streams.kafka.security import (
    PLAINTEXT,
    ClientSecurity,
    faust_credentials,
    kafka_python_kwargs,
    security_from_settings,
)

SASL_ENV = {
    "DISTILLGUARD_SECURITY_PROTOCOL": "SASL_SSL",
    "DISTILLGUARD_SASL_USERNAME": "svc-distillguard",
    "DISTILLGUARD_SASL_PASSWORD": "s3cret-Pa55",
    "DISTILLGUARD_SSL_CAFILE": "/etc/kafka/ca.pem",
}
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl CLI")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl CLI")
    directory = tmp_path_factory.mktemp("pki") / "security"
    make_local_certificates(directory, ["127.0.0.1", "localhost"])
    return directory


def test_default_settings_keep_clients_plaintext_and_unchanged() -> None:
    security = security_from_settings(load_settings({}))
    assert security == PLAINTEXT
    assert kafka_python_kwargs(security) == {}  # plaintext clients get exactly what they had
    assert faust_credentials(security) is None


def test_sasl_ssl_maps_to_kafka_python_kwargs() -> None:
    security = security_from_settings(load_settings(SASL_ENV))
    assert kafka_python_kwargs(security) == {
        "security_protocol": "SASL_SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/kafka/ca.pem",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "svc-distillguard",
        "sasl_plain_password": "s3cret-Pa55",
    }


def test_sasl_plaintext_and_ssl_only_carry_just_their_part() -> None:
    env = {**SASL_ENV, "DISTILLGUARD_SECURITY_PROTOCOL": "SASL_PLAINTEXT"}
    env["DISTILLGUARD_SASL_MECHANISM"] = "SCRAM-SHA-512"
    assert kafka_python_kwargs(security_from_settings(load_settings(env))) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc-distillguard",
        "sasl_plain_password": "s3cret-Pa55",
    }
    tls = {"DISTILLGUARD_SECURITY_PROTOCOL": "SSL", "DISTILLGUARD_SSL_CAFILE": "/ca.pem"}
    tls |= {"DISTILLGUARD_SSL_CERTFILE": "/me.pem", "DISTILLGUARD_SSL_KEYFILE": "/me.key"}
    security = security_from_settings(load_settings(tls))
    assert not security.uses_sasl and security.username == ""
    assert kafka_python_kwargs(security) == {
        "security_protocol": "SSL",
        "ssl_check_hostname": True,
        "ssl_cafile": "/ca.pem",
        "ssl_certfile": "/me.pem",
        "ssl_keyfile": "/me.key",
    }


def test_password_file_is_read_and_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "kafka.password"
    secret.write_text("from-a-file\n")
    env = {k: v for k, v in SASL_ENV.items() if k != "DISTILLGUARD_SASL_PASSWORD"}
    settings = load_settings({**env, "DISTILLGUARD_SASL_PASSWORD_FILE": str(secret)})
    security = security_from_settings(settings)
    assert kafka_python_kwargs(security)["sasl_plain_password"] == "from-a-file"
    assert "from-a-file" not in repr(security)

    settings = load_settings(SASL_ENV)
    assert "s3cret-Pa55" not in repr(settings)
    assert printable(settings)["sasl_password"] == "***"
    assert printable(load_settings({}))["sasl_password"] == ""  # unset: nothing to hide


def test_unreadable_password_file_names_the_setting(tmp_path: Path) -> None:
    env = {k: v for k, v in SASL_ENV.items() if k != "DISTILLGUARD_SASL_PASSWORD"}
    missing = tmp_path / "nope"
    settings = load_settings({**env, "DISTILLGUARD_SASL_PASSWORD_FILE": str(missing)})
    with pytest.raises(BrokerError, match=rf"sasl_password_file {missing}"):
        security_from_settings(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DISTILLGUARD_SECURITY_PROTOCOL": "TLS"}, r"security_protocol must be one of"),
        ({**SASL_ENV, "DISTILLGUARD_SASL_MECHANISM": "MD5"}, r"sasl_mechanism must be one of"),
        ({**SASL_ENV, "DISTILLGUARD_SASL_USERNAME": ""}, r"SASL_SSL needs sasl_username"),
        ({**SASL_ENV, "DISTILLGUARD_SASL_PASSWORD": ""}, r"needs sasl_password or sasl_pass"),
        (
            {**SASL_ENV, "DISTILLGUARD_SASL_PASSWORD_FILE": "/p"},
            r"sasl_password or sasl_password_file, not both",
        ),
        ({"DISTILLGUARD_SSL_KEYFILE": "/k.pem"}, r"ssl_keyfile is set but ssl_certfile"),
    ],
)
def test_settings_that_cannot_work_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(env)


def test_config_command_masks_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SASL_ENV.items():
        monkeypatch.setenv(name, value)
    for args in (["config"], ["config", "--json"]):
        assert main(args) == 0
        out = capsys.readouterr().out
        assert "svc-distillguard" in out and "***" in out
        assert "s3cret-Pa55" not in out


def test_faust_gets_scram_over_tls_credentials(pki: Path) -> None:
    security = ClientSecurity(
        protocol="SASL_SSL",
        mechanism="SCRAM-SHA-512",
        username="svc",
        password="pw",
        cafile=str(pki / "ca.pem"),
    )
    credentials = faust_credentials(security)
    assert isinstance(credentials, SASLCredentials)
    assert credentials.ssl_context is not None
    assert credentials.ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert credentials.ssl_context.check_hostname
    assert "pw" not in repr(credentials)
    # what faust then hands to aiokafka (which insists on an ssl_context for SASL_SSL)
    auth = credentials_to_aiokafka_auth(credentials)
    assert auth == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "pw",
        "ssl_context": credentials.ssl_context,
    }


def test_faust_sasl_plaintext_and_ssl_credentials(pki: Path) -> None:
    plain = faust_credentials(
        ClientSecurity(protocol="SASL_PLAINTEXT", username="svc", password="pw")
    )
    assert credentials_to_aiokafka_auth(plain)["security_protocol"] == "SASL_PLAINTEXT"
    assert credentials_to_aiokafka_auth(plain)["ssl_context"] is None
    mtls = ClientSecurity(
        protocol="SSL", cafile=str(pki / "ca.pem"), certfile=str(pki / "broker-keystore.pem")
    )
    credentials = faust_credentials(mtls)  # loading the client cert chain must succeed
    assert isinstance(credentials, SSLCredentials)
    assert credentials_to_aiokafka_auth(credentials)["security_protocol"] == "SSL"


def _tls_handshake(pki: Path, server_hostname: str) -> None:
    """A real TLS handshake against a loopback server holding the broker keystore."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(pki / "broker-keystore.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_ctx = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
            client_ctx.wrap_socket(raw, server_hostname=server_hostname) as tls,
        ):
            tls.sendall(b"x")
    finally:
        thread.join(timeout=10)
        listener.close()


@needs_openssl
def test_generated_certificate_is_trusted_for_the_broker_addresses_only(pki: Path) -> None:
    _tls_handshake(pki, "127.0.0.1")
    _tls_handshake(pki, "localhost")
    with pytest.raises(ssl.SSLCertVerificationError, match=r"mismatch|match"):
        _tls_handshake(pki, "kafka.example.com")
    assert (pki / "broker-keystore.pem").stat().st_mode & 0o077 == 0
    assert (pki / "ca.key").stat().st_mode & 0o077 == 0
    assert "PRIVATE KEY" not in (pki / "ca.pem").read_text()


def test_subject_alt_names() -> None:
    assert subject_alt_names(["127.0.0.1", "localhost", "127.0.0.1", "::1"]) == (
        "IP:127.0.0.1,DNS:localhost,IP:::1"
    )


def test_secure_server_properties(tmp_path: Path) -> None:
    cfg = BrokerConfig(
        home=tmp_path, cache_dir=tmp_path, port=19092, controller_port=19093, secure=True
    )
    material = SecureMaterial(tmp_path / "security", "distillguard", "pw-123")
    text = render_server_properties(cfg, tmp_path, material)
    props = dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
    assert props["listeners"] == "SASL_SSL://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "SASL_SSL://127.0.0.1:19092"
    assert props["inter.broker.listener.name"] == "SASL_SSL"
    assert props["listener.security.protocol.map"] == "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-256,SCRAM-SHA-512"
    assert props["ssl.keystore.type"] == props["ssl.truststore.type"] == "PEM"
    assert props["ssl.keystore.location"] == str(material.keystore)
    assert props["ssl.truststore.location"] == str(material.ca_file)
    for mechanism in ("scram-sha-256", "scram-sha-512"):
        jaas = props[f"listener.name.sasl_ssl.{mechanism}.sasl.jaas.config"]
        assert 'username="distillguard" password="pw-123";' in jaas
    assert "PLAINTEXT://" not in props["listeners"]  # no unauthenticated client port
    with pytest.raises(ValueError, match="SecureMaterial"):
        render_server_properties(cfg, tmp_path)
    assert "sasl" not in render_server_properties(
        BrokerConfig(home=tmp_path, cache_dir=tmp_path), tmp_path, material
    )  # a plaintext broker ignores material it may have from an earlier secure run


def test_secure_material_env_points_at_files_not_the_password(tmp_path: Path) -> None:
    material = SecureMaterial(tmp_path, "distillguard", "pw-123")
    env = material.client_env("127.0.0.1:9092")
    settings = load_settings(env)
    assert settings.sasl_password_file == str(tmp_path / "client.password")
    assert "pw-123" not in "".join(env.values())
    assert "pw-123" not in repr(material)
    assert isinstance(settings, Settings)


def test_bootstrap_failure_cause_prefers_the_telling_one() -> None:
    failures = _BootstrapFailures()
    log = logging.getLogger("kafka.net.manager")
    log.addHandler(failures)
    try:
        log.warning(
            "Bootstrap connection to bootstrap-0 failed: KafkaConnectionError: socket "
            "disconnected (backoff 0.04 secs)"
        )
        assert failures.cause() == "KafkaConnectionError: socket disconnected"
        log.warning(
            "Bootstrap connection to bootstrap-0 failed: [Error 58] "
            "SaslAuthenticationFailedError: invalid credentials (backoff 0.20 secs)"
        )
        log.warning("Bootstrap bootstrap-0 not ready; waiting 0.04 secs")
        log.warning(
            "Bootstrap connection to bootstrap-0 failed: KafkaConnectionError: socket "
            "disconnected (backoff 0.40 secs)"
        )
        # the probe's deadline cut the last round short: that says nothing about the broker
        log.warning(
            "Bootstrap connection to bootstrap-0 failed: [Error 7] RequestTimedOutError: "
            "Request timed out after 277 ms (backoff 0.80 secs)"
        )
    finally:
        log.removeHandler(failures)
    assert failures.cause() == "[Error 58] SaslAuthenticationFailedError: invalid credentials"
    assert _BootstrapFailures().cause() is None
