"""docker/ is real: the compose file must resolve, the Dockerfile must run our CLI.

No Docker engine runs here; ``docker compose config`` only needs the CLI and its compose
plugin, so the check runs wherever those exist and is skipped elsewhere. The image's
``pip install .`` is checked without an engine: the files the Dockerfile copies, alone,
must build a wheel that holds the whole package and runs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import orjson
import pytest

from streams.config import env_name, field_types

REPO = Path(__file__).resolve().parent.parent
DOCKER = REPO / "docker"


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


def dockerfile_copies() -> list[tuple[list[str], str]]:
    """(sources, destination) of each COPY line of the Dockerfile, in order."""
    copies = []
    for line in (DOCKER / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words and words[0] == "COPY":
            assert not any(w.startswith("--") for w in words), "COPY flags are not handled"
            copies.append((words[1:-1], words[-1]))
    return copies


def test_the_image_build_context_alone_makes_a_wheel_that_holds_and_runs_the_package(
    tmp_path: Path,
) -> None:
    # What the image's `pip install .` sees: only what the Dockerfile copies. A file the
    # package needs but the wheel leaves out (a data file not in package-data, a file
    # the COPY lines miss) breaks the container, not this checkout's editable install.
    context = tmp_path / "context"
    context.mkdir()
    for sources, destination in dockerfile_copies():
        for source in sources:
            path = REPO / source
            target = context / destination
            if path.is_dir():
                shutil.copytree(path, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, target / path.name if destination.endswith("/") else target)
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(wheels),
            str(context),
        ],
        capture_output=True,
        timeout=240,
    )
    assert build.returncode == 0, build.stderr.decode()
    (wheel,) = wheels.glob("distillguard-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (entry_points,) = (n for n in names if n.endswith(".dist-info/entry_points.txt"))
        assert "distillguard = streams.cli:main" in archive.read(entry_points).decode()
        archive.extractall(tmp_path / "installed")
    package = REPO / "streams"
    package_files = {
        path.relative_to(REPO).as_posix()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert package_files, "no package files found"
    assert package_files <= names, sorted(package_files - names)
    # The unpacked wheel, not this checkout, serves the CLI: it finds its sample data.
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import streams, streams.sample;"
        "from streams.cli import main;"
        "assert streams.__file__.startswith(sys.argv[1]), streams.__file__;"
        "assert streams.sample.bundled_sample_path().is_file();"
        "sys.exit(main(['--version']))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "installed")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("distillguard ")
