"""The ports writes rely on (registry/ports.py): leased claims, the epoch, operation records, the atomic commit with
its guard, and the sweeper's scans, run against SQLite and DynamoDB (moto's server); the blob listing and
temporaries against a directory and S3 (SeaweedFS)."""
from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from registry.errors import Aborted, NotFound, TooLarge
from registry.model import Artifact, ArtifactStatus, ArtifactType, Operation, OperationKind, Upload, utcnow
from registry.ports import MAX_COMMIT_RECORDS, Claim, Guard, blob_key, part_key, staging_key
from tests.store.test_metadata_contract import artifact, make_ready

LEASE = 30.0


def operation(key: str = "op-1", version: int = 1, state: str = "pending", **fields) -> Operation:
    return Operation(key=key, kind=OperationKind.IDEMPOTENCY, username="ann", version=version, state=state,
                     expires_at=utcnow() + timedelta(hours=1), **fields)


# claims ------------------------------------------------------------------------------------------------------------
def test_a_claim_is_taken_once_renewed_by_its_owner_and_released(metadata):
    assert metadata.claim("source:abc", "w1", LEASE) is True
    assert metadata.claim("source:abc", "w2", LEASE) is False
    assert metadata.claim("source:abc", "w1", LEASE) is True  # a renewal
    held = metadata.get_claim("source:abc")
    assert held.owner == "w1" and held.expires_at > time.time() + LEASE - 5
    metadata.release("source:abc", "w2")  # not the owner: kept
    assert metadata.get_claim("source:abc").owner == "w1"
    metadata.release("source:abc", "w1")
    metadata.release("source:never-claimed")
    assert metadata.get_claim("source:abc") is None
    assert metadata.claim("source:abc", "w2", LEASE) is True


def test_an_expired_lease_is_free_for_anyone_and_listed_for_the_sweeper(metadata):
    assert metadata.claim("upload:u1", "dead", 0.01)
    time.sleep(0.05)
    (expired,) = metadata.expired_claims(time.time(), 10)
    assert (expired.key, expired.owner) == ("upload:u1", "dead")
    assert metadata.claim("upload:u1", "alive", LEASE) is True
    assert metadata.drop_expired(expired) is False  # taken over meanwhile: kept
    assert metadata.get_claim("upload:u1").owner == "alive"
    assert metadata.expired_claims(time.time(), 10) == []


def test_concurrent_claims_have_one_winner(metadata):
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: metadata.claim("source:race", f"w{n}", LEASE), range(16)))
    assert results.count(True) == 1


def test_a_settled_claim_is_held_for_good(metadata):
    metadata.create_artifact(artifact("c-1"))
    metadata.claim("source:c", "w1", 0.01)
    metadata.commit(ready=[artifact("c-1")], guard=Guard(settle=(("source:c", "w1"),)))
    time.sleep(0.05)
    assert metadata.get_claim("source:c") == Claim("source:c", "w1", None)
    assert metadata.claim("source:c", "w1", LEASE) is False  # not even its owner turns it back into a lease
    assert metadata.claim("source:c", "w2", LEASE) is False
    assert metadata.expired_claims(time.time(), 10) == []


def test_reset_releases_claims_and_keeps_the_epoch(metadata):
    metadata.claim("source:kept?", "w1", LEASE)
    assert metadata.swap_epoch(0, 2)
    metadata.reset()
    assert metadata.claim("source:kept?", "w2", LEASE) is True
    assert metadata.get_epoch().value == 2


# epoch and operation records -----------------------------------------------------------------------------------
def test_the_epoch_is_a_compare_and_set_counter(metadata):
    assert metadata.get_epoch().value == 0 and not metadata.get_epoch().resetting
    assert metadata.swap_epoch(1, 2) is False
    assert metadata.swap_epoch(0, 1) is True
    assert metadata.get_epoch().resetting and metadata.get_epoch().changed_at > time.time() - 60
    assert metadata.swap_epoch(0, 1) is False
    assert metadata.swap_epoch(1, 2) is True and metadata.get_epoch().value == 2


def test_operation_records_change_by_compare_and_set(metadata):
    first = operation()
    assert metadata.put_operation(first) is True
    assert metadata.put_operation(first) is False  # version 1 only creates
    second = first.next(state="done", result={"artifact_id": "a"})
    assert metadata.put_operation(second) is True
    assert metadata.put_operation(first.next(state="other")) is False  # raced: version 2 exists already
    assert metadata.get_operation("op-1") == second
    metadata.delete_operation("op-1", version=1)  # not at that version: kept
    assert metadata.get_operation("op-1") is not None
    metadata.delete_operation("op-1", version=2)
    assert metadata.get_operation("op-1") is None


def test_expired_operations_and_uploads_are_listed(metadata):
    metadata.put_operation(operation("old").model_copy(update={"expires_at": utcnow() - timedelta(minutes=1)}))
    metadata.put_operation(operation("fresh"))
    metadata.put_upload(Upload(id="gone", name="p", username="ann", max_bytes=1,
                               expires_at=utcnow() - timedelta(minutes=1)))
    metadata.put_upload(Upload(id="live", name="p", username="ann", max_bytes=1,
                               expires_at=utcnow() + timedelta(minutes=1)))
    assert [r.key for r in metadata.expired_operations(utcnow(), 10)] == ["old"]
    assert [u.id for u in metadata.expired_uploads(utcnow(), 10)] == ["gone"]


# the commit --------------------------------------------------------------------------------------------------------
def test_a_commit_applies_everything_at_once(metadata):
    make_ready(metadata, artifact("old", name="to-change"), artifact("doomed", minute=1))
    metadata.create_artifact(artifact("new", minute=2))
    metadata.claim("source:new", "w", LEASE)
    metadata.claim("artifact:old", "w", LEASE)
    metadata.claim("source:doomed", "someone", LEASE)
    record = operation()
    metadata.put_operation(record)
    changed = artifact("old", name="changed", ready=True)

    metadata.commit(ready=[artifact("new", minute=2)], replaced=[changed], deleted=["doomed"],
                    ratings={"old": {"net_score": 0.9}},
                    guard=Guard(epoch=0, settle=(("source:new", "w"),), release=(("artifact:old", "w"),),
                                drop=("source:doomed",), lease=(("package:x", "w", time.time() + LEASE),),
                                record=record.next(state="done")))

    assert {a.id for a in metadata.list_artifacts(None, None, 10).items} == {"old", "new"}
    assert metadata.get_artifact("old").name == "changed" and metadata.get_rating("old") == {"net_score": 0.9}
    assert metadata.get_artifact("doomed", include_pending=True) is None
    assert metadata.get_claim("source:new").expires_at is None
    assert metadata.get_claim("artifact:old") is None and metadata.get_claim("source:doomed") is None
    assert metadata.get_claim("package:x").owner == "w"
    assert metadata.get_operation("op-1").state == "done"


@pytest.mark.parametrize("failure", ["epoch", "settle", "release", "record"])
def test_a_commit_whose_guard_fails_changes_nothing(metadata, failure):
    make_ready(metadata, artifact("kept", name="before"))
    metadata.create_artifact(artifact("new", minute=1))
    metadata.claim("source:new", "w", LEASE)
    metadata.claim("upload:u", "w", LEASE)
    metadata.put_operation(operation())
    guards = {"epoch": Guard(epoch=4), "settle": Guard(settle=(("source:new", "thief"),)),
              "release": Guard(release=(("upload:u", "thief"),)), "record": Guard(record=operation(version=3))}
    guard = guards[failure]

    with pytest.raises(Aborted):
        metadata.commit(ready=[artifact("new", minute=1)], replaced=[artifact("kept", name="after", ready=True)],
                        ratings={"kept": {"net_score": 1.0}},
                        guard=Guard(epoch=guard.epoch, settle=guard.settle or (("source:new", "w"),),
                                    release=guard.release, record=guard.record, drop=("upload:u",)
                                    if failure != "release" else ()))

    assert [a.id for a in metadata.list_artifacts(None, None, 10).items] == ["kept"]
    assert metadata.get_artifact("kept").name == "before" and metadata.get_rating("kept") is None
    assert metadata.get_claim("source:new").expires_at is not None  # still a lease: not settled
    assert metadata.get_claim("upload:u").owner == "w"
    assert metadata.get_operation("op-1").version == 1


def test_a_commit_of_a_missing_record_is_not_found_and_changes_nothing(metadata):
    metadata.create_artifact(artifact("here"))
    with pytest.raises(NotFound):
        metadata.commit(ready=[artifact("here"), artifact("gone", minute=1)])
    assert metadata.get_artifact("here") is None


def test_a_commit_is_capped(metadata):
    with pytest.raises(TooLarge):
        metadata.commit(deleted=[f"a-{n}" for n in range(MAX_COMMIT_RECORDS + 1)])


def test_a_commit_replaces_big_records_whole(metadata):
    files = [{"path": f"weights/shard-{n:06d}-{os.urandom(6).hex()}.bin", "size": n} for n in range(9000)]
    make_ready(metadata, artifact("big"))
    big = artifact("big", ready=True, files=files)
    metadata.commit(replaced=[big])
    assert len(metadata.get_artifact("big").files) == 9000
    metadata.commit(replaced=[artifact("big", ready=True)])
    assert metadata.get_artifact("big").files == []
    assert metadata.sweep_leftovers(time.time() + 1, 100) == 0  # the commit left no stale chunks behind


# the sweeper's scans -----------------------------------------------------------------------------------------------
def test_scan_artifacts_yields_every_record_pending_ones_too(metadata):
    make_ready(metadata, artifact("r"))
    metadata.create_artifact(artifact("p", minute=1))
    found = {a.id: a.status for a in metadata.scan_artifacts()}
    assert found == {"r": ArtifactStatus.READY, "p": ArtifactStatus.PENDING}


@pytest.mark.aws
def test_dynamodb_leftovers_of_an_interrupted_delete_are_swept(dynamo_store):
    make_ready(dynamo_store, artifact("x", parent_urls=["https://huggingface.co/a/b"]))
    dynamo_store.put_rating("x", {"net_score": 1.0})
    dynamo_store._db.delete_item(TableName=dynamo_store.table, Key={"pk": {"S": "A#x"}, "sk": {"S": "A"}})
    assert dynamo_store.get_rating("x") is not None  # the head is gone; its rating and link are left over

    assert dynamo_store.sweep_leftovers(time.time(), 100) == 2
    assert dynamo_store.get_rating("x") is None
    assert dynamo_store.find_children(["https://huggingface.co/a/b"]) == {}


# blobs -------------------------------------------------------------------------------------------------------------
def test_blobs_are_listed_by_prefix(blobs, tmp_path):
    source = tmp_path / "package.bin"
    source.write_bytes(b"package bytes")
    sha = "cd" * 32
    blobs.put_file(blob_key(sha), str(source))
    blobs.put_file(part_key(sha, "weights"), str(source))
    blobs.put_stream(staging_key("u1"), io.BytesIO(b"staged"), 100)

    listed = {b.key: b for b in blobs.list_blobs("sha256/")}
    assert set(listed) == {blob_key(sha)}
    assert listed[blob_key(sha)].size == len(b"package bytes")
    assert abs(listed[blob_key(sha)].modified_at - datetime.now(timezone.utc)) < timedelta(minutes=5)
    assert {b.key for b in blobs.list_blobs("parts/")} == {part_key(sha, "weights")}
    assert {b.key for b in blobs.list_blobs("uploads/")} == {staging_key("u1")}


def test_temporaries_of_interrupted_writes_are_swept(blobs, tmp_path):
    root = getattr(blobs, "_root", None)
    if root is not None:  # the file store: a killed writer's staging file
        (root / "sha256").mkdir(parents=True, exist_ok=True)
        leftover = root / "sha256" / ".tmp-killed"
        leftover.write_bytes(b"half")
        os.utime(leftover, (time.time() - 3600, time.time() - 3600))
    else:  # S3: a multipart upload never completed
        blobs._s3.create_multipart_upload(Bucket=blobs._bucket, Key="sha256/ab/unfinished")
    assert blobs.sweep_temporaries(datetime.now(timezone.utc) - timedelta(minutes=30)) == (1 if root else 0)
    assert blobs.sweep_temporaries(datetime.now(timezone.utc) + timedelta(minutes=1)) == (0 if root else 1)
    assert blobs.sweep_temporaries(datetime.now(timezone.utc) + timedelta(minutes=1)) == 0
    assert list(blobs.list_blobs("sha256/")) == []


def test_a_commit_of_records_of_every_type_is_atomic_under_concurrency(sqlite_metadata):
    """Snapshot readers never see some of a commit's records without the others (DynamoDB serializes
    TransactGetItems with TransactWriteItems, its documented isolation, which moto does not emulate)."""
    metadata = sqlite_metadata
    ids = [f"g-{n}" for n in range(5)]
    for n, artifact_id in enumerate(ids):
        metadata.create_artifact(artifact(artifact_id, kind=list(ArtifactType)[n % 3], minute=n))
    seen: list[int] = []
    stop = False

    def read() -> None:
        while not stop:
            seen.append(len(metadata.get_artifacts_snapshot(ids)))

    with ThreadPoolExecutor(2) as pool:
        readers = [pool.submit(read) for _ in range(2)]
        time.sleep(0.05)
        metadata.commit(ready=[Artifact(id=i, type=list(ArtifactType)[n % 3], name="org/name",
                                        created_at=artifact(i, minute=n).created_at) for n, i in enumerate(ids)])
        time.sleep(0.05)
        stop = True
        for reader in readers:
            reader.result()
    assert set(seen) <= {0, 5} and seen[-1] == 5
