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
FIELDS = ("topic", "partition", "offset", "reason", "suppressed", "progress")


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


class RepeatFilter(logging.Filter):
    """Lets the first ``burst`` lines of a kind through per ``window_s``; counts the rest.

    While the broker is down, the Kafka client logs the same connection error in a tight
    loop (about 25,000 lines in 20 s). A kind is (logger, level, message template), for
    the libraries' loggers only: the worker's own lines name one record each. The first
    line after a quiet spell says how many were dropped (``suppressed``). A burst of a
    few, not one: faust says "Recovery complete" and "Worker ready" again when a
    rebalance follows the start within seconds, and with one a window those lines, the
    ones that tell a takeover finished, were hidden (seen in a CI run's worker log).
    """

    def __init__(
        self, window_s: float = 10.0, burst: int = 3, own_prefix: str = "distillguard"
    ) -> None:
        super().__init__()
        self.window_s = window_s
        self.burst = max(1, burst)
        self.own_prefix = own_prefix
        # kind -> (window start, lines let through in it, lines dropped in it)
        self._seen: dict[tuple[str, int, str], tuple[float, int, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(self.own_prefix):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        last = self._seen.get(kind)
        if last is not None and record.created - last[0] < self.window_s:
            start, passed, dropped = last
            if passed < self.burst:
                self._seen[kind] = (start, passed + 1, dropped)
                return True
            self._seen[kind] = (start, passed, dropped + 1)
            return False
        if last is not None and last[2]:
            record.suppressed = last[2]
        if len(self._seen) > 1024:  # bounded: kinds are few, but never trust a library
            self._seen.clear()
        self._seen[kind] = (record.created, 1, 0)
        return True


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
        "filters": {"repeats": {"()": f"{__name__}.RepeatFilter"}},
        "handlers": {
            "default": {
                "level": level.upper(),
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["repeats"],
                "stream": "ext://sys.stdout",
            }
        },
    }
