"""The three output files, written so that the same run gives the same bytes.

``events.jsonl.gz``: gzip with ``mtime=0`` and no file name in the header, lines in
``(ts, event_id)`` order. ``labels.csv``: one row per account with a valid event, sorted by
account id. ``campaigns.json``: the campaigns with their observed span and counts.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

__all__ = ["write_campaigns", "write_events", "write_labels"]

LABELS_HEADER = "account_id,label,campaign_id,population"


def write_events(path: Path, lines: Iterable[bytes], compresslevel: int = 6) -> int:
    """Write JSON lines as gzip; returns the number of lines."""
    count = 0
    with (
        path.open("wb") as raw,
        gzip.GzipFile(
            filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=compresslevel
        ) as out,
    ):
        buffer: list[bytes] = []
        for line in lines:
            buffer.append(line)
            count += 1
            if len(buffer) >= 4096:
                out.write(b"\n".join(buffer) + b"\n")
                buffer.clear()
        if buffer:
            out.write(b"\n".join(buffer) + b"\n")
    return count


def write_labels(path: Path, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """``rows``: (account_id, label, campaign_id or "", population), written sorted."""
    for row in rows:
        if any("," in cell or "\n" in cell for cell in row):
            raise ValueError("label cells must not contain commas or newlines")
    body = "".join(",".join(row) + "\n" for row in sorted(rows))
    path.write_text(LABELS_HEADER + "\n" + body, encoding="utf-8")


def write_campaigns(path: Path, campaigns: Sequence[dict[str, Any]]) -> None:
    path.write_bytes(orjson.dumps(list(campaigns), option=orjson.OPT_INDENT_2) + b"\n")
