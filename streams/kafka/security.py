"""How every Kafka client of distillguard authenticates: TLS and SASL from the settings.

Why one module: the command-line tools (kafka-python) and the worker (faust on aiokafka)
must speak the same protocol with the same secrets. Both are derived from one
``ClientSecurity`` value here, so they cannot drift apart; call sites never spell out
``security_protocol`` or a password themselves.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.config import Settings

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN")


def security_problem(
    protocol: str,
    mechanism: str,
    username: str,
    has_password: bool,
    certfile: str,
    keyfile: str,
) -> str | None:
    """Why these client security settings cannot work, naming the setting; None if they can."""
    if protocol not in PROTOCOLS:
        return f"security_protocol must be one of {', '.join(PROTOCOLS)}, got {protocol!r}"
    if protocol.startswith("SASL_"):
        if mechanism not in MECHANISMS:
            return f"sasl_mechanism must be one of {', '.join(MECHANISMS)}, got {mechanism!r}"
        if not username:
            return f"security_protocol {protocol} needs sasl_username"
        if not has_password:
            return f"security_protocol {protocol} needs sasl_password or sasl_password_file"
    if keyfile and not certfile:
        return "ssl_keyfile is set but ssl_certfile is not"
    return None


@dataclass(frozen=True)
class ClientSecurity:
    """The resolved security of a Kafka client (the password itself, not its file)."""

    protocol: str = "PLAINTEXT"
    mechanism: str = "SCRAM-SHA-256"
    username: str = ""
    password: str = field(default="", repr=False)  # never in a repr, log line or error
    cafile: str = ""
    certfile: str = ""
    keyfile: str = ""

    def __post_init__(self) -> None:
        problem = security_problem(
            self.protocol,
            self.mechanism,
            self.username,
            bool(self.password),
            self.certfile,
            self.keyfile,
        )
        if problem:
            raise ValueError(problem)

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")


PLAINTEXT = ClientSecurity()


def read_password_file(path: str) -> str:
    """The first line of a password file (trailing newline and spaces dropped)."""
    try:
        text = Path(path).expanduser().read_text()
    except OSError as exc:
        from streams.kafka.broker import BrokerError  # lazy: broker.py imports this module

        raise BrokerError(f"cannot read sasl_password_file {path}: {exc.strerror or exc}") from None
    lines = text.splitlines()
    return lines[0].strip() if lines else ""


def security_from_settings(settings: Settings) -> ClientSecurity:
    """The client security the settings ask for; reads ``sasl_password_file`` if set."""
    if settings.security_protocol == "PLAINTEXT":
        return PLAINTEXT
    password = settings.sasl_password
    if settings.sasl_password_file:
        password = read_password_file(settings.sasl_password_file)
    uses_sasl = settings.security_protocol.startswith("SASL_")
    return ClientSecurity(
        protocol=settings.security_protocol,
        mechanism=settings.sasl_mechanism,
        username=settings.sasl_username if uses_sasl else "",
        password=password if uses_sasl else "",
        cafile=settings.ssl_cafile,
        certfile=settings.ssl_certfile,
        keyfile=settings.ssl_keyfile,
    )


def kafka_python_kwargs(security: ClientSecurity) -> dict[str, Any]:
    """Keyword arguments for KafkaProducer / KafkaConsumer / KafkaAdminClient.

    Plaintext gives ``{}``, so plaintext clients are built exactly as they always were.
    Every kafka-python client distillguard builds takes its settings from here, so this is
    also where kafka-python's dropped-last-bytes reader is replaced (see read_fix).
    """
    from streams.kafka import read_fix

    read_fix.install()
    if security.protocol == "PLAINTEXT":
        return {}
    kwargs: dict[str, Any] = {"security_protocol": security.protocol}
    if security.uses_tls:
        kwargs["ssl_check_hostname"] = True
        if security.cafile:
            kwargs["ssl_cafile"] = security.cafile
        if security.certfile:
            kwargs["ssl_certfile"] = security.certfile
            if security.keyfile:
                kwargs["ssl_keyfile"] = security.keyfile
    if security.uses_sasl:
        kwargs["sasl_mechanism"] = security.mechanism
        kwargs["sasl_plain_username"] = security.username
        kwargs["sasl_plain_password"] = security.password
    return kwargs


def ssl_context(security: ClientSecurity) -> ssl.SSLContext:
    """A verifying client TLS context: the CA file (or the system CAs), hostname checked."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=security.cafile or None)
    if security.certfile:
        context.load_cert_chain(security.certfile, security.keyfile or None)
    return context


def faust_credentials(security: ClientSecurity) -> Any:
    """faust's ``broker_credentials`` (aiokafka needs an ``ssl_context`` for any TLS)."""
    import faust  # lazy: the command-line tools never need faust

    if security.protocol == "PLAINTEXT":
        return None
    if security.protocol == "SSL":
        return faust.SSLCredentials(context=ssl_context(security))
    return faust.SASLCredentials(
        username=security.username,
        password=security.password,
        mechanism=security.mechanism,
        ssl_context=ssl_context(security) if security.uses_tls else None,
    )
