"""Request and error counts over a trailing window, sampled into buckets (the health timeline).

Built on RequestCounter's public `totals` only: the count of a bucket ending at minute t and spanning k minutes
is `totals(k, now=t)`, so the counter's storage stays its own business.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
import time

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
    """The window split into at most `max_buckets` equal buckets of whole minutes, oldest first."""
    current_minute = int((now if now is not None else time.time()) // 60)
    width = max(1, -(-window_minutes // max_buckets))  # ceil: a 1440-minute window gives 24-minute buckets
    buckets: list[TimelineBucket] = []
    last = current_minute
    first = current_minute - window_minutes + 1
    while last >= first:
        span = min(width, last - first + 1)
        requests, errors = counter.totals(span, now=last * 60.0)
        start = datetime.fromtimestamp((last - span + 1) * 60, tz=timezone.utc)
        buckets.append(TimelineBucket(start, span, requests, errors))
        last -= span
    return buckets[::-1]
