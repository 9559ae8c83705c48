"""The bare faust ceiling: an agent that forwards every input record unchanged.

Same broker, same input, same consumer and producer settings as the worker, and no
detection: what faust itself costs per record here. Run as a child process
(``python -m streams.bench.passthrough``) with the worker's environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import faust

from streams.config import Settings, load_settings
from streams.worker.app import broker_url


def output_topic(settings: Settings) -> str:
    return f"{settings.app_id}-passthrough-out"


def create_passthrough_app(settings: Settings) -> faust.App:
    datadir = Path(settings.data_dir)
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.app_id,
        broker=broker_url(settings.bootstrap_servers),
        store="memory://",
        datadir=str(datadir),
        topic_partitions=settings.partitions,
        topic_replication_factor=1,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        broker_commit_interval=settings.checkpoint_interval_s,
        broker_commit_every=settings.checkpoint_max_events,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_s / 5),
        stream_buffer_maxsize=4096,
    )
    source = app.topic(settings.topic_api_calls, key_serializer="raw", value_serializer="raw")
    out = app.topic(output_topic(settings), key_serializer="raw", value_serializer="raw")

    @app.agent(source, name="passthrough")
    async def forward(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            message = event.message
            out.send_soon(key=message.key, value=message.value)

    return app


def main() -> int:
    from faust.worker import Worker

    settings = load_settings()
    app = create_passthrough_app(settings)
    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
