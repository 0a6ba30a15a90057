"""Structured logs: JSON lines on stderr, written off the request path, and a bounded feed of recent entries.

Every line is one JSON object: `at`, `level`, `event` ("request" for the pipeline's line per request, dotted
names for domain events from registry/events.py, "error" for unexpected faults), `message`, `request_id` (from
the context of the request being served, worker threads included) and the event's own fields. Expected failures
never carry a traceback; an unexpected one carries it once, in `traceback`.

Formatting happens in the thread that logs (it is cheap: one json.dumps, and the request id is at hand there);
writing to stderr happens in a QueueListener thread, so a slow terminal or log collector never stalls a request.
"""
from __future__ import annotations

import atexit
import contextvars
import json
import logging
import logging.handlers
import queue
import sys
import threading
from collections import deque
from datetime import datetime, timezone
from typing import Any

from registry.health import LogEntry

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
ROOT = "registry"  # every logger of the application lives under it (registry.events, registry.http)
RECENT_LIMIT = 500

_lock = threading.Lock()
_feed: RecentLogs | None = None


def entry_of(record: logging.LogRecord) -> LogEntry:
    """The structured view of a record (the same fields the JSON line has)."""
    fields = dict(getattr(record, "fields", None) or {})
    traceback = None
    if record.exc_info:
        traceback = logging.Formatter().formatException(record.exc_info)
    return LogEntry(at=datetime.fromtimestamp(record.created, tz=timezone.utc), level=record.levelname,
                    event=str(getattr(record, "event", None) or record.name), message=record.getMessage(),
                    request_id=getattr(record, "request_id", None) or REQUEST_ID.get(), fields=fields,
                    traceback=traceback)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = entry_of(record)
        line: dict[str, Any] = {"at": entry.at.isoformat(timespec="milliseconds"), "level": entry.level,
                                "event": entry.event, "message": entry.message}
        if entry.request_id:
            line["request_id"] = entry.request_id
        line.update(entry.fields)
        if entry.traceback:
            line["traceback"] = entry.traceback
        return json.dumps(line, default=str)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is written (test runners and daemons swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class _Tagged(logging.Filter):
    """Stamps the request id on the record in the thread that logs it (the writer thread has no context)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class RecentLogs(logging.Handler):
    """The last `limit` entries, newest last, for the health dashboard (bounded memory)."""

    def __init__(self, limit: int = RECENT_LIMIT) -> None:
        super().__init__(level=logging.INFO)
        self._entries: deque[LogEntry] = deque(maxlen=limit)

    def emit(self, record: logging.LogRecord) -> None:
        entry = entry_of(record)
        with self.lock or threading.Lock():
            self._entries.append(entry)

    def recent(self, limit: int) -> list[LogEntry]:
        """Up to `limit` entries, newest first."""
        with self.lock or threading.Lock():
            entries = list(self._entries)
        return entries[::-1][:max(0, limit)]


def configure_logging(level: int = logging.INFO) -> RecentLogs:
    """Install the JSON writer and the recent-entries feed on the application's loggers, once per process;
    returns the feed."""
    global _feed
    with _lock:
        if _feed is not None:
            return _feed
        root = logging.getLogger(ROOT)
        root.setLevel(level)
        tagger = _Tagged()
        feed = RecentLogs()
        feed.addFilter(tagger)
        records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        to_queue = logging.handlers.QueueHandler(records)  # formats the line here: the record's context is here
        to_queue.addFilter(tagger)
        to_queue.setFormatter(JsonFormatter())
        stderr = _Stderr()
        stderr.setFormatter(logging.Formatter("%(message)s"))
        listener = logging.handlers.QueueListener(records, stderr, respect_handler_level=True)
        listener.start()
        atexit.register(listener.stop)
        root.addHandler(to_queue)
        root.addHandler(feed)
        _feed = feed
        return feed
