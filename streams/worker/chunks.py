"""One large state value stored as several changelog records, each under Kafka's limit.

The campaign stage checkpoints its whole graph as one value; on a busy stream that grew
past 1 MB, the producer refused the changelog record and the worker crashed (and would
again after every restart). So the value is compressed and split: chunk records
``<key>/<i>`` first, then a small header under ``<key>`` naming the chunk count and a
CRC of the whole, then tombstones for chunks a larger previous value left behind. A
restore that finds a header whose chunks do not match (a crash half-way through a
checkpoint) reports it instead of decoding garbage.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

MAGIC = b"DGC1"
CHUNK_BYTES = 512 * 1024  # well under the broker's default 1 MB record limit

Change = tuple[bytes, bytes | None]


class CorruptState(ValueError):
    """The chunks under a header do not add up to the value it describes."""


def chunk_key(key: bytes, index: int) -> bytes:
    return key + b"/" + str(index).encode()


def pack(
    key: bytes, blob: bytes, previous_chunks: int = 0, chunk_bytes: int | None = None
) -> tuple[list[Change], int]:
    """The changelog writes that store ``blob`` under ``key``, and its chunk count."""
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    packed = zlib.compress(blob, 1)
    chunks = [packed[i : i + chunk_bytes] for i in range(0, len(packed), chunk_bytes)]
    header = MAGIC + len(chunks).to_bytes(4, "big") + zlib.crc32(packed).to_bytes(4, "big")
    changes: list[Change] = [(chunk_key(key, i), chunk) for i, chunk in enumerate(chunks)]
    changes.append((key, header))  # last: a header is only seen with its chunks written
    changes.extend((chunk_key(key, i), None) for i in range(len(chunks), previous_chunks))
    return changes, len(chunks)


def unpack(key: bytes, get: Callable[[bytes], bytes | None]) -> tuple[bytes | None, int]:
    """The value stored under ``key`` (None if absent) and its chunk count.

    A value written before chunking (no header) is returned as it is.
    """
    header = get(key)
    if header is None:
        return None, 0
    if not header.startswith(MAGIC) or len(header) != len(MAGIC) + 8:
        return header, 0
    count = int.from_bytes(header[4:8], "big")
    crc = int.from_bytes(header[8:12], "big")
    parts = [get(chunk_key(key, i)) for i in range(count)]
    if any(part is None for part in parts):
        raise CorruptState(f"{key!r}: {parts.count(None)} of {count} chunks missing")
    packed = b"".join(part for part in parts if part is not None)
    if zlib.crc32(packed) != crc:
        raise CorruptState(f"{key!r}: chunks do not match their header")
    return zlib.decompress(packed), count
