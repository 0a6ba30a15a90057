"""Liveness, component status and the last hour's request and error counts (what the dashboard shows)."""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from registry.errors import InvalidInput
from registry.settings import Settings
from store.ports import BlobStore, MetadataStore


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
    errors: int
    components: list[ComponentStatus] = field(default_factory=list)


class RequestCounter:
    """Per-minute buckets of requests and errors over a trailing day; thread-safe and constant memory."""

    def __init__(self, keep_minutes: int = 1440) -> None:
        self._lock = threading.Lock()
        self._buckets: deque[list[int]] = deque(maxlen=keep_minutes)  # [minute, requests, errors]

    def record(self, error: bool, now: float | None = None) -> None:
        minute = int((now or time.time()) // 60)
        with self._lock:
            if not self._buckets or self._buckets[-1][0] != minute:
                self._buckets.append([minute, 0, 0])
            self._buckets[-1][1] += 1
            self._buckets[-1][2] += int(error)

    def totals(self, window_minutes: int, now: float | None = None) -> tuple[int, int]:
        """(requests, errors) over the window."""
        rows = self.minutes(window_minutes, now).values()
        return sum(r[0] for r in rows), sum(r[1] for r in rows)

    def minutes(self, window_minutes: int, now: float | None = None) -> dict[int, tuple[int, int]]:
        """{minute since the epoch: (requests, errors)} of the minutes in the window that saw requests."""
        first = int((now or time.time()) // 60) - window_minutes + 1
        with self._lock:
            return {b[0]: (b[1], b[2]) for b in self._buckets if b[0] >= first}


MAX_BUCKETS = 60


@dataclass(frozen=True)
class TimelineBucket:
    start: datetime  # UTC, start of the bucket
    minutes: int
    requests: int
    errors: int


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
        rows = [counts.get(minute, (0, 0)) for minute in range(last - span + 1, last + 1)]
        start = datetime.fromtimestamp((last - span + 1) * 60, tz=timezone.utc)
        buckets.append(TimelineBucket(start, span, sum(r[0] for r in rows), sum(r[1] for r in rows)))
        last -= span
    return buckets[::-1]


class HealthService:
    """Stores are probed on every report; upstreams (hub, GitHub) at most every `UPSTREAM_TTL` seconds, so a
    dashboard polling health never turns into traffic to them."""

    UPSTREAM_TTL = 30.0

    def __init__(self, store: MetadataStore, blobs: BlobStore, settings: Settings,
                 upstreams: dict[str, tuple[str, Callable[[], None]]] | None = None) -> None:
        self._store = store
        self._blobs = blobs
        self._settings = settings
        self._upstreams = upstreams or {}
        self._upstream_cache: dict[str, tuple[float, ComponentStatus]] = {}
        self._cache_lock = threading.Lock()
        self.counter = RequestCounter()

    def report(self, window_minutes: int = 60) -> HealthReport:
        if not 5 <= window_minutes <= 1440:
            raise InvalidInput("the window is between 5 and 1440 minutes")
        components = [self._probe("metadata-store", "Metadata store", self._store.ping),
                      self._probe("blob-store", "Blob store", self._blobs.ping)]
        components += [self._cached_probe(key, name, ping) for key, (name, ping) in self._upstreams.items()]
        requests, errors = self.counter.totals(window_minutes)
        # Upstreams down degrade the registry (ingest and rating fail) but reads still work.
        status = "ok" if all(c.status == "ok" for c in components) else "degraded"
        return HealthReport(status=status, checked_at=datetime.now(timezone.utc), window_minutes=window_minutes,
                            requests=requests, errors=errors, components=components)

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
