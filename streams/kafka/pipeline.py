"""The pipeline's own topics, as the settings name them."""

from __future__ import annotations

from streams.config import Settings
from streams.kafka.topics import TopicSpec


def links_topic(settings: Settings) -> str:
    """Internal topic of link updates between the accounts and links stages."""
    return f"{settings.app_id}-links"


def evidence_topic(settings: Settings) -> str:
    """Internal topic of pair evidence for the campaign stage (one partition)."""
    return f"{settings.app_id}-evidence"


def verdicts_topic(settings: Settings) -> str:
    """Internal topic of verdicts routed to the partition owning their account, and of
    the examples every partition's look-alike model learns (partitioned like the input)."""
    return f"{settings.app_id}-verdicts"


def internal_topics(settings: Settings, source_partitions: int) -> list[TopicSpec]:
    """The worker's topics between its stages; the links topic is partitioned like the
    input, as its state table is."""
    return [
        TopicSpec(links_topic(settings), source_partitions),
        TopicSpec(verdicts_topic(settings), source_partitions),
        TopicSpec(evidence_topic(settings), 1),
    ]


def pipeline_topics(settings: Settings) -> list[TopicSpec]:
    return [
        TopicSpec(settings.topic_api_calls, settings.partitions),
        TopicSpec(settings.topic_alerts, settings.partitions),
        TopicSpec(settings.topic_dead_letter, settings.partitions),
        TopicSpec(settings.topic_alerts_ocsf, settings.partitions),
        TopicSpec(settings.topic_feedback, settings.partitions),
        *internal_topics(settings, settings.partitions),
    ]
