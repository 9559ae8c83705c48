"""The worker's HTTP endpoints: ``/metrics`` (Prometheus), ``/healthz`` and ``/readyz``.

``/healthz`` answers while the event loop runs (a hung worker does not answer, so a
liveness probe restarts it); ``/readyz`` answers 200 only while the worker owns its
partitions with their state restored, so a load balancer or a rollout waits for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from faust.web import Request, View

from streams.worker.metrics import CONTENT_TYPE, WorkerMetrics


def readiness(app: faust.App) -> tuple[bool, str]:
    """Whether the worker is processing: assigned, recovered, not mid-rebalance."""
    if not app.started:
        return False, "starting"
    if app.rebalancing:
        return False, "rebalancing"
    recovery: Any = getattr(app.tables, "recovery", None)
    if app.in_recovery or recovery is None or not recovery.completed.is_set():
        return False, "restoring state from changelogs"
    return True, "ready"


def consumer_lag(app: faust.App) -> Mapping[tuple[str, int], int]:
    """Records behind the end of each assigned partition, from the committed offset.

    faust's committed offset is the last record processed (the next to read is one
    past it); a partition without a commit yet lags by its whole length.
    """
    consumer = app.consumer
    committed: Mapping[Any, int | None] = getattr(consumer, "_committed_offset", {})
    lag: dict[tuple[str, int], int] = {}
    for tp in consumer.assignment():
        end = consumer.highwater(tp)
        if end is None:
            continue
        done = committed.get(tp)
        lag[(tp.topic, tp.partition)] = max(0, end - (done + 1 if done is not None else 0))
    return lag


def register_pages(app: faust.App, metrics: WorkerMetrics) -> None:
    """Add the three endpoints to the app's web server (faust's ``web_enabled``)."""

    @app.page("/metrics", name="metrics")
    async def metrics_page(view: View, request: Request) -> Any:
        return view.text(metrics.render().decode(), content_type=CONTENT_TYPE)

    @app.page("/healthz", name="healthz")
    async def health_page(view: View, request: Request) -> Any:
        return view.json({"status": "ok"})

    @app.page("/readyz", name="readyz")
    async def ready_page(view: View, request: Request) -> Any:
        ready, why = readiness(app)
        return view.json({"ready": ready, "status": why}, status=200 if ready else 503)
