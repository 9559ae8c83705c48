"""docker/ is real: the compose file must resolve, the Dockerfile must run our CLI.

No Docker engine runs here; ``docker compose config`` only needs the CLI and its compose
plugin, so the check runs wherever those exist and is skipped elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from streams.config import env_name, field_types

DOCKER = Path(__file__).resolve().parent.parent / "docker"


def compose_command() -> list[str] | None:
    candidates: list[list[str]] = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for cmd in candidates:
        probe = subprocess.run([*cmd, "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return cmd
    return None


def test_compose_file_resolves_with_kafka_and_worker() -> None:
    cmd = compose_command()
    if cmd is None:
        pytest.skip("no docker compose CLI on this machine")
    result = subprocess.run(
        [*cmd, "-f", str(DOCKER / "compose.yaml"), "config", "--format", "json"],
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode()
    config = orjson.loads(result.stdout)
    services = config["services"]
    assert {"kafka", "topics", "worker"} <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:4.")
    env = services["worker"]["environment"]
    assert env["DISTILLGUARD_BOOTSTRAP_SERVERS"] == "kafka:29092"
    assert services["worker"]["command"] == ["worker"]
    # Every variable the compose file sets is a real setting (a stale one would be ignored).
    known = {env_name(name) for name in field_types()}
    for service in ("topics", "worker"):
        assert set(services[service]["environment"]) <= known
    assert env["DISTILLGUARD_WEB_PORT"] == "6066"
    assert "/healthz" in " ".join(services["worker"]["healthcheck"]["test"])


def test_dockerfile_installs_the_package_and_runs_the_cli() -> None:
    text = (DOCKER / "Dockerfile").read_text()
    assert "COPY streams ./streams" in text
    assert 'ENTRYPOINT ["distillguard"]' in text
    assert 'CMD ["worker"]' in text
