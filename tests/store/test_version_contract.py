"""The MetadataStore contract for versions and background mirrors (registry/ports.py), on SQLite and DynamoDB:
which version of a name is latest, ranges of versions in version order, and the mirror jobs' leases."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from registry.model import MirrorJob, MirrorState
from registry.paging import version_sort_key
from registry.version import parse_version_query
from store.dynamo import DynamoMetadataStore
from tests.store.test_metadata_contract import CODE, DATASET, MODEL, T0, artifact, make_ready


def latest(metadata, types=None) -> list[str]:
    return [a.id for a in metadata.list_artifacts(types, None, 50, latest_only=True).items]


def in_range(metadata, query: str, types=None, limit: int = 50) -> list[str]:
    parsed = parse_version_query(query)
    found, cursor = [], None
    while True:
        page = metadata.list_by_version(parsed.low, parsed.high, types, cursor, limit)
        found += [a.id for a in page.items]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


# the latest version of each name -------------------------------------------------------------------------------------
def test_the_highest_ready_version_of_each_type_and_name_is_latest(metadata):
    make_ready(metadata, artifact("m-1", "acme/m", version="1.0.0"), artifact("m-2", "acme/m", version="1.10.0",
                                                                              minute=1))
    make_ready(metadata, artifact("m-3", "acme/m", version="1.9.0", minute=2))  # a patch of an older line
    make_ready(metadata, artifact("d-1", "acme/m", kind=DATASET, version="0.1.0", minute=3))  # another type
    metadata.create_artifact(artifact("m-4", "acme/m", version="9.0.0", minute=4))  # pending: not a version yet
    assert latest(metadata) == ["m-2", "d-1"]
    assert latest(metadata, [DATASET]) == ["d-1"]
    assert [a.id for a in metadata.list_artifacts(None, None, 50).items] == ["m-1", "m-2", "m-3", "d-1"]
    metadata.mark_ready("m-4")
    assert latest(metadata) == ["d-1", "m-4"]


def test_the_latest_version_id_of_a_name_is_read_your_write_through_commits(metadata):
    assert metadata.latest_version_id(MODEL, "acme/r") is None
    make_ready(metadata, artifact("r-1", "acme/r", version="1.0.0"))
    assert metadata.latest_version_id(MODEL, "acme/r") == "r-1"
    metadata.create_artifact(artifact("r-2", "acme/r", version="1.1.0", minute=1))
    assert metadata.latest_version_id(MODEL, "acme/r") == "r-1"  # pending: not a version yet
    metadata.commit(ready=[artifact("r-2", "acme/r", version="1.1.0", minute=1)])
    assert metadata.latest_version_id(MODEL, "acme/r") == "r-2"  # right after the commit, no index lag
    assert metadata.latest_version_id(DATASET, "acme/r") is None  # per type
    metadata.commit(deleted=["r-2"])
    assert metadata.latest_version_id(MODEL, "acme/r") == "r-1"
    metadata.commit(deleted=["r-1"])
    assert metadata.latest_version_id(MODEL, "acme/r") is None


def test_records_written_before_versions_are_upgraded_into_the_listings(metadata):
    make_ready(metadata, artifact("o-1", "old", version="1.0.0"), artifact("o-2", "old", version="1.1.0", minute=1))
    if isinstance(metadata, DynamoMetadataStore):  # make them what a release before versions wrote
        client, table = metadata._db, metadata.table
        for artifact_id in ("o-1", "o-2"):
            client.update_item(TableName=table, Key={"pk": {"S": f"A#{artifact_id}"}, "sk": {"S": "A"}},
                               UpdateExpression="REMOVE vsort, gsi_latest")
        line = client.query(TableName=table, KeyConditionExpression="pk = :pk",
                            ExpressionAttributeValues={":pk": {"S": "L#model#old"}})["Items"]
        for item in line:
            client.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})
        assert latest(metadata) == [] and in_range(metadata, "^1.0.0") == []  # invisible to the new indexes
        assert metadata.upgrade_records(1) == 1  # at most `limit` a pass
        assert metadata.upgrade_records(10) == 1
    assert metadata.upgrade_records(10) == 0  # nothing left (SQLite migrated when it opened)
    assert latest(metadata) == ["o-2"]
    assert in_range(metadata, "^1.0.0") == ["o-1", "o-2"]
    assert metadata.latest_version_id(MODEL, "old") == "o-2"


def test_a_prerelease_is_below_its_release_and_ties_go_to_the_later_record(metadata):
    make_ready(metadata, artifact("p-1", "acme/p", version="2.0.0"),
               artifact("p-2", "acme/p", version="2.0.0-rc.1", minute=1))
    assert latest(metadata) == ["p-1"]
    make_ready(metadata, artifact("p-3", "acme/p", version="2.0.0+build", minute=2))  # same precedence, later
    assert latest(metadata) == ["p-3"]


def test_deleting_the_latest_marks_the_next_one(metadata):
    make_ready(metadata, artifact("l-1", "line", version="1.0.0"), artifact("l-2", "line", version="2.0.0", minute=1))
    metadata.delete_artifact("l-2")
    assert latest(metadata) == ["l-1"]
    metadata.delete_artifact("l-1")
    assert latest(metadata) == []


def test_replacing_a_record_keeps_its_mark_and_search_text_follows_it(metadata):
    make_ready(metadata, artifact("s-1", "searched", version="1.0.0", readme="old words"),
               artifact("s-2", "searched", version="1.1.0", minute=1, readme="new words"))
    current = metadata.get_artifact("s-2")
    metadata.replace_artifact(current.model_copy(update={"readme": "newer words", "sensitive": True}))
    assert latest(metadata) == ["s-2"]
    assert [(t.id, t.readme) for t in metadata.iter_search_text(latest_only=True)] == [("s-2", b"newer words")]
    assert {t.id for t in metadata.iter_search_text()} == {"s-1", "s-2"}
    metadata.replace_artifact(metadata.get_artifact("s-1").model_copy(update={"version": "3.0.0"}))
    assert latest(metadata) == ["s-1"]
    assert [t.id for t in metadata.iter_search_text([MODEL], latest_only=True)] == ["s-1"]


def test_latest_pages_are_keyset_paged(metadata):
    for n in range(7):
        make_ready(metadata, artifact(f"k-{n}-a", f"name-{n}", version="1.0.0", minute=2 * n),
                   artifact(f"k-{n}-b", f"name-{n}", version="1.0.1", minute=2 * n + 1))
    ids, cursor = [], None
    while True:
        page = metadata.list_artifacts(None, cursor, 3, latest_only=True)
        ids += [a.id for a in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert ids == [f"k-{n}-b" for n in range(7)]


def test_concurrent_versions_of_one_name_leave_exactly_the_highest_latest(sqlite_metadata):
    """The embedded store only: moto's server applies a transaction's items one by one, without the isolation the
    DynamoDB adapter's settle relies on (its counter-conditioned transaction), so there the check is flaky."""
    metadata = sqlite_metadata
    versions = [f"1.{n}.0" for n in range(8)]

    def add(n: int) -> None:
        make_ready(metadata, artifact(f"c-{n}", "contended", version=versions[n], minute=n))

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(add, range(len(versions))))
    assert latest(metadata) == ["c-7"]


# version ranges ----------------------------------------------------------------------------------------------------
def test_a_version_range_is_one_seek_in_version_order(metadata):
    for n, (name, version, kind) in enumerate([("a", "1.2.0", MODEL), ("b", "1.2.10", MODEL), ("c", "1.3.0", CODE),
                                               ("d", "2.0.0", MODEL), ("e", "1.2.3", DATASET),
                                               ("f", "1.2.9-rc.1", MODEL)]):
        make_ready(metadata, artifact(f"v-{name}", name, kind=kind, version=version, minute=10 - n))
    metadata.create_artifact(artifact("v-pending", "g", version="1.2.5"))
    assert in_range(metadata, "^1.2.0") == ["v-a", "v-e", "v-f", "v-b", "v-c"]  # candidates: the matcher decides
    assert in_range(metadata, "^1.2.0", limit=2) == ["v-a", "v-e", "v-f", "v-b", "v-c"]
    assert in_range(metadata, "~1.2.0", [MODEL]) == ["v-a", "v-f", "v-b"]
    assert in_range(metadata, "2.0.0") == ["v-d"]
    assert in_range(metadata, "3.0.0") == []
    page = metadata.list_by_version(*_bounds("^1.2.0"), None, None, 2)
    assert page.next_cursor is not None
    assert [version_sort_key(a) for a in page.items] == sorted(version_sort_key(a) for a in page.items)


def _bounds(query: str) -> tuple[str, str]:
    parsed = parse_version_query(query)
    return parsed.low, parsed.high


# mirror jobs ---------------------------------------------------------------------------------------------------------
def job(owner: str, at_minute: int = 0, lease_minutes: int = 1, **fields) -> MirrorJob:
    started = T0 + timedelta(minutes=at_minute)
    return MirrorJob(artifact_id="mirrored", owner=owner, started_at=started,
                     lease_until=started + timedelta(minutes=lease_minutes), **fields)


def test_a_mirror_job_is_taken_once_until_its_lease_runs_out(metadata):
    assert metadata.start_mirror(job("first")) is True
    assert metadata.start_mirror(job("second")) is False
    assert metadata.get_mirror("mirrored").owner == "first"
    assert metadata.renew_mirror("mirrored", "second", T0 + timedelta(hours=1)) is False  # not the holder
    assert metadata.renew_mirror("mirrored", "first", T0 + timedelta(minutes=5)) is True
    assert metadata.start_mirror(job("second", at_minute=3)) is False  # renewed: still held
    assert metadata.start_mirror(job("second", at_minute=6)) is True  # the lease ran out: taken over
    assert metadata.renew_mirror("mirrored", "first", T0 + timedelta(hours=1)) is False
    metadata.end_mirror("mirrored", "first")  # the old worker cannot end its successor's job
    assert metadata.get_mirror("mirrored").owner == "second"


def test_a_failed_job_shows_its_error_and_a_finished_one_is_gone(metadata):
    metadata.start_mirror(job("worker"))
    failure = job("worker", lease_minutes=2, state=MirrorState.FAILED, error_code="UPSTREAM_ERROR", error="hub down")
    metadata.end_mirror("mirrored", "worker", failure)
    shown = metadata.get_mirror("mirrored")
    assert (shown.state, shown.error_code, shown.error) == (MirrorState.FAILED, "UPSTREAM_ERROR", "hub down")
    assert metadata.start_mirror(job("retry", at_minute=1)) is False
    assert metadata.start_mirror(job("retry", at_minute=2)) is True
    metadata.end_mirror("mirrored", "retry")
    assert metadata.get_mirror("mirrored") is None


def test_concurrent_starts_have_one_winner(metadata):
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: metadata.start_mirror(job(f"w-{n}")), range(16)))
    assert results.count(True) == 1


def test_a_job_goes_with_its_artifact_and_with_reset(metadata):
    make_ready(metadata, artifact("mirrored"))
    metadata.start_mirror(job("worker"))
    metadata.delete_artifact("mirrored")
    assert metadata.get_mirror("mirrored") is None
    metadata.start_mirror(job("worker"))
    metadata.reset()
    assert metadata.get_mirror("mirrored") is None


@pytest.mark.parametrize("version", ["1.0.0", "0.0.1-alpha"])
def test_records_keep_their_version(metadata, version):
    make_ready(metadata, artifact("kept", version=version))
    assert metadata.get_artifact("kept").version == version
