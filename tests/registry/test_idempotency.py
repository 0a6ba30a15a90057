"""Idempotency keys (registry/idempotency.py) through ArtifactService: a client that lost an answer retries with
the same key and gets the original result, never a second write."""
from __future__ import annotations

import threading
import time

import pytest

from registry.errors import Conflict, InvalidInput, NotFound, UpstreamError
from registry.model import ArtifactType, Operation, OperationKind, utcnow
from scoring.errors import SourceUnavailable
from tests.registry.test_artifact_service import DATASET_URL, OTHER, UPLOADER


def test_a_retry_with_the_same_key_returns_the_first_result_without_a_second_write(ha_service, stores, gate):
    metadata, _ = stores
    first = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="retry-me")
    again = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="retry-me")
    assert again.id == first.id and again.name == first.name
    assert gate.reads == 1 and metadata.count_artifacts() == 1
    # Keys are the caller's own: another user's same key is another request (here: a duplicate source).
    with pytest.raises(Conflict, match="already registered"):
        ha_service.ingest(OTHER, ArtifactType.DATASET, DATASET_URL, idempotency_key="retry-me")


def test_a_key_names_one_request(ha_service):
    ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="one")
    with pytest.raises(InvalidInput, match="different request"):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, name="other", idempotency_key="one")
    with pytest.raises(InvalidInput, match="printable ASCII"):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="bad key\n")


def test_a_failed_request_is_not_recorded_so_its_retry_runs_again(ha_service, gate):
    gate.failure = SourceUnavailable("hub down")
    with pytest.raises(UpstreamError):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="flaky")
    gate.failure = None
    assert ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="flaky").name == "reviews"


def test_a_retry_while_the_first_request_runs_is_told_to_wait(ha_service, gate):
    gate.gate.clear()
    first: list[object] = []
    running = threading.Thread(target=lambda: first.append(
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="slow")))
    running.start()
    assert gate.entered.wait(10)
    with pytest.raises(Conflict, match="still in progress") as busy:
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="slow")
    assert busy.value.retry_after >= 1
    gate.gate.set()
    running.join(10)
    assert ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="slow").id == first[0].id


def test_a_key_left_pending_by_a_dead_request_is_taken_over_after_its_lease(ha_service, stores):
    metadata, _ = stores
    first = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="orphaned")
    record = next(iter(metadata.expired_operations(utcnow().replace(year=3000), 10)))
    # As if the request had died before its commit: pending, owned by a dead attempt, the lease over.
    metadata.delete_operation(record.key)
    metadata.put_operation(Operation(key=record.key, kind=OperationKind.IDEMPOTENCY, username=UPLOADER.username,
                                     state="pending", owner="dead", lease_until=time.time() - 1,
                                     fingerprint=record.fingerprint, expires_at=record.expires_at))
    ha_service.delete(UPLOADER, first.id)
    again = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="orphaned")
    assert again.id != first.id and again.name == "reviews"


def test_a_retried_delete_answers_what_it_deleted(ha_service):
    artifact = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    first = ha_service.delete(UPLOADER, artifact.id, idempotency_key="del-1")
    again = ha_service.delete(UPLOADER, artifact.id, idempotency_key="del-1")
    assert (again.id, again.name, again.type) == (first.id, first.name, first.type)
    with pytest.raises(NotFound):
        ha_service.delete(UPLOADER, artifact.id)  # without the key: it is gone


def test_the_result_of_a_key_whose_artifact_was_deleted_since_is_not_found(ha_service):
    artifact = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="short-lived")
    ha_service.delete(UPLOADER, artifact.id)
    with pytest.raises(NotFound, match="has since been deleted"):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="short-lived")
