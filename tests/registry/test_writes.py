"""Writes that finish or leave no trace (registry/writes.py), through ArtifactService on the embedded adapters:
leased claims a dead writer cannot keep, the reset barrier, unknown commit outcomes, deletes that remove bytes
after the record."""
from __future__ import annotations

import threading
import time

import pytest

from registry.artifacts import version_identity
from registry.errors import Aborted, Conflict, StoreUnavailable, UpstreamError
from registry.model import Artifact, ArtifactStatus, ArtifactType
from registry.ports import blob_key
from registry.sweeper import Sweeper
from registry.writes import WriteFence, package_identity
from scoring.errors import SourceUnavailable
from store.sqlite import SqliteMetadataStore
from tests.registry.test_artifact_service import ADMIN, DATASET_URL, UPLOADER

REVIEWS = version_identity(ArtifactType.DATASET, "reviews", "1.2.0")  # the fake source's tag


def test_a_dead_writers_claim_expires_and_the_same_source_is_ingested_after_its_lease(ha_service, stores):
    metadata, _ = stores
    assert metadata.claim(REVIEWS, "a-writer-that-died", 0.5)
    with pytest.raises(Conflict, match="being registered by another request") as busy:
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert busy.value.retry_after == 1  # the lease's remaining time, rounded up
    time.sleep(0.6)  # the lease ends
    artifact = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert metadata.get_claim(REVIEWS).expires_at is None  # settled by the commit: registered for good
    with pytest.raises(Conflict, match="already registered"):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert ha_service.get(UPLOADER, artifact.id).status is ArtifactStatus.READY


def test_a_failed_write_releases_its_claims_and_leaves_no_record(ha_service, stores, gate):
    metadata, _ = stores
    gate.failure = SourceUnavailable("hub down")
    with pytest.raises(UpstreamError):
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert metadata.get_claim(REVIEWS) is None and metadata.count_artifacts() == 0


def test_a_write_that_overlaps_a_reset_commits_nothing(ha_writes, stores):
    metadata, _ = stores
    with pytest.raises(Aborted, match="reset"):
        with ha_writes.begin() as write:
            write.create(Artifact(id="overlapping", type=ArtifactType.MODEL, name="m"))
            with ha_writes.fence.resetting():  # another process's reset runs meanwhile
                metadata.reset()
            write.commit()
    assert metadata.count_artifacts() == 0
    with ha_writes.begin() as write:  # after the reset, writes commit again
        write.create(Artifact(id="after", type=ArtifactType.MODEL, name="m"))
        write.commit()
    assert metadata.get_artifact("after") is not None


def test_reset_waits_for_the_writes_in_flight_and_holds_new_ones(ha_service, stores, gate):
    metadata, _ = stores
    gate.gate.clear()
    results: dict[str, object] = {}
    ingest = threading.Thread(target=lambda: results.update(
        ingested=ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)))
    ingest.start()
    assert gate.entered.wait(10)  # the ingest is inside its write, waiting on the hub
    fence = ha_service._writes.fence
    reset = threading.Thread(target=lambda: (fence_reset(fence, metadata), results.update(reset=True)))
    reset.start()
    while not fence._resetting:  # the reset is waiting at the barrier
        time.sleep(0.01)
    assert "reset" not in results
    gate.gate.set()
    ingest.join(10)
    reset.join(10)
    assert isinstance(results["ingested"], Artifact) and results["reset"] is True
    assert metadata.count_artifacts() == 0  # committed whole before the reset, and wiped whole by it
    assert metadata.get_epoch().value == 2 and metadata.get_claim(REVIEWS) is None


def fence_reset(fence: WriteFence, metadata: SqliteMetadataStore) -> None:
    with fence.resetting():
        metadata.reset()


def test_a_reset_left_half_done_refuses_writes_until_it_is_finished(ha_service, stores, ha_settings):
    metadata, blobs = stores
    assert metadata.swap_epoch(0, 1)  # a reset that crashed after it began
    with pytest.raises(Aborted, match="reset is in progress") as refused:
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert refused.value.retry_after == 5
    sweeper = Sweeper(ha_settings, metadata, blobs, ha_service._writes.fence, metadata.reset)
    assert sweeper.sweep().counts["resets_finished"] == 1
    assert metadata.get_epoch().value == 2
    assert ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL).name == "reviews"


def test_an_unconfirmed_commit_reports_its_outcome_unknown_and_leaves_the_write_as_it_is(
        ha_service, stores, monkeypatch):
    metadata, _ = stores
    commit = metadata.commit

    def commit_then_lose_the_answer(*args, **kwargs):
        commit(*args, **kwargs)
        raise StoreUnavailable("the database is unavailable", retry_after_seconds=3)

    monkeypatch.setattr(metadata, "commit", commit_then_lose_the_answer)
    with pytest.raises(StoreUnavailable, match="may or may not have committed") as unknown:
        ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="k-1")
    monkeypatch.undo()
    assert unknown.value.details["outcome"] == "unknown" and unknown.value.retry_after == 3
    (artifact_id,) = unknown.value.details["artifact_ids"]
    assert ha_service.get(UPLOADER, artifact_id).status is ArtifactStatus.READY  # committed: nothing rolled back
    assert ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL, idempotency_key="k-1").id == artifact_id


def test_one_change_of_an_artifact_at_a_time(ha_service, stores):
    metadata, _ = stores
    artifact = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert metadata.claim(f"artifact:{artifact.id}", "another-request", 30)
    with pytest.raises(Conflict, match="being changed by another request") as busy:
        ha_service.delete(UPLOADER, artifact.id)
    assert busy.value.retry_after >= 1
    second_edition = "https://huggingface.co/datasets/acme/reviews-v2"
    with pytest.raises(Conflict, match="being changed"):
        ha_service.update(UPLOADER, artifact.id, second_edition)
    metadata.release(f"artifact:{artifact.id}")
    updated = ha_service.update(UPLOADER, artifact.id, second_edition, version="2.0.0")
    assert (updated.source_url, updated.version) == (second_edition, "2.0.0")
    assert metadata.get_claim(REVIEWS).expires_at is None  # the first version stays registered
    assert metadata.get_claim(version_identity(ArtifactType.DATASET, "reviews", "2.0.0")).expires_at is None


def test_a_delete_whose_blob_removal_fails_still_deleted_and_the_sweeper_removes_the_bytes(
        ha_service, stores, ha_settings, tmp_path, monkeypatch):
    metadata, blobs = stores
    artifact = ha_service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    (tmp_path / "p.zip").write_bytes(b"zip bytes")
    blobs.put_file(blob_key("e" * 64), str(tmp_path / "p.zip"))
    ha_service._artifacts.replace_artifact(artifact.model_copy(update={"package_sha256": "e" * 64}))

    def unavailable(key: str) -> None:
        raise StoreUnavailable("the blob store is unavailable")

    with monkeypatch.context() as patched:
        patched.setattr(blobs, "delete", unavailable)
        assert ha_service.delete(ADMIN, artifact.id).id == artifact.id  # committed: the answer says so
    assert metadata.get_artifact(artifact.id, include_pending=True) is None
    assert blobs.exists(blob_key("e" * 64))  # an orphan, never a record without its bytes
    claim = metadata.get_claim(package_identity("e" * 64))
    assert claim is not None and claim.expires_at is not None  # leased: no upload reuses bytes being deleted

    time.sleep(0.6)
    report = Sweeper(ha_settings, metadata, blobs, ha_service._writes.fence, metadata.reset).sweep()
    assert report.counts["orphan_blobs"] == 1 and not blobs.exists(blob_key("e" * 64))
