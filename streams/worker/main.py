"""Start the faust worker process for the effective settings."""

from __future__ import annotations

import logging

from streams.config import Settings
from streams.kafka.pipeline import internal_topics, pipeline_topics
from streams.kafka.security import security_from_settings
from streams.kafka.topics import TopicSpec, create_topics, describe_topics
from streams.worker.app import create_app
from streams.worker.heap import freeze_startup_objects
from streams.worker.logs import logging_config

log = logging.getLogger("distillguard.worker")


def source_partitions(settings: Settings) -> int:
    """The input topic's real partition count (created with ``settings.partitions`` if absent).

    State changelogs must have exactly as many partitions as the input topic, so the worker
    follows the topic rather than trusting a setting that may disagree with it.
    """
    security = security_from_settings(settings)
    existing = describe_topics(settings.bootstrap_servers, security=security)
    if settings.topic_api_calls not in existing:
        create_topics(settings.bootstrap_servers, pipeline_topics(settings), security=security)
        return settings.partitions
    return existing[settings.topic_api_calls]


def ensure_side_topics(settings: Settings) -> None:
    """Create the OCSF mirror and feedback topics if missing (an existing one is used as
    it is: neither needs the input's partition count, see WorkerRuntime.handle_feedback)."""
    security = security_from_settings(settings)
    existing = describe_topics(settings.bootstrap_servers, security=security)
    missing = [
        TopicSpec(name, settings.partitions)
        for name in (settings.topic_alerts_ocsf, settings.topic_feedback)
        if name not in existing
    ]
    if missing:
        create_topics(settings.bootstrap_servers, missing, security=security)


def run_worker(settings: Settings) -> int:
    from faust.worker import Worker

    partitions = source_partitions(settings)
    ensure_side_topics(settings)
    # Before the consumer subscribes: a topic missing at subscription time gets no
    # partitions assigned until the next rebalance.
    create_topics(
        settings.bootstrap_servers,
        internal_topics(settings, partitions),
        security=security_from_settings(settings),
    )
    app = create_app(settings, source_partitions=partitions)
    worker = Worker(
        app,
        loglevel=settings.log_level.upper(),
        logging_config=logging_config(settings.log_level, settings.log_format),
        quiet=True,
    )
    freeze_startup_objects()  # shorter full garbage collections from here on
    worker.execute_from_commandline()  # runs until SIGTERM/SIGINT, then exits the process
    return 0
