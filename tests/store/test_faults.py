"""store/faults.py: which failures are store outages, the breaker that answers at once for an unreachable store,
and the guard that turns outages into STORE_UNAVAILABLE for calls and the iterators they return."""
from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from registry.errors import NotFound, StoreUnavailable
from store.faults import Breaker, Fault, FaultGuard, aws_fault, local_fault


def client_error(status: int, code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "PutItem")


@pytest.mark.parametrize(("error", "fault"), [
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), Fault.UNREACHABLE),
    (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), Fault.UNREACHABLE),
    (client_error(503, "SlowDown"), Fault.FAILING),
    (client_error(400, "ThrottlingException"), Fault.FAILING),
    (client_error(400, "ProvisionedThroughputExceededException"), Fault.FAILING),
    (client_error(404, "NoSuchKey"), None),
    (client_error(400, "ConditionalCheckFailedException"), None),
    (ValueError("a bug"), None),
])
def test_aws_failures_are_classified(error, fault):
    assert aws_fault(error) is fault


def test_a_wrapped_cause_counts():
    try:
        try:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        except EndpointConnectionError as cause:
            raise RuntimeError("upload failed") from cause
    except RuntimeError as wrapped:
        assert aws_fault(wrapped) is Fault.UNREACHABLE


@pytest.mark.parametrize(("error", "fault"), [
    (sqlite3.OperationalError("database is locked"), Fault.FAILING),
    (sqlite3.OperationalError("disk I/O error"), Fault.FAILING),
    (OSError(errno.ENOSPC, "No space left on device"), Fault.FAILING),
    (sqlite3.OperationalError("no such column: x"), None),  # a bug, not an outage
    (FileNotFoundError(errno.ENOENT, "gone"), None),
])
def test_local_failures_are_classified(error, fault):
    assert local_fault(error) is fault


class Store:
    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.calls = 0
        self.table = "t"

    def get(self, key: str) -> str:
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return key

    def items(self) -> Iterator[int]:
        yield 1
        if self.failure is not None:
            raise self.failure
        yield 2


def test_the_guard_translates_outages_and_passes_the_rest_through():
    store = Store()
    guarded = FaultGuard(store, "database", aws_fault)
    assert guarded.get("k") == "k" and guarded.table == "t" and guarded.inner is store
    store.failure = client_error(503, "ServiceUnavailable")
    with pytest.raises(StoreUnavailable, match="the database is unavailable") as outage:
        guarded.get("k")
    assert outage.value.retry_after == 5 and outage.value.status == 503
    store.failure = NotFound("no such thing")
    with pytest.raises(NotFound):
        guarded.get("k")
    store.failure = ValueError("a bug")
    with pytest.raises(ValueError):
        guarded.get("k")
    store.failure = client_error(500, "InternalError")
    items = guarded.items()
    assert next(items) == 1
    with pytest.raises(StoreUnavailable):
        next(items)


def test_an_unreachable_store_is_not_asked_again_until_the_pause_ends():
    now = [100.0]
    breaker = Breaker(cooldown=5, clock=lambda: now[0])
    store = Store()
    guarded = FaultGuard(store, "blob store", aws_fault, breaker)
    store.failure = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    with pytest.raises(StoreUnavailable):
        guarded.get("k")
    store.failure = None
    with pytest.raises(StoreUnavailable, match="not answering") as paused:
        guarded.get("k")
    assert paused.value.retry_after == 5 and store.calls == 1  # answered without asking the store
    now[0] += 5.5
    assert guarded.get("k") == "k" and store.calls == 2
    store.failure = client_error(503, "SlowDown")  # an answer, even a failing one, does not pause the store
    with pytest.raises(StoreUnavailable):
        guarded.get("k")
    store.failure = None
    assert guarded.get("k") == "k"
