"""Run a real single-node Apache Kafka (KRaft) broker from Maven Central jars.

Why: integration tests and local demos need a genuine broker, and there is no docker
here. The jars are resolved once with ``mvn`` into a shared cache; each broker *home*
holds its own config, data, logs and pid file, so several brokers can coexist.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.kafka.security import PLAINTEXT, ClientSecurity, kafka_python_kwargs

MIN_JAVA = 17
LOG4J_VERSION = "2.24.3"
# Kafka 4.x still ships slf4j-api 1.7.x, so the log4j binding must be the SLF4J-1 one
# (log4j-slf4j-impl); log4j-slf4j2-impl would silently drop every broker log line.
_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>distillguard</groupId><artifactId>kafka-libs</artifactId>
  <version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{kafka}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version></dependency>
  </dependencies>
</project>
"""
_LOG4J2 = """status = warn
name = distillguard-kafka
shutdownHook = disable
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.filePattern = ${sys:kafka.logs.dir}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


class BrokerError(RuntimeError):
    """Raised with an actionable message when the local broker cannot be managed."""


@dataclass(frozen=True)
class BrokerConfig:
    """Where a broker lives and how it listens."""

    home: Path
    cache_dir: Path
    kafka_version: str = "4.1.1"
    host: str = "127.0.0.1"
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    secure: bool = False  # SASL_SSL client listener (SCRAM users, generated certificates)


SCRAM_USER = "distillguard"
SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")
SECURE_LISTENER = "SASL_SSL"


@dataclass(frozen=True)
class SecureMaterial:
    """A secure broker home's TLS files and the SCRAM user its clients log in as."""

    directory: Path
    username: str
    password: str = field(repr=False)

    @property
    def ca_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def keystore(self) -> Path:
        return self.directory / "broker-keystore.pem"

    @property
    def password_file(self) -> Path:
        return self.directory / "client.password"

    @property
    def env_file(self) -> Path:
        return self.directory / "client.env"

    def client_security(self) -> ClientSecurity:
        return ClientSecurity(
            protocol=SECURE_LISTENER,
            mechanism=SCRAM_MECHANISMS[0],
            username=self.username,
            password=self.password,
            cafile=str(self.ca_file),
        )

    def client_env(self, bootstrap: str) -> dict[str, str]:
        """The variables that point distillguard's clients at this broker (no password)."""
        return {
            "DISTILLGUARD_BOOTSTRAP_SERVERS": bootstrap,
            "DISTILLGUARD_SECURITY_PROTOCOL": SECURE_LISTENER,
            "DISTILLGUARD_SASL_MECHANISM": SCRAM_MECHANISMS[0],
            "DISTILLGUARD_SASL_USERNAME": self.username,
            "DISTILLGUARD_SASL_PASSWORD_FILE": str(self.password_file),
            "DISTILLGUARD_SSL_CAFILE": str(self.ca_file),
        }


@dataclass(frozen=True)
class BrokerStatus:
    """Snapshot of a broker home; ``running`` means our JVM process is alive."""

    running: bool
    pid: int | None
    bootstrap: str
    home: Path
    detail: str


def default_cache_dir() -> Path:
    """Jar cache shared by every broker home (downloads happen once per machine)."""
    env = os.environ.get("DISTILLGUARD_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "distillguard"


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _secure_properties(material: SecureMaterial) -> dict[str, str]:
    """SASL/SCRAM over TLS on the client listener; the broker logs in to itself as the user."""
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{material.username}" password="{material.password}";'
    )
    props = {
        "sasl.enabled.mechanisms": ",".join(SCRAM_MECHANISMS),
        "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISMS[0],
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(material.keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(material.ca_file),
        "ssl.client.auth": "none",
    }
    for mechanism in SCRAM_MECHANISMS:
        props[f"listener.name.{SECURE_LISTENER.lower()}.{mechanism.lower()}.sasl.jaas.config"] = (
            jaas
        )
    return props


LOCAL_RETENTION_BYTES = 1 << 30  # per partition, on the local broker


def render_server_properties(
    config: BrokerConfig, home: Path, material: SecureMaterial | None = None
) -> str:
    """Combined broker+controller on loopback, with every internal topic at RF 1.

    A secure broker has one SASL_SSL listener for clients (and itself); the controller
    listener stays PLAINTEXT on loopback.
    """
    if config.secure and material is None:
        raise ValueError("a secure broker's properties need its SecureMaterial")
    listener = SECURE_LISTENER if config.secure else "PLAINTEXT"
    listeners = (
        f"{listener}://{_hostport(config.host, config.port)},"
        f"CONTROLLER://{_hostport(config.host, config.controller_port)}"
    )
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": _hostport(config.host, config.controller_port),
        "listeners": listeners,
        "advertised.listeners": f"{listener}://{_hostport(config.host, config.port)}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": listener,
        "listener.security.protocol.map": f"{listener}:{listener},CONTROLLER:PLAINTEXT",
        "log.dirs": str(home / "data"),
        "num.partitions": "1",
        "auto.create.topics.enable": "true",
        "group.initial.rebalance.delay.ms": "0",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",  # fewer partitions -> faster first group join
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Replays of history keep each event's time as the record timestamp, and the
        # default retention (7 days by record timestamp) would delete older ones at the
        # broker's first retention check, 30 s after start, under a worker still
        # reading them. This broker bounds its topics by size instead.
        "log.retention.ms": "-1",
        "log.retention.bytes": str(LOCAL_RETENTION_BYTES),
    }
    if material is not None and config.secure:
        props.update(_secure_properties(material))
    lines = ["# Generated by distillguard (streams/kafka/broker.py); rewritten on start."]
    lines += [f"{k}={v}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def new_cluster_id() -> str:
    """Same format as ``kafka-storage random-uuid`` without paying for a JVM start."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):  # Kafka avoids ids that look like CLI flags
            return cid


def find_java() -> str:
    """``$JAVA_HOME/bin/java`` if set, else ``java`` on PATH; must be Java >= 17."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not java or not os.access(java, os.X_OK):
        raise BrokerError(
            f"java not found ({'JAVA_HOME=' + java_home if java_home else 'not on PATH'}); "
            f"install a JDK >= {MIN_JAVA} (e.g. apt-get install openjdk-17-jre-headless)"
        )
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerError(f"cannot run {java} -version: {exc}") from exc
    text = out.stderr + out.stdout
    match = re.search(r'version "([^"]+)"', text)
    if not match:
        raise BrokerError(f"cannot parse Java version from `{java} -version`: {text.strip()!r}")
    parts = re.split(r"[._+-]", match.group(1))
    major = int(parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0])
    if major < MIN_JAVA:
        raise BrokerError(
            f"Kafka 4 needs Java >= {MIN_JAVA}, but {java} is Java {match.group(1)}; "
            "install a newer JDK or point JAVA_HOME at one"
        )
    return java


def port_in_use(host: str, port: int) -> bool:
    """True if nothing can bind ``host:port`` (SO_REUSEADDR, like the JVM does)."""
    for family, stype, proto, _, addr in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM):
        with socket.socket(family, stype, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(addr)
            except OSError:
                return True
    return False


def free_ports(count: int = 2, host: str = "127.0.0.1") -> list[int]:
    """Distinct currently-free ports (all bound at once so the kernel can't repeat one)."""
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tail(path: Path, lines: int = 20, since: int = 0) -> str:
    """Last lines of a log, only from byte ``since`` on (so old runs don't mislead)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(since if since <= _size(path) else 0)
            content = handle.read().decode(errors="replace").splitlines()
    except OSError:
        return f"  ({path} not readable)"
    return "\n".join(f"  {line}" for line in content[-lines:]) or f"  ({path.name}: no output)"


def _split_bootstrap(bootstrap: str) -> tuple[str, int]:
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    return host.strip("[]") or "localhost", int(port)


def probe_metadata(
    bootstrap: str, timeout: float = 5.0, security: ClientSecurity = PLAINTEXT
) -> str | None:
    """Ask the broker for cluster metadata; None when it answers, else why not."""
    host, port = _split_bootstrap(bootstrap)
    try:
        socket.create_connection((host, port), timeout=min(timeout, 2.0)).close()
    except OSError as exc:
        return f"cannot connect to {bootstrap}: {exc}"
    from kafka import KafkaAdminClient  # lazy: keep CLI start-up and unit tests light

    ms = max(int(timeout * 1000), 1000)
    failures = _BootstrapFailures()
    manager_log = logging.getLogger("kafka.net.manager")
    manager_log.addHandler(failures)
    try:
        admin: Any = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="distillguard-probe",
            request_timeout_ms=ms,
            bootstrap_timeout_ms=ms,
            **kafka_python_kwargs(security),
        )
    except Exception as exc:
        cause = failures.cause()
        if cause and security.protocol == "PLAINTEXT" and "Invalid frame length" in cause:
            cause += ": the port answered with TLS"
        because = f" ({cause})" if cause else ""
        return (
            f"metadata bootstrap failed: {type(exc).__name__}: {exc}{because}"
            f"{_security_hint(security)}"
        )
    finally:
        manager_log.removeHandler(failures)
    try:
        cluster = admin.describe_cluster()
        brokers = [b for b in cluster.get("brokers", []) if not b.get("is_fenced", False)]
        if not brokers:
            return "broker is up but not yet unfenced"
        admin.list_topics()
    except Exception as exc:
        return f"metadata request failed: {type(exc).__name__}: {exc}"
    finally:
        with contextlib.suppress(Exception):
            admin.close()
    return None


# Failures that say the broker is there but will not have us: no point retrying them.
REFUSALS = ("SaslAuthenticationFailedError", "CERTIFICATE_VERIFY_FAILED")


def is_refusal(reason: str) -> bool:
    """True when waiting cannot help: the broker refused these credentials or this CA."""
    return any(sign in reason for sign in REFUSALS)


class _BootstrapFailures(logging.Handler):
    """Why kafka-python's bootstrap attempts failed: it logs the cause but raises only a
    timeout, and "invalid credentials" or "certificate verify failed" is what people need."""

    _FAILED = re.compile(r"Bootstrap (?:connection|attempt) to \S+ failed: (.*?)(?: \(backoff.*)?$")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.causes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        match = self._FAILED.match(record.getMessage())
        if match and match.group(1) not in self.causes:
            self.causes.append(match.group(1))

    def cause(self) -> str | None:
        """The most telling cause seen: a refusal, else the latest that is more than a
        bare disconnect. A refusal outranks a later round's timeout, which only says the
        probe's own deadline cut that round short."""
        refusals = [c for c in self.causes if is_refusal(c)]
        telling = [c for c in self.causes if "socket disconnected" not in c]
        causes = refusals or telling or self.causes
        return causes[-1] if causes else None


def _security_hint(security: ClientSecurity) -> str:
    """What to check when a client of this security cannot even bootstrap."""
    if security.protocol == "PLAINTEXT":
        return (
            "; connecting in PLAINTEXT: if the broker requires TLS or SASL, set "
            "DISTILLGUARD_SECURITY_PROTOCOL and its credentials"
        )
    return (
        f"; connecting with {security.protocol}"
        + (f" as {security.username!r} via {security.mechanism}" if security.uses_sasl else "")
        + ": check the broker's listener, the CA file and the credentials"
    )


def _proc_state(pid: int) -> str | None:
    """Linux process state letter, None if unknown (no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[0]


def pid_alive(pid: int) -> bool:
    """True for a live (non-zombie) process; reaps it if it is our own dead child."""
    with contextlib.suppress(ChildProcessError, OSError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _proc_state(pid) not in ("Z", "X")


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except FileNotFoundError:
        if Path("/proc/self").exists():
            return []
    except OSError:
        return []
    out = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return out.stdout.split()


# Popen objects of brokers this process spawned: keeps them from being garbage collected
# (ResourceWarning) and lets stop() reap the child instead of leaving a zombie.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class LocalBroker:
    """Start/stop/status for one broker home; all state lives on disk, not in this object."""

    def __init__(self, config: BrokerConfig) -> None:
        self.config = config
        self.home = config.home.expanduser().resolve()  # one spelling, whatever symlinks
        self.cache_dir = config.cache_dir.expanduser().resolve()
        self.properties = self.home / "server.properties"
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.pid_file = self.home / "broker.pid"
        self.stdout_log = self.logs_dir / "kafka.out"
        self.server_log = self.logs_dir / "server.log"
        self.security_dir = self.home / "security"
        # Storage formatted with this home's SCRAM user; lives with the credentials, so a
        # re-generated password can never meet storage formatted with an older one.
        self.scram_marker = self.security_dir / "scram-formatted"

    @property
    def bootstrap(self) -> str:
        return _hostport(self.config.host, self.config.port)

    # ---------------------------------------------------------------- security
    def material(self) -> SecureMaterial | None:
        """This home's secure material, if it was ever started with ``secure``."""
        password_file = self.security_dir / "client.password"
        try:
            password = password_file.read_text().strip()
        except OSError:
            return None
        material = SecureMaterial(self.security_dir, SCRAM_USER, password)
        complete = password and material.ca_file.is_file() and material.keystore.is_file()
        return material if complete else None

    def _ensure_material(self) -> SecureMaterial:
        """Certificates and a SCRAM password, made once per home (all or nothing)."""
        existing = self.material()
        if existing is not None:
            return existing
        from streams.kafka.certs import CertificateError, make_local_certificates

        shutil.rmtree(self.security_dir, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=".security.tmp-", dir=self.home))
        try:
            hosts = [self.config.host, "127.0.0.1", "localhost"]
            make_local_certificates(tmp, hosts)
            _private_write(tmp / "client.password", secrets.token_urlsafe(24) + "\n")
            tmp.rename(self.security_dir)
        except CertificateError as exc:
            raise BrokerError(str(exc)) from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        material = self.material()
        assert material is not None  # just written
        env = "".join(f"export {k}={v}\n" for k, v in material.client_env(self.bootstrap).items())
        _private_write(material.env_file, env)
        return material

    def client_security(self) -> ClientSecurity:
        """How a client reaches this broker as it is configured now (plaintext or SASL_SSL)."""
        if not self.config.secure:
            return PLAINTEXT
        material = self.material()
        if material is None:
            raise BrokerError(f"{self.home} has no secure material yet; start it with secure")
        return material.client_security()

    def _running_security(self) -> ClientSecurity:
        """The security of the broker as last started (its properties), whatever our config."""
        try:
            secure = f"{SECURE_LISTENER}://" in self.properties.read_text()
        except OSError:
            secure = False
        material = self.material() if secure else None
        return material.client_security() if material is not None else PLAINTEXT

    def _render(self) -> str:
        material = self._ensure_material() if self.config.secure else None
        return render_server_properties(self.config, self.home, material)

    @property
    def libs_dir(self) -> Path:
        return self.cache_dir / f"kafka-{self.config.kafka_version}" / "libs"

    # ---------------------------------------------------------------- jars
    def _jars_present(self) -> bool:
        return (self.libs_dir / f"kafka_2.13-{self.config.kafka_version}.jar").is_file()

    def resolve_jars(self) -> Path:
        """Download the broker jars once (atomic rename, so a killed mvn leaves no half cache)."""
        if self._jars_present():
            return self.libs_dir
        mvn = shutil.which("mvn")
        if not mvn:
            raise BrokerError(
                f"Kafka jars are not cached in {self.libs_dir.parent} and `mvn` is not on PATH; "
                "install Maven (apt-get install maven) or set DISTILLGUARD_CACHE_DIR to a "
                "populated cache"
            )
        version = self.config.kafka_version
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with _locked(self.cache_dir / f".kafka-{version}.lock"):
            if self._jars_present():  # another process won the race
                return self.libs_dir
            for stale in self.cache_dir.glob(f".kafka-{version}.tmp-*"):
                shutil.rmtree(stale, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".kafka-{version}.tmp-", dir=self.cache_dir))
            try:
                (tmp / "pom.xml").write_text(_POM.format(kafka=version, log4j=LOG4J_VERSION))
                cmd = [
                    mvn,
                    "-q",
                    "-B",
                    "-f",
                    str(tmp / "pom.xml"),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={tmp / 'libs'}",
                    "-DincludeScope=runtime",
                ]
                with open(tmp / "mvn.log", "wb") as log:
                    rc = subprocess.run(
                        cmd, stdout=log, stderr=subprocess.STDOUT, timeout=900, check=False
                    ).returncode
                if rc != 0 or not (tmp / "libs" / f"kafka_2.13-{version}.jar").is_file():
                    raise BrokerError(
                        f"mvn could not fetch Kafka {version} (exit {rc}); is Maven Central "
                        f"reachable?\n{_tail(tmp / 'mvn.log')}"
                    )
                target = self.libs_dir.parent
                if target.exists():  # a pre-atomic leftover without the kafka jar
                    shutil.rmtree(target)
                tmp.rename(target)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        return self.libs_dir

    # ---------------------------------------------------------------- status
    def _read_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _is_ours(self, pid: int) -> bool:
        """The pid must be a kafka.Kafka JVM started on *this* home's server.properties."""
        argv = _cmdline(pid)
        if "kafka.Kafka" not in argv:
            return False
        return any(
            arg == str(self.properties)
            or (arg.endswith(".properties") and Path(arg).resolve() == self.properties)
            for arg in argv
        )

    def _live_pid(self) -> tuple[int | None, str]:
        pid = self._read_pid()
        if pid is None:
            return None, "not running (no pid file)"
        if not pid_alive(pid):
            return None, f"not running (stale pid file: process {pid} is gone)"
        if not self._is_ours(pid):
            return None, f"not running (stale pid file: pid {pid} is not this Kafka broker)"
        return pid, ""

    @property
    def pid(self) -> int | None:
        """The broker JVM's pid while it runs (None otherwise); no network round trip."""
        return self._live_pid()[0]

    def status(self) -> BrokerStatus:
        pid, detail = self._live_pid()
        if pid is not None:
            security = self._running_security()
            reason = probe_metadata(self.bootstrap, timeout=3.0, security=security)
            detail = (
                f"serving on {self.bootstrap} (pid {pid})"
                if reason is None
                else f"pid {pid} alive but not answering on {self.bootstrap}: {reason}"
            )
        return BrokerStatus(pid is not None, pid, self.bootstrap, self.home, detail)

    # ---------------------------------------------------------------- start
    def _check_ports(self) -> None:
        cfg = self.config
        if cfg.port == cfg.controller_port:
            raise BrokerError(f"port and controller_port must differ (both {cfg.port})")
        for name, port in (("port", cfg.port), ("controller_port", cfg.controller_port)):
            if port_in_use(cfg.host, port):
                raise BrokerError(
                    f"{name} {port} on {cfg.host} is already in use by another process "
                    f"(no distillguard broker of {self.home} owns it); stop it or pick another "
                    "port"
                )

    def _java_cmd(self, java: str, libs: Path, heap: str, *args: str) -> list[str]:
        return [
            java,
            f"-Xmx{heap}",
            f"-Xms{_min_heap(heap)}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={self.logs_dir}",
            "-cp",
            f"{libs}/*",
            *args,
        ]

    def _format(self, java: str, libs: Path) -> None:
        """Format KRaft storage once; a home without meta.properties was never formatted.

        A secure broker's SCRAM user is created here (KRaft keeps SCRAM credentials in the
        metadata log, which the format step bootstraps).
        """
        material = self.material() if self.config.secure else None
        if (self.data_dir / "meta.properties").is_file():
            if material is not None and not self.scram_marker.is_file():
                raise BrokerError(
                    f"the storage of {self.home} was formatted without the SCRAM user of its "
                    f"current credentials (started without --secure before?); stop it and "
                    f"remove {self.data_dir}, or use another kafka_home"
                )
            return
        shutil.rmtree(self.data_dir, ignore_errors=True)
        scram: list[str] = []
        if material is not None:
            for mechanism in SCRAM_MECHANISMS:
                user = f"name={material.username},password={material.password}"
                scram += ["--add-scram", f"{mechanism}=[{user}]"]
        cmd = self._java_cmd(
            java,
            libs,
            "256m",
            "kafka.tools.StorageTool",
            "format",
            "--standalone",
            "-t",
            new_cluster_id(),
            "-c",
            str(self.properties),
            *scram,
        )
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        if out.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            lines = (out.stdout + out.stderr).splitlines()[-20:]
            if material is not None:  # never echo the password the command line carried
                lines = [line.replace(material.password, "***") for line in lines]
            text = "\n".join(f"  {x}" for x in lines)
            raise BrokerError(f"kafka-storage format failed (exit {out.returncode}):\n{text}")
        if material is not None:
            self.scram_marker.write_text(f"{material.username}\n")

    def start(self, timeout: float = 90.0) -> BrokerStatus:
        """Start (or find) the broker and return once a client can fetch metadata."""
        self.home.mkdir(parents=True, exist_ok=True)
        with _locked(self.home / ".lock"):
            pid, _ = self._live_pid()
            if pid is not None:  # already running (maybe still starting): just wait for it
                wanted = self._render()
                with contextlib.suppress(OSError):
                    if self.properties.read_text() != wanted:
                        raise BrokerError(
                            f"the broker of {self.home} is already running (pid {pid}) with "
                            f"other settings (see {self.properties}); stop it first"
                        )
                self._wait_ready(pid, None, timeout)
                return self.status()
            self.pid_file.unlink(missing_ok=True)
            self._check_ports()
            java = find_java()
            libs = self.resolve_jars()
            self.logs_dir.mkdir(parents=True, exist_ok=True)
            # 0600: a secure broker's properties hold the password it logs in to itself with
            _private_write(self.properties, self._render())
            (self.home / "log4j2.properties").write_text(_LOG4J2)
            self._format(java, libs)
            cmd = self._java_cmd(java, libs, self.config.heap, "kafka.Kafka", str(self.properties))
            marks = (_size(self.stdout_log), _size(self.server_log))
            with open(self.stdout_log, "ab") as out:
                proc = subprocess.Popen(
                    cmd,
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # survive our exit/^C
                )
            _CHILDREN[proc.pid] = proc
            _atomic_write(self.pid_file, f"{proc.pid}\n")
            try:
                self._wait_ready(proc.pid, proc, timeout, marks)
            except BaseException:
                self._terminate(proc.pid, 10.0)
                self.pid_file.unlink(missing_ok=True)
                raise
        return self.status()

    def _wait_ready(
        self,
        pid: int,
        proc: subprocess.Popen[bytes] | None,
        timeout: float,
        marks: tuple[int, int] = (0, 0),
    ) -> None:
        deadline = time.monotonic() + timeout
        reason = "not probed yet"
        while True:
            exited = proc.poll() is not None if proc is not None else not pid_alive(pid)
            if exited:
                code = proc.returncode if proc is not None else "?"
                raise BrokerError(
                    f"Kafka JVM (pid {pid}) exited early with code {code}; see {self.logs_dir}\n"
                    f"{self.stdout_log.name}:\n{_tail(self.stdout_log, 10, marks[0])}\n"
                    f"{self.server_log.name}:\n{_tail(self.server_log, 20, marks[1])}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BrokerError(
                    f"Kafka broker (pid {pid}) not ready on {self.bootstrap} after {timeout:.0f}s:"
                    f" {reason}\n{self.server_log.name}:\n{_tail(self.server_log, 20, marks[1])}"
                )
            probed = probe_metadata(
                self.bootstrap,
                timeout=min(5.0, max(remaining, 0.5)),
                security=self._running_security(),
            )
            reason = probed or ""
            if not reason:
                return
            time.sleep(0.2)

    # ---------------------------------------------------------------- stop
    def _terminate(self, pid: int, timeout: float) -> None:
        """SIGTERM (graceful Kafka shutdown), then SIGKILL if it outlives ``timeout``."""
        proc = _CHILDREN.pop(pid, None)
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if proc is not None and proc.poll() is not None:
                    return
                if proc is None and not pid_alive(pid):
                    return
                time.sleep(0.1)
        raise BrokerError(f"Kafka broker pid {pid} survived SIGKILL; check `ps -p {pid}`")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the broker of this home via its pid file; no-op if it is not running."""
        with _locked(self.home / ".lock") if self.home.is_dir() else contextlib.nullcontext():
            pid, _ = self._live_pid()
            if pid is not None:
                self._terminate(pid, timeout)
            self.pid_file.unlink(missing_ok=True)


def _min_heap(heap: str) -> str:
    """-Xms: the heap itself when it is small, else 256m (start-up needs no more)."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", heap.strip())
    if not match:
        raise BrokerError(f"invalid heap size {heap!r}; use e.g. '512m' or '1g'")
    scale = {"": 1 / 2**20, "k": 1 / 1024, "m": 1, "g": 1024}[match.group(2).lower()]
    return heap if int(match.group(1)) * scale <= 256 else "256m"


def _private_write(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (it may hold a secret)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    tmp.replace(path)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Inter-process lock so two CLIs cannot format/spawn/download at the same time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
