"""Fast checks of the broker manager's guard rails; no JVM, no Maven, no network."""

from __future__ import annotations

import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.kafka.broker import (
    BrokerConfig,
    BrokerError,
    LocalBroker,
    default_cache_dir,
    find_java,
    free_ports,
    new_cluster_id,
    port_in_use,
    render_server_properties,
)


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nPATH=/usr/bin:/bin\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def broker(tmp_path: Path) -> LocalBroker:
    port, ctrl = free_ports(2)
    cfg = BrokerConfig(
        home=tmp_path / "home", cache_dir=tmp_path / "cache", port=port, controller_port=ctrl
    )
    return LocalBroker(cfg)


@pytest.fixture
def bare_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holding only an empty bin dir (tests drop fake java/mvn there)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    return bindir


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_render_server_properties_listeners(tmp_path: Path) -> None:
    cfg = BrokerConfig(home=tmp_path, cache_dir=tmp_path, port=19092, controller_port=19093)
    props = dict(
        line.split("=", 1)
        for line in render_server_properties(cfg, tmp_path).splitlines()
        if line and not line.startswith("#")
    )
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert props["process.roles"] == "broker,controller"
    assert props["controller.listener.names"] == "CONTROLLER"
    assert props["log.dirs"] == str(tmp_path / "data")
    assert "controller.quorum.voters" not in props  # conflicts with format --standalone
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
        "share.coordinator.state.topic.min.isr",
    ):
        assert props[key] == "1"
    # Replayed history must outlive the first retention check (see test_broker.py).
    assert props["log.retention.ms"] == "-1"
    assert int(props["log.retention.bytes"]) >= 1 << 30


def test_bootstrap_and_cluster_id(broker: LocalBroker) -> None:
    assert broker.bootstrap == f"127.0.0.1:{broker.config.port}"
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(len(i) == 22 and not i.startswith("-") for i in ids)


def test_default_cache_dir_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DISTILLGUARD_CACHE_DIR", str(tmp_path))
    assert default_cache_dir() == tmp_path
    monkeypatch.delenv("DISTILLGUARD_CACHE_DIR")
    assert default_cache_dir() == Path.home() / ".cache" / "distillguard"


def test_port_taken_is_reported(tmp_path: Path, listener: int) -> None:
    assert port_in_use("127.0.0.1", listener)
    (ctrl,) = free_ports(1)
    cfg = BrokerConfig(home=tmp_path, cache_dir=tmp_path, port=listener, controller_port=ctrl)
    with pytest.raises(BrokerError, match=rf"port {listener} on 127\.0\.0\.1 is already in use"):
        LocalBroker(cfg).start()


def test_controller_port_taken_is_reported(tmp_path: Path, listener: int) -> None:
    (port,) = free_ports(1)
    cfg = BrokerConfig(home=tmp_path, cache_dir=tmp_path, port=port, controller_port=listener)
    with pytest.raises(BrokerError, match=rf"controller_port {listener}"):
        LocalBroker(cfg).start()


def test_same_ports_rejected(tmp_path: Path) -> None:
    cfg = BrokerConfig(home=tmp_path, cache_dir=tmp_path, port=19092, controller_port=19092)
    with pytest.raises(BrokerError, match="must differ"):
        LocalBroker(cfg).start()


def test_missing_java(broker: LocalBroker, bare_path: Path) -> None:
    with pytest.raises(BrokerError, match=r"java not found.*JDK >= 17"):
        broker.start()


@pytest.mark.parametrize("version", ["11.0.2", "1.8.0_292"])
def test_old_java(broker: LocalBroker, bare_path: Path, version: str) -> None:
    _script(bare_path / "java", f"echo 'openjdk version \"{version}\" 2019-01-15' >&2\n")
    with pytest.raises(BrokerError, match=rf"Java >= 17.*Java {version}"):
        broker.start()


def test_java_home_wins_over_path(
    bare_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _script(bare_path / "java", "echo 'openjdk version \"11\"' >&2\n")
    good = _script(tmp_path / "jdk" / "bin" / "java", "echo 'openjdk version \"21.0.1\"' >&2\n")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))
    assert find_java() == str(good)


def test_mvn_missing_only_matters_without_cache(broker: LocalBroker, bare_path: Path) -> None:
    with pytest.raises(BrokerError, match="mvn"):
        broker.resolve_jars()
    jar = broker.libs_dir / f"kafka_2.13-{broker.config.kafka_version}.jar"
    jar.parent.mkdir(parents=True)
    jar.touch()
    assert broker.resolve_jars() == broker.libs_dir


def test_failed_download_leaves_no_half_cache(broker: LocalBroker, bare_path: Path) -> None:
    # Fake mvn: writes one jar into -DoutputDirectory, then fails.
    _script(
        bare_path / "mvn",
        'for a in "$@"; do case "$a" in -DoutputDirectory=*) d="${a#*=}";; esac; done\n'
        'mkdir -p "$d" && touch "$d/scala-library.jar"; echo boom; exit 3\n',
    )
    with pytest.raises(BrokerError, match=r"exit 3(.|\n)*boom"):
        broker.resolve_jars()
    assert sorted(p.name for p in broker.cache_dir.iterdir()) == [".kafka-4.1.1.lock"]


def test_download_is_atomic_and_once(broker: LocalBroker, bare_path: Path) -> None:
    _script(
        bare_path / "mvn",
        'for a in "$@"; do case "$a" in -DoutputDirectory=*) d="${a#*=}";; esac; done\n'
        'mkdir -p "$d" && touch "$d/kafka_2.13-4.1.1.jar"\n'
        f'echo run >> "{bare_path}/calls"\n',
    )
    assert broker.resolve_jars() == broker.libs_dir
    assert broker.resolve_jars() == broker.libs_dir
    assert (bare_path / "calls").read_text() == "run\n"
    assert (broker.libs_dir / "kafka_2.13-4.1.1.jar").is_file()
    assert not list(broker.cache_dir.glob(".kafka-*.tmp-*"))


def test_status_without_pid_file(broker: LocalBroker) -> None:
    status = broker.status()
    assert not status.running and status.pid is None
    assert status.bootstrap == broker.bootstrap


def test_dead_pid_reports_not_running(broker: LocalBroker) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    broker.home.mkdir(parents=True)
    broker.pid_file.write_text(f"{proc.pid}\n")
    status = broker.status()
    assert not status.running and status.pid is None
    assert "stale" in status.detail
    broker.stop()  # no-op, but tidies the stale pid file
    assert not broker.pid_file.exists()


def test_foreign_pid_is_never_signalled(broker: LocalBroker) -> None:
    """A recycled pid that is not our kafka.Kafka JVM must survive stop()."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        broker.home.mkdir(parents=True)
        broker.pid_file.write_text(f"{proc.pid}\n")
        assert not broker.status().running
        broker.stop()
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_invalid_heap(tmp_path: Path) -> None:
    from streams.kafka.broker import _min_heap

    assert _min_heap("512m") == "256m"
    assert _min_heap("128m") == "128m"
    assert _min_heap("2g") == "256m"
    with pytest.raises(BrokerError, match="heap"):
        _min_heap("lots")
