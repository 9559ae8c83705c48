"""The three stages fed as a live worker feeds them: partitions and topics read in no fixed
order, in fetches of any size, batches flushed whenever the timer fires.

The live tests on the real broker see a few of these orders; here many seeded ones are
played in process, so that what the alerts say does not depend on the order the worker
happened to read its topics in.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import orjson
import pytest

from streams.core.pipeline import PipelineParams
from streams.worker.runtime import TABLES, SourceRecord, WorkerRuntime, key_partition
from tests.integration.test_campaign_live import fleet_by_hour
from tests.integration.test_lifecycle_live import solo_harvester

PARTITIONS = 2
FLEET = {f"fleet-{k:02d}" for k in range(18)}
Queue = tuple[str, int]  # (stage topic, partition)


class ShuffledWorker:
    """A runtime whose stages are joined by queues drained in a seeded random order."""

    def __init__(self, seed: int, max_fetch: int) -> None:
        self.rng = random.Random(seed)
        self.max_fetch = max_fetch
        self.alerts: list[dict[str, Any]] = []
        self.queues: dict[Queue, deque[bytes]] = {
            (topic, p): deque() for topic in ("api-calls", "links") for p in range(PARTITIONS)
        }
        self.queues[("evidence", 0)] = deque()
        self.runtime = WorkerRuntime(
            PipelineParams(),
            max_record_bytes=1 << 20,
            send_alert=lambda k, v, h: self.alerts.append(orjson.loads(v)),
            send_dead_letter=lambda k, v, h: None,
            send_changelog=lambda t, p, k, v: None,
            states={table: {} for table in TABLES},
            send_link=lambda p, v: self.queues[("links", p)].append(v),
            link_partitions=PARTITIONS,
            send_evidence=lambda k, v, h: self.queues[("evidence", 0)].append(v),
        )
        self.offset = 0

    def send(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            partition = key_partition(event["account_id"], PARTITIONS)
            self.queues[("api-calls", partition)].append(orjson.dumps(event))

    def drain(self) -> None:
        """Until every stage has read everything (the tests' ``wait_caught_up``)."""
        handlers = {
            "api-calls": self.runtime.handle,
            "links": self.runtime.handle_link,
            "evidence": self.runtime.handle_evidence,
        }
        while True:
            ready = [q for q, records in self.queues.items() if records]
            if not ready:
                self.runtime.flush_batches()  # the commit's checkpoint flushes
                if not any(self.queues.values()):
                    return
                continue
            topic, partition = self.rng.choice(ready)
            records = self.queues[(topic, partition)]
            for _ in range(self.rng.randint(1, self.max_fetch)):
                if not records:
                    break
                self.offset += 1
                handlers[topic](SourceRecord(topic, partition, self.offset, records.popleft()))
            if self.rng.random() < 0.3:  # the flush timer fired
                self.runtime.flush_batches()


@pytest.mark.parametrize("max_fetch", [1, 50, 500])
@pytest.mark.parametrize("seed", range(8))
def test_a_fleet_arriving_hour_by_hour_grows_one_campaign_in_any_read_order(
    seed: int, max_fetch: int
) -> None:
    worker = ShuffledWorker(seed, max_fetch)
    worker.send(solo_harvester())
    worker.drain()
    for hour in fleet_by_hour():
        worker.send(hour)
        worker.drain()
    campaigns = [a for a in worker.alerts if a["kind"] == "campaign"]
    assert campaigns, "the fleet was never raised as a campaign"
    assert any(a["version"] >= 2 for a in campaigns), "later waves update the campaign"
    flagged = {account for alert in worker.alerts for account in alert["account_ids"]}
    assert flagged >= FLEET
    assert not {a for a in flagged if a.startswith("user-")}, "light users stay quiet"
    solo = [a for a in worker.alerts if a["account_ids"] == ["solo-99"]]
    assert solo and solo[0]["kind"] == "account"
    assert all("solo-99" not in a["account_ids"] for a in campaigns)
