"""faust wiring: topics, the state table, the agent, the checkpoint timer.

Thin on purpose: everything that decides anything lives in ``streams.core`` and
``streams.worker.runtime``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

from streams.config import Settings
from streams.core.pipeline import params_from_settings
from streams.kafka.io import read_offsets
from streams.kafka.pipeline import evidence_topic, links_topic, verdicts_topic
from streams.kafka.security import faust_credentials, security_from_settings
from streams.worker.admission import Admission, TailWatch, refill_for
from streams.worker.heap import HeapTrimmer
from streams.worker.merge import StreamTimeOrder, TimeOrderedMerge
from streams.worker.metrics import WorkerMetrics
from streams.worker.progress import progress
from streams.worker.runtime import (
    BATCH_LINGER_S,
    CAMPAIGNS,
    LINK_KEYS,
    PROFILES,
    Headers,
    PartitionSink,
    Sink,
    SourceRecord,
    WorkerRuntime,
)
from streams.worker.sequence import OffsetSequencer
from streams.worker.web import consumer_lag, readiness, register_pages

log = logging.getLogger("distillguard.worker")

# How often a partition's position is compared with its known log end: one whose next
# records exist but have not arrived for one whole interval is read out of band.
TAIL_CHECK_S = 5.0


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
        self.trimmer = HeapTrimmer(time.monotonic)

    def on_commit_initiated(self, consumer: Any) -> Any:
        self.runtime.checkpoint()
        self.trimmer.maybe_trim()  # checkpoints churn the heap (see streams.worker.heap)
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
        self.merge: TimeOrderedMerge[TP, Any] = TimeOrderedMerge(topic_of=_topic_of)
        self._merge_generation: int | None = None
        self._next_fetched: dict[TP, int] = {}
        self._fetch_clock = 0.0  # seconds spent in fetches (see getmany)

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
        """faust's batch, handed on oldest record first across each topic's partitions
        (see streams.worker.merge); records held back wait for the next call.

        Held records are neither delivered nor acknowledged, so a commit never passes
        them; a rebalance drops them, and the seek to the committed offsets that
        follows fetches them again.
        """
        merge = self.merge
        generation = self.app.consumer_generation_id
        if generation != self._merge_generation:
            merge.clear()
            self._next_fetched.clear()
            self._merge_generation = generation
        # The hold is timed on a clock that runs only while fetching: the time the stages
        # take with what is handed on says nothing about a partition that lags. So
        # nothing is handed on (each record lets the stages run) until the clock stops.
        ordered: frozenset[str] = getattr(self.app, "distillguard_ordered_topics", frozenset())
        passing: list[tuple[TP, Any]] = []  # changelogs (recovery), feedback: as they come
        started = time.monotonic()
        async for tp, message in super().getmany(timeout):
            if tp.topic not in ordered:
                passing.append((tp, message))
                continue
            merge.push(tp, _ts_ms(message), message)
            self._next_fetched[tp] = message.offset + 1
        self._fetch_clock += time.monotonic() - started
        released = merge.release(self.assignment(), self._has_more, self._fetch_clock)
        for tp, message in itertools.chain(passing, released):
            if not self.flow_active:
                return  # as faust's own getmany: it seeks back to the committed offsets
            if message.generation_id != self.app.consumer_generation_id:
                continue  # fetched before a rebalance: fetched again after its seek
            yield tp, message

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> Any:
        """Fetch, leaving out the partitions the merge holds enough of (their records
        wait in the client, which fetches nothing more for them meanwhile)."""
        ahead = self.merge.ahead()
        if ahead and active_partitions is not None:
            active_partitions = active_partitions - ahead
            if not active_partitions:  # an empty set would ask for every partition
                await asyncio.sleep(min(timeout, 0.05))
                return {}
        return await super()._getmany(active_partitions, timeout)

    def _has_more(self, tp: TP) -> bool:
        """Whether ``tp`` may have records on the broker past those fetched: unknown
        (no fetch answered for it yet, as at start-up) counts as yes, for at most the
        hold, so that the first partition to answer does not run ahead of the rest.

        A partition a rebalance is revoking (on the client's own thread, before this
        consumer's generation moves on) has no highwater any more: aiokafka asserts it is
        assigned. Unknown again, so yes: its records stay held until the new generation
        drops them. Letting the assertion through crashed the fetcher, and the worker."""
        try:
            end = self.highwater(tp)
        except (AssertionError, AttributeError):
            # aiokafka asserts "Partition is not assigned"; under ``python -O`` the
            # assertion is gone and the revoked partition's state is None instead.
            return True
        if end is None:
            return True
        position = self._next_fetched.get(tp)
        if position is None:
            position = self._committed_offset.get(tp)
        return end > 0 if position is None else position < end

    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    def _new_offset(self, tp: TP) -> int | None:
        """Never commit past an offset that was not acknowledged.

        faust's own check lets a commit pass over the single record at the committed
        head when later ones are acknowledged; with records held back by the sequencer
        that would skip a record nobody processed.
        """
        acked = self._acked[tp]
        committed = self._committed_offset[tp]
        if acked and committed is not None and min(acked) > committed:
            return None
        result: int | None = super()._new_offset(tp)
        return result

    def ack(self, message: Any) -> bool:
        """Acknowledge only records the agent really processed.

        faust's stream skips a queued record fetched under an older consumer generation
        (or while flow control is off, during a rebalance) and then acks it anyway; a
        commit can then pass over a record nobody processed, and it is lost. Refusing
        the ack keeps the committed offset at or below that record, so it is fetched
        again after the rebalance's seek to the committed offsets. A processed record is
        acked in the same event-loop step that delivered it, so it is never refused
        unless a rebalance interleaved; then it is fetched again and the profile's
        last-applied offset skips it.
        """
        held: set[tuple[str, int, int]] = self.app.distillguard_held  # type: ignore[attr-defined]
        if (message.topic, message.partition, message.offset) in held:
            held.discard((message.topic, message.partition, message.offset))
            return False  # held back by the sequencer: it will be delivered again
        if (
            message.generation_id != self.app.consumer_generation_id
            or not self.app.flow_control.is_active()
        ):
            return False
        return bool(super().ack(message))

    def ack_offset(self, tp: TP, offset: int) -> None:
        """Acknowledge a record processed outside the stream (a hole read out of band):
        what ``ack`` does for a message, for an offset."""
        committed = self._committed_offset[tp]
        if committed is None or offset >= committed:
            acked_index = self._acked_index[tp]
            if offset not in acked_index:
                acked_index.add(offset)
                self._acked[tp].append(offset)
                self._n_acked += 1

    async def _commit_offsets(self, offsets: Any, start_new_transaction: bool = True) -> bool:
        """Commit only once every record the processed events produced is delivered.

        faust flushes its producer buffer before a commit, but that flush gives up after
        0.1 s without a send and a record taken off the buffer is not yet in the Kafka
        client's batch, so a commit could overtake the checkpoint and alerts it covers; a
        crash right after would lose them. Waiting on each send's delivery future
        closes that gap. A failed or stuck send fails the commit: the offsets stay where
        they were and the records are processed again (at-least-once).
        """
        pending: PendingSends = self.app.distillguard_pending  # type: ignore[attr-defined]
        await pending.wait_delivered(DELIVERY_TIMEOUT_S)
        return bool(await super()._commit_offsets(offsets, start_new_transaction))


DELIVERY_TIMEOUT_S = 60.0


class PendingSends:
    """Delivery futures of records sent since the last commit."""

    def __init__(self) -> None:
        self._futures: list[asyncio.Future[Any]] = []

    def add(self, future: asyncio.Future[Any]) -> None:
        self._futures.append(future)

    def __len__(self) -> int:
        return len(self._futures)

    async def wait_delivered(self, timeout_s: float) -> None:
        """Wait until every pending send is acknowledged by the broker; raise if one failed."""
        while self._futures:
            batch, self._futures = self._futures, []
            try:
                await asyncio.wait_for(asyncio.gather(*batch), timeout_s)
            except BaseException:
                # Keep every send not known delivered: a failed one fails each later
                # commit too, so offsets never pass records whose outputs were lost.
                self._futures = [f for f in batch if not _delivered(f)] + self._futures
                raise


def _topic_of(tp: TP) -> str:
    return tp.topic


def _ts_ms(message: Any) -> int | None:
    """A record's timestamp in milliseconds (faust keeps seconds as a float)."""
    timestamp = message.timestamp
    return None if timestamp is None else int(timestamp * 1000)


def _merge_stats(app: faust.App) -> tuple[int, int]:
    """Records the consumer holds for the time-ordered merge now, and how many it ever
    let go by the wait limit or the cap rather than by comparison."""
    merge = getattr(app.consumer, "merge", None) if app.consumer is not None else None
    return (0, 0) if merge is None else (len(merge), merge.released_waiting)


def _delivered(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    """faust's consumer thread, with the fetch wait the worker's settings ask for.

    faust builds its aiokafka consumer with ``fetch_max_wait_ms=1500`` and no way to
    change it. Each internal topic is a hop between stages, and a fetch of partitions with
    nothing new waits that long at the broker: with 1.5 s per hop, campaign alerts came
    3.7 to 4.7 s after their event in 9 of 12 benchmark runs at 1,303 events/s, against a
    p99 of 0.60 to 0.70 s in 4 of 4 runs at 100 ms.
    """

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        wait_ms = getattr(self.app, "distillguard_fetch_wait_ms", None)
        if wait_ms is not None:
            consumer._fetch_max_wait_ms = wait_ms  # read when the consumer starts
        return consumer


class _Transport(faust_aiokafka.Transport):
    Consumer = _ReplayingConsumer


class DistillguardApp(faust.App):
    def _new_transport(self) -> Any:
        return _Transport(self.conf.broker_consumer, self)


def _state_table(app: faust.App, name: str, partitions: int) -> Any:
    # bytes keys and values -> faust's "raw" codec: the state bytes as they are.
    return app.Table(name, default=None, partitions=partitions, key_type=bytes, value_type=bytes)


Handler = Callable[[SourceRecord], None]


def _record(message: Any) -> SourceRecord:
    return SourceRecord(message.topic, message.partition, message.offset, message.value)


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
        broker_credentials=faust_credentials(security_from_settings(settings)),
        store="memory://",
        datadir=str(datadir),
        topic_partitions=partitions,
        topic_replication_factor=1,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        web_enabled=settings.web_port > 0,
        web_port=settings.web_port or 6066,
        web_bind=settings.web_host,
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
    alerts_ocsf = app.topic(
        settings.topic_alerts_ocsf, key_serializer="raw", value_serializer="raw"
    )
    feedback = app.topic(
        settings.topic_feedback,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
    )
    dead_letters = app.topic(
        settings.topic_dead_letter, key_serializer="raw", value_serializer="raw"
    )
    links = app.topic(
        links_topic(settings),
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,
        internal=True,
    )
    verdicts = app.topic(
        verdicts_topic(settings),
        key_serializer="raw",
        value_serializer="raw",
        partitions=partitions,  # partition p holds the verdicts for input partition p
        internal=True,
    )
    evidence = app.topic(
        evidence_topic(settings),
        key_serializer="raw",
        value_serializer="raw",
        partitions=1,  # the campaign stage sees all evidence (see docs/detection.md)
        internal=True,
    )
    tables = {
        PROFILES: _state_table(app, PROFILES, partitions),
        LINK_KEYS: _state_table(app, LINK_KEYS, partitions),
        CAMPAIGNS: _state_table(app, CAMPAIGNS, 1),
    }

    pending = PendingSends()
    app.distillguard_pending = pending  # type: ignore[attr-defined]

    def sink(topic: faust.types.TopicT) -> Sink:
        def send(key: bytes | None, value: bytes, headers: Headers | None) -> None:
            pending.add(topic.send_soon(key=key, value=value, headers=headers))

        return send

    def partition_sink(topic: faust.types.TopicT) -> PartitionSink:
        def send(partition: int, value: bytes) -> None:
            pending.add(topic.send_soon(value=value, partition=partition))

        return send

    def send_changelog(table: str, partition: int, key: bytes, value: bytes | None) -> None:
        pending.add(tables[table].send_changelog(partition, key, value))

    runtime = WorkerRuntime(
        params_from_settings(settings),
        max_record_bytes=settings.max_record_bytes,
        send_alert=sink(alerts),
        send_dead_letter=sink(dead_letters),
        send_link=partition_sink(links),
        link_partitions=partitions,
        send_evidence=sink(evidence),
        send_changelog=send_changelog,
        states={name: table.data for name, table in tables.items()},
        send_ocsf=sink(alerts_ocsf),
        send_verdict=partition_sink(verdicts),
        source=settings.app_id,
    )
    app.distillguard_runtime = runtime  # type: ignore[attr-defined]
    app.distillguard_fetch_wait_ms = settings.fetch_wait_ms  # type: ignore[attr-defined]
    # The stages fed in time order across their partitions (see streams.worker.merge).
    app.distillguard_ordered_topics = frozenset(  # type: ignore[attr-defined]
        {settings.topic_api_calls, links_topic(settings)}
    )
    app.sensors.add(CheckpointOnCommit(runtime))
    order = StreamTimeOrder()
    metrics = WorkerMetrics(runtime, lambda: consumer_lag(app), order, lambda: _merge_stats(app))
    app.distillguard_metrics = metrics  # type: ignore[attr-defined]
    if settings.web_port > 0:
        register_pages(app, metrics)

    sequencer = OffsetSequencer()
    held: set[tuple[str, int, int]] = set()
    app.distillguard_held = held  # type: ignore[attr-defined]
    app.distillguard_sequencer = sequencer  # type: ignore[attr-defined]

    security = security_from_settings(settings)

    async def read_out_of_band(
        topic: str, partition: int, start: int, end: int
    ) -> list[tuple[int, bytes | None]] | None:
        """Records ``start`` .. ``end - 1`` of a partition, read past the stream."""
        return await asyncio.to_thread(
            read_offsets,
            settings.bootstrap_servers,
            topic,
            partition,
            start,
            end,
            security=security,
            max_fetch_bytes=max(1_048_576, settings.max_record_bytes + 65_536),
        )

    async def fill_hole(message: Any, expected: int, handle: Handler) -> bool:
        """Read the records a hole misses out of band, process and acknowledge them in
        order; False if they could not be read (then the stream rewinds instead).

        A rewind (seek back) is what faust's stream handles worst: after a takeover we
        measured it both stalling a partition and letting a commit pass records only
        delivered before the seek (lost). Reading the few missing records directly
        leaves the stream alone."""
        where = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        found = await read_out_of_band(message.topic, message.partition, expected, message.offset)
        if found is None:
            log.warning("could not read the hole before %s[%d]@%d", *where.values(), extra=where)
            return False
        if message.generation_id != app.consumer_generation_id or not app.flow_control.is_active():
            return False  # a rebalance came in between: the next owner reads them
        for offset, value in found:
            handle(SourceRecord(message.topic, message.partition, offset, value))
        consumer: _ReplayingConsumer = app.consumer  # type: ignore[assignment]
        for offset in range(expected, message.offset):  # absent ones (markers) included
            consumer.ack_offset(message.tp, offset)
        log.warning(
            "offset hole in %s[%d] before %d: read %d record(s) from %d out of band",
            message.topic,
            message.partition,
            message.offset,
            len(found),
            expected,
            extra=where,
        )
        return True

    async def log_start(tp: TP) -> int | None:
        found = await app.consumer.earliest_offsets(tp)
        return found.get(tp)

    async def seek(tp: TP, offset: int) -> None:
        await app.consumer.seek(tp, offset)

    admission = Admission(
        committed=lambda tp: getattr(app.consumer, "_committed_offset", {}).get(tp),
        log_start=log_start,
        fill_hole=fill_hole,
        seek=seek,
        current=lambda message: (
            message.generation_id == app.consumer_generation_id and app.flow_control.is_active()
        ),
        sequencer=sequencer,
        held=held,
    )
    admitted = admission.admitted

    clock = time.perf_counter
    observe_accounts = metrics.timer("accounts")
    observe_links = metrics.timer("links")
    observe_campaigns = metrics.timer("campaigns")

    # faust acks an event when the loop moves past it, i.e. after the handler ran.
    @app.agent(source, name="accounts")
    async def accounts_stage(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            order.observe("accounts", _ts_ms(event.message))
            if await admitted(event.message, runtime.handle):
                started = clock()
                runtime.handle(_record(event.message))
                observe_accounts(clock() - started)

    @app.agent(links, name="links")
    async def links_stage(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            order.observe("links", _ts_ms(event.message))
            if await admitted(event.message, runtime.handle_link):
                started = clock()
                runtime.handle_link(_record(event.message))
                observe_links(clock() - started)

    @app.agent(evidence, name="campaigns")
    async def campaign_stage(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            order.observe("campaigns", _ts_ms(event.message))
            if await admitted(event.message, runtime.handle_evidence):
                started = clock()
                runtime.handle_evidence(_record(event.message))
                observe_campaigns(clock() - started)

    @app.agent(feedback, name="feedback")
    async def feedback_stage(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            if await admitted(event.message, runtime.handle_feedback):
                runtime.handle_feedback(_record(event.message))

    @app.agent(verdicts, name="verdicts")
    async def verdicts_stage(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            if await admitted(event.message, runtime.handle_verdict):
                runtime.handle_verdict(_record(event.message))

    @app.timer(interval=BATCH_LINGER_S)
    async def flush_batches() -> None:
        runtime.flush_batches()

    stage_of: dict[str, Handler] = {
        settings.topic_api_calls: runtime.handle,
        links_topic(settings): runtime.handle_link,
        evidence_topic(settings): runtime.handle_evidence,
        settings.topic_feedback: runtime.handle_feedback,
        verdicts_topic(settings): runtime.handle_verdict,
    }
    tails = TailWatch()

    @app.timer(interval=TAIL_CHECK_S)
    async def refill_stalled_tails() -> None:
        """Read out of band the records a partition is known to have but never gets
        (see TailWatch): without them it would never commit again."""
        if not readiness(app)[0] or not app.flow_control.is_active():
            tails.reset()  # rebalancing or restoring state: records wait for good reason
            return
        consumer: _ReplayingConsumer = app.consumer  # type: ignore[assignment]
        generation = app.consumer_generation_id
        paused = set(consumer._paused_partitions)
        for tp in sorted(consumer.assignment()):
            if tp in paused:
                continue  # faust holds it back (a full stream buffer): not lost
            if consumer.merge.holds(tp):
                continue  # held to go in time order (streams.worker.merge): not lost
            handle = stage_of.get(tp.topic)
            key = (tp.topic, tp.partition)
            committed = consumer._committed_offset.get(tp)
            expected = sequencer.expected(key)
            if expected is None:
                expected = committed
            if committed is None:
                committed = expected
            end = consumer.highwater(tp)
            if handle is None or end is None:
                continue
            never_started = False
            if committed is None or expected is None:
                if not tails.never_started(key, end):
                    continue
                start = await log_start(tp)  # where its sequence starts (see Admission)
                if start is None or start >= end:
                    continue
                committed = expected = start
                never_started = True  # two looks found it so: stalled without a third
            if any(h[0] == tp.topic and h[1] == tp.partition for h in held):
                continue  # a rewind is under way
            if consumer._commit_fut is not None:
                return  # a commit is under way: look again next time
            if not never_started and not tails.stalled(key, committed, expected, end):
                continue
            refill = refill_for(committed, expected, end, consumer._acked_index.get(tp, ()))
            if refill is None:
                continue
            found: list[tuple[int, bytes | None]] = []
            if refill.read_from is not None:
                read_from, upto = refill.read_from, refill.upto  # bounded (refill_for)
                read = await read_out_of_band(tp.topic, tp.partition, read_from, upto)
                if read is None:
                    continue
                found = list(read)
            if app.consumer_generation_id != generation or not app.flow_control.is_active():
                tails.reset()
                return  # a rebalance came in between: the next owner reads them
            if sequencer.expected(key) not in (None, expected):
                continue  # records arrived meanwhile
            for offset, value in found:
                handle(SourceRecord(tp.topic, tp.partition, offset, value))
            for offset in range(refill.ack_from, refill.upto):
                consumer.ack_offset(tp, offset)
            if refill.read_from is not None:
                sequencer.filled(key, refill.upto)
            tails.reset()
            log.warning(
                "%s[%d] stalled at offset %d (next %d, end %d): acknowledged what was "
                "processed, read %d record(s) out of band",
                tp.topic,
                tp.partition,
                committed,
                expected,
                end,
                len(found),
                extra={"topic": tp.topic, "partition": tp.partition, "offset": committed},
            )

    if settings.progress_interval_s > 0:

        @app.timer(interval=settings.progress_interval_s)
        async def log_progress() -> None:
            if app.consumer is None or not app.started:
                return
            report = progress(app, runtime.stats(), sequencer, len(held), len(pending))
            log.info(
                "progress: %d events processed", report["events"] or 0, extra={"progress": report}
            )

    @app.on_partitions_revoked.connect  # type: ignore[arg-type]  # mode signal stubs are too narrow
    async def on_revoked(sender: Any, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        revoked: set[TP] = args[0] if args else kwargs.get("revoked", set())
        gone = {(tp.topic, tp.partition) for tp in revoked}
        admission.forget(gone)
        runtime.drop_partitions(
            {tp.partition for tp in revoked if tp.topic == settings.topic_api_calls},
            {tp.partition for tp in revoked if tp.topic == links_topic(settings)},
        )
        if any(tp.topic == evidence_topic(settings) for tp in revoked):
            runtime.drop_campaigns()

    return app
