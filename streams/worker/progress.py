"""A periodic progress line: what the worker processed and where each partition stands.

A worker that stops committing (lag only grows) is otherwise silent in its log. This
line says, per assigned partition, the committed offset as the consumer sees it, the
next offset the sequencer expects, the acknowledged offsets waiting for a commit, and
whether the partition is paused, so a stall can be told apart from an idle worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.worker.sequence import OffsetSequencer


def partition_progress(consumer: Any, sequencer: OffsetSequencer) -> dict[str, dict[str, Any]]:
    """``"topic[p]"`` -> log end, committed, expected, acked (count, lowest), paused."""
    committed: Mapping[Any, int | None] = getattr(consumer, "_committed_offset", {})
    acked: Mapping[Any, list[int]] = getattr(consumer, "_acked", {})
    paused = set(getattr(consumer, "_paused_partitions", ()))
    out: dict[str, dict[str, Any]] = {}
    for tp in sorted(consumer.assignment(), key=lambda tp: (tp.topic, tp.partition)):
        waiting = acked.get(tp) or []
        out[f"{tp.topic}[{tp.partition}]"] = {
            "end": consumer.highwater(tp),
            "committed": committed.get(tp),
            "expected": sequencer.expected((tp.topic, tp.partition)),
            "acked": len(waiting),
            "acked_min": min(waiting) if waiting else None,
            "paused": tp in paused,
        }
    return out


def progress(
    app: Any,
    runtime_stats: Mapping[str, Any],
    sequencer: OffsetSequencer,
    held: int,
    pending_sends: int,
) -> dict[str, Any]:
    """The whole progress record (counters, flow and commit state, partitions)."""
    return {
        "events": runtime_stats.get("events"),
        "link_updates": runtime_stats.get("link_updates"),
        "evidence": runtime_stats.get("evidence"),
        "checkpoints": runtime_stats.get("checkpoints"),
        "held": held,
        "holes_refilled": sequencer.holes_refilled,
        "holes_accepted": sequencer.holes_accepted,
        "pending_sends": pending_sends,
        "committing": getattr(app.consumer, "_commit_fut", None) is not None,
        "rebalancing": bool(getattr(app, "rebalancing", False)),
        "flow_active": bool(app.flow_control.is_active()),
        "partitions": partition_progress(app.consumer, sequencer),
    }
