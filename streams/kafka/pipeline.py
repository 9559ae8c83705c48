"""The pipeline's own topics, as the settings name them."""

from __future__ import annotations

from streams.config import Settings
from streams.kafka.topics import TopicSpec


def pipeline_topics(settings: Settings) -> list[TopicSpec]:
    return [
        TopicSpec(settings.topic_api_calls, settings.partitions),
        TopicSpec(settings.topic_alerts, settings.partitions),
        TopicSpec(settings.topic_dead_letter, settings.partitions),
    ]
