"""Structured worker logs: one JSON object per line, for log shippers to index.

A record's Kafka coordinates (``topic``, ``partition``, ``offset``) and a dead letter's
``reason`` travel as fields (``extra=``), so an operator can go from a log line to the
record. Messages never carry record contents (see streams.core.redact).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

# Structured fields a log call may attach with ``extra=``.
FIELDS = ("topic", "partition", "offset", "reason")


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...fields, "exc"?}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def logging_config(level: str, fmt: str) -> dict[str, Any] | None:
    """The worker's ``logging.config`` dict for ``fmt`` ("json" or "text").

    None keeps faust's own (coloured, human) console format. The dict is merged into
    faust's (``merge``), replacing only its console handler.
    """
    if fmt == "text":
        return None
    if fmt != "json":
        raise ValueError(f"log format must be 'json' or 'text', not {fmt!r}")
    return {
        "version": 1,
        "merge": True,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "default": {
                "level": level.upper(),
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
    }
