"""Structured logs: JSON lines on stderr, written off the request path, and a bounded feed of recent entries.

Every line is one JSON object: `at`, `level`, `event` ("request" for the pipeline's line per request, dotted
names for domain events from registry/events.py, "error" for unexpected faults), `message`, `request_id` (from
the context of the request being served, worker threads included) and the event's own fields. Expected failures
never carry a traceback; an unexpected one carries it once, in `traceback`.

Off the hot path: the thread that logs builds the entry once (the request id is at hand there) and appends it
to in-memory buffers: no lock anyone waits on, no system call. A writer thread wakes every `FLUSH_SECONDS`,
turns what has accumulated into JSON lines and writes them to stderr (or the stream `configure_logging` was
given) in one write, so a request never wakes a thread, never encodes JSON, and a slow terminal or log
collector never stalls one. (The earlier QueueHandler woke the listener thread on every record: under load,
py-spy and cProfile put that wake-up among the largest costs of a request.) The buffer is bounded: if the
stream stalls for long, the oldest unwritten entries are dropped rather than memory growing.
"""
from __future__ import annotations

import atexit
import contextvars
import json
import logging
import sys
import threading
import time
from collections import deque
from datetime import datetime, timezone
from typing import Any, TextIO

from registry.health import LogEntry

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
ROOT = "registry"  # every logger of the application lives under it (registry.events, registry.http)
RECENT_LIMIT = 500
FLUSH_SECONDS = 0.1
_MAX_PENDING_LINES = 100_000

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


def json_line(entry: LogEntry) -> str:
    line: dict[str, Any] = {"at": entry.at.isoformat(timespec="milliseconds"), "level": entry.level,
                            "event": entry.event, "message": entry.message}
    if entry.request_id:
        line["request_id"] = entry.request_id
    line.update(entry.fields)
    if entry.traceback:
        line["traceback"] = entry.traceback
    return json.dumps(line, default=str)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json_line(entry_of(record))


class RecentLogs:
    """The last `limit` entries, newest last, for the health dashboard (bounded memory). Appending to a deque is
    atomic under the GIL: no lock."""

    def __init__(self, limit: int = RECENT_LIMIT) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=limit)

    def add(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def recent(self, limit: int) -> list[LogEntry]:
        """Up to `limit` entries, newest first."""
        entries = list(self._entries)
        return entries[::-1][:max(0, limit)]


class StructuredLog(logging.Handler):
    """Builds each record's entry once, in the thread that logs, into the recent feed and into the buffer the
    writer thread encodes and empties to `stream` every `flush_seconds` (encoding a batch in one go costs a request
    less than encoding each line on its own path: measured in docs/performance.md). Without a stream, the lines go
    to whatever sys.stderr is at each flush (test runners and daemons swap it)."""

    def __init__(self, feed: RecentLogs, flush_seconds: float = FLUSH_SECONDS, stream: TextIO | None = None) -> None:
        super().__init__(level=logging.INFO)
        self.feed = feed
        self._stream = stream
        self._pending: deque[LogEntry] = deque(maxlen=_MAX_PENDING_LINES)
        self._flush_seconds = flush_seconds
        threading.Thread(target=self._write_forever, name="log-writer", daemon=True).start()
        atexit.register(self.flush)

    def handle(self, record: logging.LogRecord) -> bool:
        """Without the handler lock logging.Handler takes: both buffers are safe to append to from any thread. The
        request id is stamped on the record here, in the thread whose context holds it (other handlers, such as
        pytest's, read the record later)."""
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        entry = entry_of(record)
        self.feed.add(entry)
        self._pending.append(entry)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        self.handle(record)

    def flush(self) -> None:
        """Encode every pending entry and write the lines in one write."""
        lines = []
        while self._pending:
            lines.append(json_line(self._pending.popleft()))
        if lines:
            stream = self._stream or sys.stderr
            stream.write("\n".join(lines) + "\n")
            stream.flush()

    def _write_forever(self) -> None:
        while True:
            time.sleep(self._flush_seconds)
            try:
                self.flush()
            except (OSError, ValueError):  # stderr closed or gone: the lines are dropped, logging goes on
                continue


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> RecentLogs:
    """Install the JSON writer (to `stream`, by default stderr) and the recent-entries feed on the application's
    loggers, once per process (the first call's arguments hold); returns the feed."""
    global _feed
    with _lock:
        if _feed is not None:
            return _feed
        # Each record would also look up its thread, its process (os.getpid: a system call, ~3 % of a REST read's
        # time under load) and its caller's frame; no line of ours carries them (the logging HOWTO's "Optimization").
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
        logging._srcfile = None
        root = logging.getLogger(ROOT)
        root.setLevel(level)
        feed = RecentLogs()
        root.addHandler(StructuredLog(feed, stream=stream))
        _feed = feed
        return feed
