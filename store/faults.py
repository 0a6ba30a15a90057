"""Store faults as what they are for a client: `StoreUnavailable` (503, Retry-After), answered within seconds.

`FaultGuard` wraps an adapter: every call (and every iterator a call returns) turns an infrastructure failure
into StoreUnavailable, classified by the backend's own `classify` (botocore's timeouts and connection errors,
5xx and throttling left after the client's retries; SQLite's "locked" and I/O errors; a full or failing disk).
Domain errors and programming errors pass through untouched.

A store that stopped answering (connection refused, timed out) makes every request that touches it wait for its
timeouts, so `Breaker` remembers it for a few seconds: meanwhile calls fail at once with the time left as
Retry-After, and after the pause the next calls try the store again.
"""
from __future__ import annotations

import enum
import errno
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from registry.errors import DomainError, StoreUnavailable


class Fault(enum.Enum):
    UNREACHABLE = "unreachable"  # no answer at all: worth pausing calls to it
    FAILING = "failing"  # answered, with an error that retrying later may cure


Classifier = Callable[[BaseException], Fault | None]
_DISK_ERRORS = {errno.ENOSPC, errno.EIO, errno.EROFS, errno.EDQUOT, errno.ENOMEM}
_SQLITE_OUTAGES = ("locked", "busy", "disk", "i/o", "unable to open", "full", "readonly")
_OVERLOADED = {"SlowDown", "RequestLimitExceeded", "ProvisionedThroughputExceededException"}


class Breaker:
    """Remembers an unreachable store for `cooldown` seconds. Thread-safe."""

    def __init__(self, cooldown: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._cooldown = cooldown
        self._clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def check(self, store: str) -> None:
        with self._lock:
            left = self._open_until - self._clock()
        if left > 0:
            raise StoreUnavailable(f"the {store} is not answering; try again shortly",
                                   retry_after_seconds=math.ceil(left))

    def trip(self) -> None:
        with self._lock:
            self._open_until = self._clock() + self._cooldown


class FaultGuard:
    """The adapter `inner`, with its infrastructure failures answered as StoreUnavailable."""

    def __init__(self, inner: Any, store: str, classify: Classifier, breaker: Breaker | None = None,
                 retry_after: int = 5) -> None:
        self._inner = inner
        self._store = store
        self._classify = classify
        self._breaker = breaker
        self._retry_after = retry_after

    @property
    def inner(self) -> Any:
        return self._inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self._breaker is not None:
                self._breaker.check(self._store)
            try:
                result = attribute(*args, **kwargs)
            except Exception as exc:
                raise self._translated(exc) from exc
            return self._iterate(result) if isinstance(result, Iterator) else result

        return guarded

    def _iterate(self, items: Iterator[Any]) -> Iterator[Any]:
        try:
            yield from items
        except Exception as exc:
            raise self._translated(exc) from exc

    def _translated(self, exc: Exception) -> Exception:
        if isinstance(exc, DomainError):
            return exc
        fault = self._classify(exc)
        if fault is None:
            return exc
        if fault is Fault.UNREACHABLE and self._breaker is not None:
            self._breaker.trip()
        return StoreUnavailable(f"the {self._store} is unavailable ({type(exc).__name__}); try again shortly",
                                retry_after_seconds=self._retry_after)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and those it was raised from or during (boto3's transfer manager wraps its causes)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def local_fault(exc: BaseException) -> Fault | None:
    """SQLite busy or failing, or the disk under the blob directory failing or full."""
    for cause in causes(exc):
        if isinstance(cause, sqlite3.OperationalError) and any(
                word in str(cause).lower() for word in _SQLITE_OUTAGES):
            return Fault.FAILING
        if isinstance(cause, OSError) and cause.errno in _DISK_ERRORS:
            return Fault.FAILING
    return None


def aws_fault(exc: BaseException) -> Fault | None:
    """botocore's connection errors and timeouts (unreachable), or a 5xx/throttling answer that survived the
    client's retries (failing). 4xx answers are the caller's business (missing keys, failed conditions)."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    for cause in causes(exc):
        if isinstance(cause, (ConnectionError, HTTPClientError)):
            return Fault.UNREACHABLE
        if isinstance(cause, ClientError):
            status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = str(cause.response.get("Error", {}).get("Code", ""))
            if status >= 500 or "Throttl" in code or code in _OVERLOADED:
                return Fault.FAILING
    return None
