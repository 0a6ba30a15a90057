"""Liveness, component status and the last hour's request and error counts (what the dashboard shows)."""
from __future__ import annotations

import enum
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from registry.auth import require
from registry.errors import InvalidInput
from registry.model import Permission, User


class Outcome(enum.Enum):
    """How a request ended, as health counts it: 4xx (and GraphQL user errors) are the client's, 5xx ours."""

    OK = 0
    CLIENT_ERROR = 1
    SERVER_ERROR = 2


@dataclass(frozen=True)
class LogEntry:
    """One structured log line (what app/logs.py writes), as the dashboard's recent-log feed shows it."""

    at: datetime
    level: str
    event: str
    message: str
    request_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    traceback: str | None = None


@dataclass(frozen=True)
class ComponentStatus:
    id: str
    display_name: str
    status: str  # "ok" | "degraded" | "critical" | "unknown"
    observed_at: datetime
    detail: str = ""
    latency_ms: float = 0.0


@dataclass(frozen=True)
class HealthReport:
    status: str
    checked_at: datetime
    window_minutes: int
    requests: int
    client_errors: int
    server_errors: int
    components: list[ComponentStatus] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """Every request that failed, whoever's fault."""
        return self.client_errors + self.server_errors


Counts = tuple[int, int, int]  # requests, client errors, server errors


class RequestCounter:
    """Per-minute buckets of requests, client errors and server errors over a trailing day; thread-safe and
    constant memory."""

    def __init__(self, keep_minutes: int = 1440) -> None:
        self._lock = threading.Lock()
        self._buckets: deque[list[int]] = deque(maxlen=keep_minutes)  # [minute, requests, client, server]

    def record(self, outcome: Outcome, now: float | None = None) -> None:
        minute = int((now or time.time()) // 60)
        with self._lock:
            if not self._buckets or self._buckets[-1][0] != minute:
                self._buckets.append([minute, 0, 0, 0])
            bucket = self._buckets[-1]
            bucket[1] += 1
            if outcome is not Outcome.OK:
                bucket[1 + outcome.value] += 1

    def totals(self, window_minutes: int, now: float | None = None) -> Counts:
        """(requests, client errors, server errors) over the window."""
        rows = self.minutes(window_minutes, now).values()
        return sum(r[0] for r in rows), sum(r[1] for r in rows), sum(r[2] for r in rows)

    def minutes(self, window_minutes: int, now: float | None = None) -> dict[int, Counts]:
        """{minute since the epoch: counts} of the minutes in the window that saw requests."""
        first = int((now or time.time()) // 60) - window_minutes + 1
        with self._lock:
            return {b[0]: (b[1], b[2], b[3]) for b in self._buckets if b[0] >= first}


MAX_BUCKETS = 60


@dataclass(frozen=True)
class TimelineBucket:
    start: datetime  # UTC, start of the bucket
    minutes: int
    requests: int
    client_errors: int
    server_errors: int


def request_timeline(counter: RequestCounter, window_minutes: int, now: float | None = None,
                     max_buckets: int = MAX_BUCKETS) -> list[TimelineBucket]:
    """The window split into equal buckets of whole minutes (a 1440-minute window: 60 of 24 minutes), oldest
    first; the oldest bucket is shorter when the width does not divide the window."""
    moment = now if now is not None else time.time()
    current = int(moment // 60)
    counts = counter.minutes(window_minutes, moment)
    width = max(1, -(-window_minutes // max_buckets))
    buckets: list[TimelineBucket] = []
    last, first = current, current - window_minutes + 1
    while last >= first:
        span = min(width, last - first + 1)
        rows = [counts.get(minute, (0, 0, 0)) for minute in range(last - span + 1, last + 1)]
        start = datetime.fromtimestamp((last - span + 1) * 60, tz=timezone.utc)
        buckets.append(TimelineBucket(start, span, *(sum(r[i] for r in rows) for i in range(3))))
        last -= span
    return buckets[::-1]


class HealthService:
    """Stores are probed on every report; upstreams (hub, GitHub) at most every `UPSTREAM_TTL` seconds, so a
    dashboard polling health never turns into traffic to them."""

    UPSTREAM_TTL = 30.0

    def __init__(self, stores: dict[str, tuple[str, Callable[[], None]]],
                 upstreams: dict[str, tuple[str, Callable[[], None]]] | None = None) -> None:
        """`stores` and `upstreams` map a component id to (display name, probe); a probe raises when down."""
        self._stores = stores
        self._upstreams = upstreams or {}
        self._upstream_cache: dict[str, tuple[float, ComponentStatus]] = {}
        self._cache_lock = threading.Lock()
        self.counter = RequestCounter()
        self.log_feed: Callable[[int], list[LogEntry]] = lambda limit: []  # set by the HTTP shell

    def recent_logs(self, actor: User, limit: int = 50) -> list[LogEntry]:
        """The newest structured log entries (admins only: they name users and artifacts)."""
        require(actor, Permission.ADMIN)
        if not 1 <= limit <= 500:
            raise InvalidInput("limit is between 1 and 500 entries")
        return self.log_feed(limit)

    def report(self, window_minutes: int = 60) -> HealthReport:
        if not 5 <= window_minutes <= 1440:
            raise InvalidInput("the window is between 5 and 1440 minutes")
        components = [self._probe(key, name, ping) for key, (name, ping) in self._stores.items()]
        components += [self._cached_probe(key, name, ping) for key, (name, ping) in self._upstreams.items()]
        requests, client_errors, server_errors = self.counter.totals(window_minutes)
        # Upstreams down degrade the registry (ingest and rating fail) but reads still work.
        status = "ok" if all(c.status == "ok" for c in components) else "degraded"
        return HealthReport(status=status, checked_at=datetime.now(timezone.utc), window_minutes=window_minutes,
                            requests=requests, client_errors=client_errors, server_errors=server_errors,
                            components=components)

    def timeline(self, window_minutes: int) -> list[TimelineBucket]:
        """The window's request and error counts in at most MAX_BUCKETS buckets, oldest first."""
        return request_timeline(self.counter, window_minutes)

    def _cached_probe(self, component_id: str, display_name: str, ping: Callable[[], None]) -> ComponentStatus:
        with self._cache_lock:
            cached = self._upstream_cache.get(component_id)
        if cached is not None and time.monotonic() - cached[0] < self.UPSTREAM_TTL:
            return cached[1]
        status = self._probe(component_id, display_name, ping)
        with self._cache_lock:
            self._upstream_cache[component_id] = (time.monotonic(), status)
        return status

    @staticmethod
    def _probe(component_id: str, display_name: str, ping: Callable[[], None]) -> ComponentStatus:
        started = time.perf_counter()
        try:
            ping()
            status, detail = "ok", ""
        except Exception as exc:  # any failure of a dependency is reported, never raised, by health
            status, detail = "critical", f"{type(exc).__name__}: {exc}"[:300]
        latency = (time.perf_counter() - started) * 1000
        return ComponentStatus(component_id, display_name, status, datetime.now(timezone.utc), detail, latency)
