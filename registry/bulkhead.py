"""The bulkhead for upstream work: ingests and other calls that wait on Hugging Face or GitHub run on their own
few threads, so a slow hub can never take the threads every other request needs.

`capacity` threads run such calls; `queue` more may wait for one. Past that, a new call is refused at once with
UPSTREAM_BUSY (503, Retry-After) rather than queued without bound. A waiting call that has not started when its
caller gives up (`cancel_if_waiting`) never runs. Jobs run in a copy of the submitter's context, so the request
id stays on their log lines.
"""
from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from registry.errors import UpstreamBusy

T = TypeVar("T")


class Job:
    """A submitted call: its future, and whether it started (only a waiting one can be withdrawn)."""

    def __init__(self) -> None:
        self.future: Future[object] = Future()
        self._lock = threading.Lock()
        self._state = "waiting"

    def start(self) -> bool:
        with self._lock:
            if self._state != "waiting":
                return False
            self._state = "running"
            return True

    def cancel_if_waiting(self) -> bool:
        """Withdraw the job if no thread has picked it up yet; True if withdrawn."""
        with self._lock:
            if self._state != "waiting":
                return False
            self._state = "withdrawn"
        return True


class Bulkhead:
    def __init__(self, name: str, capacity: int, queue: int, retry_after: int = 5) -> None:
        self._pool = ThreadPoolExecutor(max_workers=capacity, thread_name_prefix=name)
        self._limit = capacity + queue
        self._admitted = 0
        self._lock = threading.Lock()
        self._retry_after = retry_after

    @property
    def admitted(self) -> int:
        """Calls running or waiting now."""
        with self._lock:
            return self._admitted

    def submit(self, call: Callable[[], object]) -> Job:
        """Run `call` on the pool, or raise UpstreamBusy at once when `capacity + queue` calls are admitted."""
        with self._lock:
            if self._admitted >= self._limit:
                raise UpstreamBusy("too many requests are waiting on Hugging Face or GitHub; retry shortly",
                                   retry_after_seconds=self._retry_after)
            self._admitted += 1
        job = Job()
        context = contextvars.copy_context()

        def run() -> None:
            try:
                if job.start():
                    job.future.set_result(context.run(call))
            except BaseException as exc:  # handed to the waiting caller
                job.future.set_exception(exc)
            finally:
                with self._lock:
                    self._admitted -= 1

        self._pool.submit(run)
        return job

    def busy(self) -> UpstreamBusy:
        return UpstreamBusy("every upstream worker is taken and the wait ran out; retry shortly",
                            retry_after_seconds=self._retry_after)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
