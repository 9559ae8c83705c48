"""Resident memory per tracked account: the worker's state for N light accounts, in process.

Run in a fresh interpreter (``python -m streams.bench.memory``) so the figure is the
growth caused by the accounts alone: RSS after minus RSS before, divided by the
accounts the runtime holds. The traffic is synthetic light users (a few calls each,
shared networks and client fingerprints, short prompts): the common case at 100k.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator

import orjson

from streams.config import Settings
from streams.core.pipeline import PipelineParams
from streams.worker.heap import HeapTrimmer, release_free_heap
from streams.worker.runtime import TABLES, Headers, SourceRecord, WorkerRuntime

CHECKPOINT_EVERY = Settings().checkpoint_max_events  # the worker's default commit cadence
T0_MS = 1_795_420_800_000  # 2026-11-23T08:00:00Z
_WORDS = (
    "summarise this email for my manager please",
    "why does my python loop print none",
    "translate the menu into spanish",
    "write a polite reminder about the invoice",
    "what is a good name for a bakery",
    "explain recursion with an example",
)


def light_users(accounts: int, events_per_account: int) -> Iterator[bytes]:
    """``accounts`` light users, interleaved in time, each with its own key and card."""
    for round_ in range(events_per_account):
        for i in range(accounts):
            ts = T0_MS + round_ * 600_000 + i * 7
            yield orjson.dumps(
                {
                    "event_id": f"e-{i}-{round_}",
                    "ts": _rfc3339(ts),
                    "account_id": f"acct-{i:07d}",
                    "model": "model-m",
                    "input_tokens": 40 + i % 200,
                    "output_tokens": 120 + (i * 13) % 900,
                    "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                    "asn": 64_512 + i % 500,
                    "tls_fingerprint": f"tls-{i % 20}",
                    "user_agent": f"client/{i % 20}",
                    "payment_fingerprint": f"card-{i}",
                    "account_created_ms": T0_MS - (i % 900) * 86_400_000,
                    "signup_channel": ("web", "mobile", "partner")[i % 3],
                    "temperature": (0.2, 0.7, 1.0)[(i + round_) % 3],
                    "conversation_id": f"conv-{i}-{round_ // 2}",
                    "turn": 1 + round_ % 2,
                    "prompt": f"{_WORDS[(i + round_) % len(_WORDS)]} {i % 97}",
                }
            )


def _rfc3339(ts_ms: int) -> str:
    seconds, ms = divmod(ts_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{ms:03d}Z"


def rss_bytes() -> int:
    """Current resident set size of this process (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(
    accounts: int,
    events_per_account: int,
    partitions: int = 4,
    checkpoint_every: int = CHECKPOINT_EVERY,
) -> dict[str, float]:
    """Feed the light users through a runtime (all stages); RSS growth per account.

    The runtime checkpoints every ``checkpoint_every`` events and trims the heap after a
    checkpoint at most every ``TRIM_EVERY_S``, as the worker does (it commits, and so
    checkpoints, at least every ``checkpoint_max_events`` events). One checkpoint of all
    the run's changes at the end is not what a worker ever does, and it costs more (2,092
    against 1,864 B an account, measured): after it, over half the memory of the small-object
    allocator's arenas was empty pools that a few live blocks kept (docs/operations.md, (f)).
    """

    def discard(key: bytes | None, value: bytes, headers: Headers | None) -> None:
        return None

    def discard_changelog(table: str, partition: int, key: bytes, value: bytes | None) -> None:
        return None

    states: dict[str, dict[bytes, bytes]] = {table: {} for table in TABLES}
    runtime = WorkerRuntime(
        PipelineParams(),
        max_record_bytes=1 << 20,
        send_alert=discard,
        send_dead_letter=discard,
        send_changelog=discard_changelog,
        states=states,
    )
    events = list(light_users(accounts, events_per_account))
    release_free_heap(collect=True)
    before = rss_bytes()
    started = time.perf_counter()
    trimmer = HeapTrimmer(time.monotonic)
    for offset, value in enumerate(events):
        partition = offset % accounts % partitions
        runtime.handle(SourceRecord("api-calls", partition, offset, value))
        if checkpoint_every and (offset + 1) % checkpoint_every == 0:
            runtime.checkpoint()
            trimmer.maybe_trim()
    seconds = time.perf_counter() - started
    runtime.checkpoint()  # what a worker holds: live state and its last checkpoint
    release_free_heap(collect=True)  # as the worker does after checkpoints
    grown = rss_bytes() - before
    tracked = runtime.stats()["tracked_accounts"]
    checkpoint = sum(len(v) for v in states["profiles"].values())
    return {
        "accounts": float(tracked),
        "events": float(len(events)),
        "rss_grown_bytes": float(grown),
        "bytes_per_account": grown / tracked if tracked else 0.0,
        "checkpoint_bytes_per_account": checkpoint / tracked if tracked else 0.0,
        "events_per_second": len(events) / seconds if seconds > 0 else 0.0,
        "checkpoint_every": float(checkpoint_every),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--events-per-account", type=int, default=4)
    parser.add_argument(
        "--checkpoint-every",
        type=int,
        default=CHECKPOINT_EVERY,
        help="events between checkpoints, as the worker's checkpoint_max_events "
        "(0: one checkpoint at the end)",
    )
    args = parser.parse_args(argv)
    figures = measure(
        args.accounts, args.events_per_account, checkpoint_every=args.checkpoint_every
    )
    sys.stdout.write(orjson.dumps(figures).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
