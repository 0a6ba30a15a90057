"""Domain events: one structured log line for each thing an operator wants to find later.

Services call `emit("ingest.refused", artifact=..., failing=[...])`; the HTTP shell's formatter writes it as a
JSON line tagged with the request id (app/logs.py). Fields are plain values chosen by the caller; never pass a
password, a token or a signed URL: the tests check that none reaches a log line.
"""
from __future__ import annotations

import logging
from typing import Any

LOGGER_NAME = "registry.events"
_log = logging.getLogger(LOGGER_NAME)


def emit(event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log the domain event `event` (dotted: "ingest.accepted", "login.failed", ...) with its fields."""
    if _log.isEnabledFor(level):
        _log.log(level, event, extra={"event": event, "fields": fields})
