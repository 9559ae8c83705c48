"""faust wiring: topics, the state table, the agent, the checkpoint timer.

Thin on purpose: everything that decides anything lives in ``streams.core`` and
``streams.worker.runtime``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from streams.config import Settings
from streams.core.detector import params_from_settings
from streams.worker.runtime import Headers, SourceRecord, WorkerRuntime

log = logging.getLogger("distillguard.worker")

PROFILE_TABLE = "profiles"


class CheckpointOnCommit(faust.Sensor):
    """Checkpoint state at the start of every offset commit.

    faust calls ``on_commit_initiated`` synchronously before it collects the acked
    offsets, then flushes the producer, then commits: the checkpoint is always durable
    before the offsets it covers are committed, whatever triggered the commit (interval,
    count, rebalance, shutdown).
    """

    def __init__(self, runtime: WorkerRuntime) -> None:
        super().__init__()
        self.runtime = runtime

    def on_commit_initiated(self, consumer: Any) -> Any:
        self.runtime.checkpoint()
        return None


class _NoReadOffsets(dict[TP, int | None]):
    """A read-offset map that always answers "nothing read yet" (see _ReplayingConsumer)."""

    def __getitem__(self, tp: TP) -> int | None:
        return None


class _ReplayingConsumer(faust_aiokafka.Consumer):
    """faust's consumer, without its read-offset filter and offset-gap filling.

    faust drops a fetched record whose offset is below the last one it read, and counts
    offsets it never saw ("gaps") as acknowledged. Right after a restart, records fetched
    before changelog recovery finished are thrown away and fetched again from the
    committed offset (upstream faust-streaming#596): the filter then drops the re-fetched
    records as already read and the gap logic lets the commit pass over them, so they are
    never processed. We measured one lost record in some restarts, and a commit crawling a
    record or two per second in others. Without the filter every fetched record reaches
    the agent; a record seen twice is harmless, as each profile skips offsets it has
    already applied. The input topic must not be compacted (gaps would stall commits);
    single offsets skipped by transaction markers are still passed over by faust.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_offset = _NoReadOffsets()


class _Transport(faust_aiokafka.Transport):
    Consumer = _ReplayingConsumer


class DistillguardApp(faust.App):
    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


def broker_url(bootstrap_servers: str) -> str:
    """faust's broker URL list from a Kafka bootstrap string ``h1:p1,h2:p2``."""
    hosts = [h.strip() for h in bootstrap_servers.split(",") if h.strip()]
    return ";".join(f"kafka://{h}" for h in hosts)


def create_app(settings: Settings, source_partitions: int | None = None) -> faust.App:
    """Build the faust app; ``source_partitions`` is the input topic's real partition count."""
    partitions = source_partitions or settings.partitions
    datadir = Path(settings.data_dir)
    datadir.mkdir(parents=True, exist_ok=True)
    app = DistillguardApp(
        settings.app_id,
        broker=broker_url(settings.bootstrap_servers),
        store="memory://",
        datadir=str(datadir),
        topic_partitions=partitions,
        topic_replication_factor=1,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        web_enabled=settings.web_port > 0,
        web_port=settings.web_port or 6066,
        web_bind="127.0.0.1",
        producer_max_request_size=max(1_048_576, settings.max_record_bytes + 65_536),
        consumer_max_fetch_size=max(1_048_576, settings.max_record_bytes + 65_536),
        # Every commit first checkpoints state (see CheckpointOnCommit), so these two
        # settings are also how often profiles are checkpointed.
        broker_commit_interval=settings.checkpoint_interval_s,
        broker_commit_every=settings.checkpoint_max_events,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_s / 5),
        stream_buffer_maxsize=4096,
    )
    source = app.topic(
        settings.topic_api_calls,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
    )
    alerts = app.topic(settings.topic_alerts, key_serializer="raw", value_serializer="raw")
    dead_letters = app.topic(
        settings.topic_dead_letter, key_serializer="raw", value_serializer="raw"
    )
    table = app.Table(
        PROFILE_TABLE,
        default=None,
        partitions=partitions,
        key_type=bytes,  # bytes -> faust's "raw" codec: the profile bytes as they are
        value_type=bytes,
    )

    def send_alert(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        alerts.send_soon(key=key, value=value, headers=headers)

    def send_dead_letter(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        dead_letters.send_soon(key=key, value=value, headers=headers)

    def send_changelog(partition: int, key: bytes, value: bytes | None) -> None:
        table.send_changelog(partition, key, value)

    runtime = WorkerRuntime(
        params_from_settings(settings),
        max_record_bytes=settings.max_record_bytes,
        send_alert=send_alert,
        send_dead_letter=send_dead_letter,
        send_changelog=send_changelog,
        state=table.data,
    )
    app.distillguard_runtime = runtime  # type: ignore[attr-defined]
    app.sensors.add(CheckpointOnCommit(runtime))

    @app.agent(source, name="accounts")
    async def accounts(stream: faust.StreamT[bytes]) -> None:
        # faust acks an event when the loop moves past it, i.e. after ``handle``.
        async for event in stream.events():
            message = event.message
            runtime.handle(
                SourceRecord(message.topic, message.partition, message.offset, message.value)
            )

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode signal stubs are too narrow
    async def on_revoked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        revoked: set[TP] = args[0] if args else kwargs.get("revoked", set())
        ours = {tp.partition for tp in revoked if tp.topic == settings.topic_api_calls}
        runtime.drop_partitions(ours)

    return app
