"""The sweeper (registry/sweeper.py) on a whole registry (embedded store): what interrupted writes leave behind is
finished or removed, what live writes hold is left alone, and what it did is logged."""
from __future__ import annotations

import logging
import os
import time
from datetime import timedelta

import pytest

from app.factory import build_registry
from registry.events import LOGGER_NAME
from registry.model import Artifact, ArtifactType, Operation, OperationKind, Upload, utcnow
from registry.ports import blob_key, part_key, staging_key
from registry.writes import package_identity

LEASE = 0.3


@pytest.fixture
def registry(settings):
    return build_registry(settings.model_copy(update={"write_lease_seconds": LEASE}))


def aged(path, seconds: float = 3600) -> None:
    os.utime(path, (time.time() - seconds, time.time() - seconds))


def test_a_pass_removes_what_interrupted_writes_left_and_logs_it(registry, tmp_path, caplog):
    metadata, blobs = registry.metadata, registry.blobs
    source = tmp_path / "bytes.bin"
    source.write_bytes(b"package bytes")
    # A finalize killed after storing its blobs; a PENDING record of an ingest killed before its commit.
    blobs.put_file(blob_key("a" * 64), str(source))
    blobs.put_file(part_key("a" * 64, "weights"), str(source))
    metadata.create_artifact(Artifact(id="never-committed", type=ArtifactType.MODEL, name="m",
                                      updated_at=utcnow() - timedelta(hours=1)))
    metadata.claim("source:dead-writer", "dead", 0.01)
    metadata.put_operation(Operation(key="old-key", kind=OperationKind.IDEMPOTENCY, username="u", state="done",
                                     expires_at=utcnow() - timedelta(minutes=1)))
    # An upload that expired with its staged bytes, and staged bytes whose upload is gone.
    metadata.put_upload(Upload(id="expired-upload-0123456789", name="p", username="u", max_bytes=10,
                               expires_at=utcnow() - timedelta(minutes=1)))
    blobs.put_file(staging_key("expired-upload-0123456789"), str(source))
    blobs.put_file(staging_key("no-record-0123456789abcd"), str(source))
    # A killed blob write's temporary file and a killed finalize's scratch folder.
    temporary = registry.settings.data_dir / "blobs" / "sha256" / ".tmp-killed"
    temporary.write_bytes(b"half")
    scratch = registry.settings.scratch_dir / "package-killed"
    scratch.mkdir(parents=True)
    for path in (temporary, scratch, *(registry.settings.data_dir / "blobs").rglob("*")):
        aged(path)
    time.sleep(LEASE + 0.1)

    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        report = registry.sweeper.sweep()

    assert report.counts == {"pending_records_rolled_back": 1, "expired_claims": 1,
                             "expired_idempotency_records": 1, "expired_uploads": 1, "orphan_blobs": 2,
                             "orphan_staged_uploads": 1, "blob_temporaries": 1, "scratch_folders": 1}
    assert metadata.count_artifacts() == 0 and metadata.get_claim("source:dead-writer") is None
    assert list(blobs.list_blobs("")) == [] and not temporary.exists() and not scratch.exists()
    (logged,) = [r for r in caplog.records if getattr(r, "event", None) == "sweep.finished"]
    assert logged.fields["orphan_blobs"] == 2
    assert registry.sweeper.sweep().counts == {}  # nothing left to do


def test_what_live_writes_hold_is_left_alone(registry, tmp_path):
    metadata, blobs = registry.metadata, registry.blobs
    source = tmp_path / "bytes.bin"
    source.write_bytes(b"package bytes")
    blobs.put_file(blob_key("b" * 64), str(source))  # a finalize in progress: its package claim is leased
    assert metadata.claim(package_identity("b" * 64), "live-writer", 60)
    blobs.put_file(blob_key("c" * 64), str(source))  # referenced by a committed record
    metadata.create_artifact(Artifact(id="kept", type=ArtifactType.MODEL, name="m", package_sha256="c" * 64))
    metadata.mark_ready("kept")
    metadata.create_artifact(Artifact(id="in-progress", type=ArtifactType.MODEL, name="m"))  # fresh PENDING
    for path in (registry.settings.data_dir / "blobs").rglob("*"):
        aged(path)
    time.sleep(LEASE + 0.1)
    metadata.create_artifact(Artifact(id="fresh", type=ArtifactType.MODEL, name="m"))

    report = registry.sweeper.sweep()

    assert report.counts == {"pending_records_rolled_back": 1}  # only the stale PENDING record
    assert blobs.exists(blob_key("b" * 64)) and blobs.exists(blob_key("c" * 64))
    assert metadata.get_artifact("fresh", include_pending=True) is not None
    assert metadata.get_claim(package_identity("b" * 64)).owner == "live-writer"


def test_a_restart_frees_at_once_what_the_previous_process_held_on_its_own_store(settings):
    before = build_registry(settings)  # the process that dies (write_lease_seconds: the default minute)
    before.metadata.claim("upload:killed-mid-finalize", "dead-writer", settings.write_lease_seconds)
    before.metadata.create_artifact(Artifact(id="half-made", type=ArtifactType.MODEL, name="m"))
    assert before.sweeper.sweep().counts == {}  # its own writes' leases are running: left alone

    after = build_registry(settings)  # the restarted server, owning the same embedded store
    assert after.metadata.claim("upload:live", "live-writer", settings.write_lease_seconds)
    report = after.sweeper.sweep()

    assert report.counts == {"pending_records_rolled_back": 1, "expired_claims": 1}
    assert after.metadata.get_claim("upload:killed-mid-finalize") is None
    assert after.metadata.get_claim("upload:live").owner == "live-writer"  # taken since it started
    assert after.metadata.count_artifacts() == 0


def test_the_sweeper_runs_at_start_and_periodically(settings, tmp_path):
    from fastapi.testclient import TestClient

    from app.factory import create_app

    quick = settings.model_copy(update={"write_lease_seconds": 0.01, "sweep_interval_seconds": 0.05})
    registry = build_registry(quick)
    registry.metadata.create_artifact(Artifact(id="stale", type=ArtifactType.MODEL, name="m",
                                               updated_at=utcnow() - timedelta(hours=1)))
    with TestClient(create_app(quick, registry)):
        deadline = time.monotonic() + 30
        while registry.metadata.count_artifacts() and time.monotonic() < deadline:
            time.sleep(0.02)
        registry.metadata.create_artifact(Artifact(id="stale-too", type=ArtifactType.MODEL, name="m",
                                                   updated_at=utcnow() - timedelta(hours=1)))
        while registry.metadata.count_artifacts() and time.monotonic() < deadline:
            time.sleep(0.02)
    assert registry.metadata.count_artifacts() == 0
