"""One real Kafka broker per integration session, on free ports in a throwaway home."""

from __future__ import annotations

import atexit
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streams.kafka.broker import (
    BrokerConfig,
    BrokerError,
    LocalBroker,
    default_cache_dir,
    free_ports,
    pid_alive,
)

_HERE = Path(__file__).parent
HOME_PREFIX = "distillguard-kafka"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/integration needs the broker: mark it so -m can skip it."""
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _reap_orphans(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Stop brokers left by earlier sessions that died hard (SIGKILL, os._exit)."""
    root = tmp_path_factory.getbasetemp().parent
    homes = {f.parent.resolve() for f in root.glob(f"pytest-*/{HOME_PREFIX}*/owner.pid")}
    for home in sorted(homes):
        owner_file = home / "owner.pid"
        try:
            owner = int(owner_file.read_text())
        except (OSError, ValueError):
            continue
        if owner != os.getpid() and not pid_alive(owner):  # never touch a live session's broker
            LocalBroker(BrokerConfig(home=home, cache_dir=default_cache_dir())).stop(timeout=10)


def make_broker(home: Path, secure: bool = False) -> LocalBroker:
    """A LocalBroker on fresh free ports, sharing the per-machine jar cache."""
    port, controller_port = free_ports(2)
    config = BrokerConfig(
        home=home,
        cache_dir=default_cache_dir(),
        port=port,
        controller_port=controller_port,
        secure=secure,
    )
    return LocalBroker(config)


def start_on_free_ports(home: Path, attempts: int = 3) -> LocalBroker:
    """Start, retrying with new ports if another process grabbed ours in the meantime."""
    for attempt in range(attempts):
        broker = make_broker(home)
        (home / "owner.pid").write_text(f"{os.getpid()}\n")
        try:
            broker.start(timeout=180)
            return broker
        except BrokerError as exc:
            if "already in use" not in str(exc) or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """The shared broker; stopped at session end, on failure and on Ctrl-C alike."""
    _reap_orphans(tmp_path_factory)
    home = tmp_path_factory.mktemp(HOME_PREFIX)
    holder: list[LocalBroker] = []

    def stop_all() -> None:
        for broker in holder:
            broker.stop(timeout=10)

    atexit.register(stop_all)  # in case pytest exits without running fixture teardown
    try:
        holder.append(start_on_free_ports(home))
        yield holder[0]
    finally:
        stop_all()
        atexit.unregister(stop_all)


@pytest.fixture
def broker_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[], LocalBroker]]:
    """Make extra, *unstarted* brokers (own home, free ports); all stopped at teardown."""
    made: list[LocalBroker] = []

    def make() -> LocalBroker:
        home = tmp_path_factory.mktemp(HOME_PREFIX)
        (home / "owner.pid").write_text(f"{os.getpid()}\n")
        made.append(make_broker(home))
        return made[-1]

    yield make
    for broker in made:
        broker.stop()


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """Short, legal topic/group prefix unique per test call, e.g. ``roundtrip-1a2b3c4d``."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name.removeprefix("test_"))[:24]
    return f"{stem.strip('-')}-{uuid.uuid4().hex[:8]}"
