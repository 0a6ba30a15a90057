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
        first = int((now or time.time()) // 60) - window_minutes + 1
        with self._lock:
            rows = [b for b in self._buckets if b[0] >= first]
        return sum(b[1] for b in rows), sum(b[2] for b in rows)

    def minutes(self, window_minutes: int, now: float | None = None) -> dict[int, tuple[int, int]]:
        """{minute since the epoch: (requests, errors)} of the minutes in the window that saw requests."""
        first = int((now or time.time()) // 60) - window_minutes + 1
        with self._lock:
            return {b[0]: (b[1], b[2]) for b in self._buckets if b[0] >= first}


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
