"""Structured logs: every record as one JSON line, and the logging configuration `lrs-bridge serve`
gives uvicorn (its plain access log off: lrs.access writes one line per request instead)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import orjson

# what a record carries besides its message: `extra={"fields": {...}}`
FIELDS = "fields"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", ...fields, "exception"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class DropReraisedErrors(logging.Filter):
    """uvicorn logs again, without its request id, an error lrs.errors has already logged with it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.name == "uvicorn.error" and record.msg == "Exception in ASGI application")


def logging_config(level: str) -> dict[str, Any]:
    """dictConfig for uvicorn.run(log_config=...): JSON lines on stderr for uvicorn, lrs and the rest."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"reraised": {"()": "lrs.logs.DropReraisedErrors"}},
        "formatters": {"json": {"()": "lrs.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
                "filters": ["reraised"],
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "lrs": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }
