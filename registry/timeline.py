"""Request and error counts over a trailing window, summed into at most MAX_BUCKETS buckets (the health timeline)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone

from registry.health import RequestCounter

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
