"""app/logs.py's writer: the JSON lines it writes, in batches, off the request path."""
from __future__ import annotations

import io
import json
import logging
import time

from app.logs import REQUEST_ID, RecentLogs, StructuredLog


def logger_with(handler: logging.Handler, name: str) -> logging.Logger:
    logger = logging.getLogger(f"registry.test-logs.{name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return logger


def test_the_writer_encodes_each_entry_as_one_json_line_on_flush():
    stream, feed = io.StringIO(), RecentLogs()
    handler = StructuredLog(feed, flush_seconds=3600, stream=stream)
    log = logger_with(handler, "lines")
    token = REQUEST_ID.set("req-logs-0001")
    try:
        log.info("GET %s %d", "/x", 200, extra={"event": "request", "fields": {"status": 200, "path": "/x"}})
        try:
            raise RuntimeError("disk on fire")
        except RuntimeError:
            log.error("unexpected error", exc_info=True, extra={"event": "error"})
    finally:
        REQUEST_ID.reset(token)
    assert stream.getvalue() == ""  # nothing is encoded or written on the logging thread
    handler.flush()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["event"], line["level"], line["request_id"]) for line in lines] == [
        ("request", "INFO", "req-logs-0001"), ("error", "ERROR", "req-logs-0001")]
    assert lines[0]["message"] == "GET /x 200" and lines[0]["status"] == 200 and lines[0]["path"] == "/x"
    assert "traceback" not in lines[0] and "disk on fire" in lines[1]["traceback"]
    assert [entry.event for entry in feed.recent(5)] == ["error", "request"]  # newest first
    handler.flush()
    assert len(stream.getvalue().splitlines()) == 2  # each entry is written once


def test_the_writer_thread_flushes_on_its_own():
    stream = io.StringIO()
    log = logger_with(StructuredLog(RecentLogs(), flush_seconds=0.01, stream=stream), "thread")
    log.info("tick", extra={"event": "tick"})
    deadline = time.monotonic() + 10
    while "tick" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert json.loads(stream.getvalue().splitlines()[0])["event"] == "tick"


def test_records_skip_the_lookups_no_line_carries(caplog):
    """After configure_logging (tests/conftest.py calls it), a record looks up neither its process (a system call)
    nor its thread nor its caller's frame: no JSON line has a field for them."""
    with caplog.at_level(logging.INFO, logger="registry.test-logs"):
        logging.getLogger("registry.test-logs.lookups").info("hello")
    record = caplog.records[-1]
    assert (record.process, record.thread) == (None, None)
    assert (record.lineno, record.funcName) == (0, "(unknown function)")
