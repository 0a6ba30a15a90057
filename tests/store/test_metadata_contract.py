"""The MetadataStore contract (registry/ports.py), run against SQLite and against DynamoDB (moto's server)."""
from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

import store.dynamo
import store.sqlite
from registry.errors import Conflict, InvalidInput, NotFound
from registry.model import (Artifact, ArtifactStatus, ArtifactType, ArtifactView, AuditAction, AuditEntry,
                            DownloadRecord, FileEntry, Monitor, Permission, Token, Upload, User)
from registry.paging import cursor_of, sort_key
from registry.ports import MetadataStore

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
MODEL, DATASET, CODE = ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE


def artifact(artifact_id: str, name: str = "org/name", kind: ArtifactType = MODEL, ready: bool = False,
             minute: int = 0, **fields) -> Artifact:
    status = ArtifactStatus.READY if ready else ArtifactStatus.PENDING
    fields.setdefault("readme", f"readme of {artifact_id}")
    return Artifact(id=artifact_id, type=kind, name=name, status=status, created_at=T0 + timedelta(minutes=minute),
                    **fields)


def make_ready(metadata: MetadataStore, *artifacts: Artifact) -> None:
    for item in artifacts:
        metadata.create_artifact(item)
        metadata.mark_ready(item.id)


def walk(metadata: MetadataStore, types, limit: int) -> tuple[list[str], list[int]]:
    """Every id the pages give, and the size of each page."""
    ids: list[str] = []
    sizes: list[int] = []
    cursor = None
    while True:
        page = metadata.list_artifacts(types, cursor, limit)
        ids += [a.id for a in page.items]
        sizes.append(len(page.items))
        if page.next_cursor is None:
            return ids, sizes
        cursor = page.next_cursor


# artifacts ---------------------------------------------------------------------------------------------------------
def test_pending_artifacts_are_invisible_until_marked_ready(metadata):
    pending = artifact("a-1", "org/pending", source_url="https://huggingface.co/org/pending",
                       parent_urls=["https://huggingface.co/org/base"])
    metadata.create_artifact(pending)

    assert metadata.get_artifact("a-1") is None
    assert metadata.get_artifact("a-1", include_pending=True).status is ArtifactStatus.PENDING
    assert metadata.get_artifacts(["a-1"]) == {}
    assert metadata.find_by_name("org/pending") == []
    assert metadata.find_by_source(["https://huggingface.co/org/pending"]) == {}
    assert metadata.find_children(["https://huggingface.co/org/base"]) == {}
    assert metadata.list_artifacts(None, None, 10).items == []
    assert list(metadata.iter_search_text()) == []
    assert metadata.count_artifacts() == 1

    metadata.mark_ready("a-1")

    ready = metadata.get_artifact("a-1")
    assert ready is not None and ready.status is ArtifactStatus.READY
    assert ready.model_dump(exclude={"status"}) == pending.model_dump(exclude={"status"})
    assert list(metadata.get_artifacts(["a-1"])) == ["a-1"]
    assert [a.id for a in metadata.find_by_name("org/pending")] == ["a-1"]
    assert [a.id for a in metadata.list_artifacts(None, None, 10).items] == ["a-1"]
    assert list(metadata.iter_search_text()) == [(sort_key(ready), "a-1", b"org/pending", b"readme of a-1")]


def test_mark_ready_of_an_unknown_id_is_not_found(metadata):
    with pytest.raises(NotFound):
        metadata.mark_ready("nope")


def test_duplicate_id_is_a_conflict_and_keeps_the_original(metadata):
    make_ready(metadata, artifact("dup", "first"))
    with pytest.raises(Conflict):
        metadata.create_artifact(artifact("dup", "second", kind=DATASET))
    assert metadata.get_artifact("dup").name == "first"
    assert metadata.count_artifacts() == 1


def test_replace_overwrites_the_record_and_its_indexes(metadata):
    make_ready(metadata, artifact("r-1", "old/name", source_url="https://huggingface.co/old/name"))
    updated = artifact("r-1", "new/name", ready=True, source_url="https://huggingface.co/new/name", version="2.0.0")
    metadata.replace_artifact(updated)

    assert metadata.get_artifact("r-1") == updated
    assert metadata.find_by_name("old/name") == []
    assert metadata.find_by_name("new/name") == [updated]
    assert metadata.find_by_source(["https://huggingface.co/old/name"]) == {}
    new_url = "https://huggingface.co/new/name"
    assert metadata.find_by_source([new_url]) == {new_url: [updated]}
    with pytest.raises(NotFound):
        metadata.replace_artifact(artifact("absent", ready=True))


def test_a_view_is_the_ready_record_frozen(metadata):
    pending = artifact("v-1", "org/viewed", files=[FileEntry(path="weights.bin", size=7)])
    metadata.create_artifact(pending)
    assert metadata.get_artifact_view("v-1") is None
    metadata.mark_ready("v-1")

    view = metadata.get_artifact_view("v-1")
    assert isinstance(view, ArtifactView)
    assert view.model_dump() == metadata.get_artifact("v-1").model_dump()
    assert view.status is ArtifactStatus.READY and view.files[0].path == "weights.bin"
    with pytest.raises(ValidationError):  # other requests may hold the same instance
        view.readme = "changed"  # type: ignore[misc]
    updated = artifact("v-1", "org/viewed", ready=True, readme="replaced")
    metadata.replace_artifact(updated)
    assert metadata.get_artifact_view("v-1").model_dump() == updated.model_dump()
    metadata.delete_artifact("v-1")
    assert metadata.get_artifact_view("v-1") is None and metadata.get_artifact_view("absent") is None


def test_get_artifacts_reads_a_batch_of_ready_ones(metadata):
    ready = [artifact(f"b-{n}", f"name-{n}", ready=True, minute=n) for n in range(130)]
    for item in ready:
        metadata.create_artifact(item)
    metadata.create_artifact(artifact("b-pending"))

    found = metadata.get_artifacts([a.id for a in ready] + ["b-pending", "b-missing", "b-0"])

    assert set(found) == {a.id for a in ready}
    assert found["b-42"] == ready[42]
    assert metadata.get_artifacts([]) == {}


def test_find_by_name_is_exact_and_filters_types(metadata):
    make_ready(metadata, artifact("n-1", "org/model"), artifact("n-2", "org/model", kind=DATASET, minute=1),
               artifact("n-3", "org/model-2"), artifact("n-4", "ORG/model"), artifact("n-5", "org"))

    assert [a.id for a in metadata.find_by_name("org/model")] == ["n-1", "n-2"]
    assert [a.id for a in metadata.find_by_name("org/model", [DATASET])] == ["n-2"]
    assert metadata.find_by_name("org/model", [CODE]) == []
    assert metadata.find_by_name("org/mod") == []


def test_find_by_source_and_children_batch_several_urls(metadata):
    base, data = "https://huggingface.co/org/base", "https://huggingface.co/datasets/org/data"
    make_ready(metadata, artifact("s-base", "base", source_url=base),
               artifact("s-child", "child", minute=1, source_url="https://huggingface.co/org/child",
                        parent_urls=[base, data]),
               artifact("s-other", "other", minute=2, parent_urls=[base]))
    metadata.create_artifact(artifact("s-pending", "pending", minute=3, source_url=base, parent_urls=[base]))

    by_source = metadata.find_by_source([base, "https://huggingface.co/org/unknown"])
    assert {url: [a.id for a in found] for url, found in by_source.items()} == {base: ["s-base"]}
    children = metadata.find_children([base, data, "https://huggingface.co/org/unknown"])
    assert {url: [a.id for a in found] for url, found in children.items()} == {
        base: ["s-child", "s-other"], data: ["s-child"]}

    metadata.replace_artifact(artifact("s-child", "child", ready=True, minute=1, parent_urls=[data]))
    metadata.delete_artifact("s-other")
    children = metadata.find_children([base, data])
    assert {url: [a.id for a in found] for url, found in children.items()} == {data: ["s-child"]}


# enumeration -------------------------------------------------------------------------------------------------------
KINDS = [MODEL, DATASET, CODE]


@pytest.fixture
def catalogue(metadata) -> list[Artifact]:
    """250 ready artifacts of mixed types, created in a shuffled order, plus one pending one."""
    items = [artifact(f"p-{n:03d}", f"name-{n}", kind=KINDS[n % 3], ready=True, minute=n) for n in range(250)]
    for item in random.Random(7).sample(items, len(items)):
        metadata.create_artifact(item)
    metadata.create_artifact(artifact("p-pending", minute=5))
    return items


def test_paging_gives_every_artifact_once_in_a_stable_order(metadata, catalogue):
    ids, sizes = walk(metadata, None, 100)

    assert sizes == [100, 100, 50]
    assert ids == [a.id for a in catalogue]  # oldest first, whatever the insertion order
    assert walk(metadata, [MODEL, DATASET, CODE], 100)[0] == ids
    assert walk(metadata, None, 7)[0] == ids


def test_paging_filters_by_type(metadata, catalogue):
    models = [a.id for a in catalogue if a.type is MODEL]
    not_code = [a.id for a in catalogue if a.type is not CODE]

    assert walk(metadata, [MODEL], 30)[0] == models
    assert walk(metadata, [DATASET, MODEL], 100)[0] == not_code
    page = metadata.list_artifacts([CODE], None, 1000)
    assert page.next_cursor is None and {a.type for a in page.items} == {CODE} and len(page.items) == 83


def test_an_artifacts_cursor_resumes_right_after_it(metadata, catalogue):
    page = metadata.list_artifacts([MODEL], None, 10)
    resumed = metadata.list_artifacts([MODEL], cursor_of(page.items[3]), 3)
    assert [a.id for a in resumed.items] == [a.id for a in page.items[4:7]]
    assert cursor_of(page.items[-1]) == page.next_cursor


def test_an_exact_last_page_ends_the_enumeration(metadata):
    make_ready(metadata, *(artifact(f"e-{n}", minute=n) for n in range(4)))
    first = metadata.list_artifacts(None, None, 2)
    second = metadata.list_artifacts(None, first.next_cursor, 2)
    assert [a.id for a in first.items + second.items] == ["e-0", "e-1", "e-2", "e-3"]
    assert second.next_cursor is None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


@pytest.mark.parametrize("garbage", ["", "!!!", "bm90IGpzb24", "A" * 5000, _b64(b'{"k": 7}'), _b64(b'{"x": "a"}'),
                                     _b64(b"[1, 2]"), _b64(b'{"k": ""}'), _b64(b"\xff\xfe")])
def test_a_garbage_cursor_is_invalid_input(metadata, garbage):
    with pytest.raises(InvalidInput):
        metadata.list_artifacts(None, garbage, 10)


def test_search_text_covers_every_ready_artifact(metadata, monkeypatch):
    monkeypatch.setattr(store.dynamo, "_SEARCH_PAGE", 7)  # several pages
    items = [artifact(f"t-{n:02d}", f"name-{n}", kind=KINDS[n % 3], ready=True, minute=n) for n in range(30)]
    for item in items:
        metadata.create_artifact(item)
    metadata.create_artifact(artifact("t-pending"))

    everything = list(metadata.iter_search_text())
    assert sorted(everything) == sorted((sort_key(a), a.id, a.name.encode(), a.readme.encode()) for a in items)
    assert {row.id for row in metadata.iter_search_text([DATASET])} == {a.id for a in items if a.type is DATASET}


def test_search_text_reads_its_own_writes(metadata):
    """Searches follow creates, replacements, deletions and resets at once (SQLite's cache follows its change
    log before every search)."""
    first, second = artifact("s-1", "first", ready=True), artifact("s-2", "second", ready=True, minute=1)
    for item in (first, second):
        metadata.create_artifact(item)
    assert {row.id for row in metadata.iter_search_text()} == {"s-1", "s-2"}

    metadata.replace_artifact(second.model_copy(update={"readme": "a new README, with ünïcode"}))
    metadata.delete_artifact("s-1")
    metadata.create_artifact(artifact("s-3", "third"))  # pending: not searchable

    assert list(metadata.iter_search_text()) == [(sort_key(second), "s-2", b"second",
                                                  "a new README, with ünïcode".encode())]
    metadata.mark_ready("s-3")
    assert {row.id for row in metadata.iter_search_text()} == {"s-2", "s-3"}
    metadata.reset()
    assert list(metadata.iter_search_text()) == []


def test_a_record_bigger_than_one_item_round_trips(metadata):
    """A files manifest of 20,000 entries compresses to well over DynamoDB's 400 KB item limit."""
    files = [FileEntry(path=f"shard/{n}.bin", size=n, sha256=hashlib.sha256(str(n).encode()).hexdigest())
             for n in range(20_000)]
    big = artifact("big", "big/one", ready=True, files=files, readme="r" * 100_000)
    metadata.create_artifact(big)
    assert metadata.get_artifact("big") == big
    assert metadata.get_artifact_view("big").model_dump() == big.model_dump()
    assert metadata.list_artifacts(None, None, 5).items == [big]

    smaller = big.model_copy(update={"files": files[:10]})
    metadata.replace_artifact(smaller)
    assert metadata.get_artifact("big") == smaller
    bigger = big.model_copy(update={"files": files[::-1]})
    metadata.replace_artifact(bigger)
    assert metadata.get_artifacts(["big"]) == {"big": bigger}
    metadata.delete_artifact("big")
    assert metadata.get_artifact("big", include_pending=True) is None


# ratings, deletion, reset ------------------------------------------------------------------------------------------
def test_ratings_are_stored_per_artifact_and_overwritten(metadata):
    assert metadata.get_rating("x") is None
    metadata.put_rating("x", {"net_score": 0.5, "license": {"score": 1.0, "reason": "MIT"}})
    metadata.put_rating("x", {"net_score": 0.75})
    assert metadata.get_rating("x") == {"net_score": 0.75}


def test_delete_is_idempotent_and_takes_the_rating(metadata):
    make_ready(metadata, artifact("d-1"), artifact("d-2", minute=1))
    metadata.put_rating("d-1", {"net_score": 1.0})

    metadata.delete_artifact("d-1")
    metadata.delete_artifact("d-1")
    metadata.delete_artifact("never-existed")

    assert metadata.get_artifact("d-1", include_pending=True) is None
    assert metadata.get_rating("d-1") is None
    assert [a.id for a in metadata.list_artifacts(None, None, 10).items] == ["d-2"]
    assert metadata.count_artifacts() == 1


def test_reset_deletes_everything(metadata):
    make_ready(metadata, artifact("z-1", parent_urls=["https://huggingface.co/a/b"]))
    metadata.create_artifact(artifact("z-2"))
    metadata.put_rating("z-1", {"net_score": 1.0})
    metadata.put_user(User(username="ann", password_hash="h"))
    metadata.put_token(Token(token_hash="t1", username="ann"))
    metadata.put_upload(Upload(id="u1", name="pkg", username="ann", max_bytes=10, expires_at=T0))
    metadata.append_audit(audit("z-1", 0))

    metadata.reset()

    assert metadata.count_artifacts() == 0
    assert metadata.get_rating("z-1") is None
    assert metadata.list_users() == [] and metadata.reserve_token_uses("t1", 10) is None
    assert metadata.get_upload("u1") is None
    assert metadata.list_audit("z-1") == []
    assert metadata.find_children(["https://huggingface.co/a/b"]) == {}
    metadata.ping()


# users and tokens --------------------------------------------------------------------------------------------------
def test_users_are_created_once_unless_overwritten(metadata):
    ann = User(username="ann", password_hash="h1", permissions=frozenset({Permission.UPLOAD}))
    metadata.put_user(ann)
    with pytest.raises(Conflict):
        metadata.put_user(ann.model_copy(update={"password_hash": "h2"}))
    assert metadata.get_user("ann") == ann

    admin = ann.model_copy(update={"permissions": frozenset(Permission)})
    metadata.put_user(admin, overwrite=True)
    metadata.put_user(User(username="bob", password_hash="h"))
    assert metadata.get_user("ann").is_admin
    assert sorted(u.username for u in metadata.list_users()) == ["ann", "bob"]
    assert metadata.get_user("carol") is None


def test_deleting_a_user_revokes_their_tokens(metadata):
    metadata.put_user(User(username="ann", password_hash="h"))
    metadata.put_user(User(username="bob", password_hash="h"))
    for token_hash, username in (("a1", "ann"), ("a2", "ann"), ("b1", "bob")):
        metadata.put_token(Token(token_hash=token_hash, username=username))

    metadata.delete_user("ann")

    assert metadata.get_user("ann") is None
    assert metadata.reserve_token_uses("a1", 10) is None and metadata.reserve_token_uses("a2", 10) is None
    assert metadata.reserve_token_uses("b1", 10).token.username == "bob"


def test_a_token_is_exhausted_at_max_uses(metadata):
    issued = Token(token_hash="t", username="ann", issued_at=T0)
    metadata.put_token(issued)

    grants = [metadata.reserve_token_uses("t", 3) for _ in range(4)]

    assert [g.token.uses if g else None for g in grants] == [1, 2, 3, None]
    assert [g.granted for g in grants if g] == [1, 1, 1]
    assert grants[2].token == issued.model_copy(update={"uses": 3})
    assert metadata.reserve_token_uses("unknown", 3) is None


def test_a_reservation_grants_at_most_what_is_left(metadata):
    metadata.put_token(Token(token_hash="t", username="ann", issued_at=T0))

    first = metadata.reserve_token_uses("t", 10, wanted=4)
    second = metadata.reserve_token_uses("t", 10, wanted=64)

    assert (first.granted, first.token.uses) == (4, 4)
    assert (second.granted, second.token.uses) == (6, 10)
    assert metadata.reserve_token_uses("t", 10, wanted=4) is None


def test_released_uses_can_be_reserved_again(metadata):
    metadata.put_token(Token(token_hash="t", username="ann", issued_at=T0))
    metadata.reserve_token_uses("t", 10, wanted=10)

    metadata.release_token_uses("t", 3)
    metadata.release_token_uses("unknown", 3)  # not an error

    grant = metadata.reserve_token_uses("t", 10, wanted=5)
    assert (grant.granted, grant.token.uses) == (3, 10)


def test_concurrent_reservations_never_exceed_the_budget(metadata):
    metadata.put_token(Token(token_hash="shared", username="ann"))
    granted: list[int] = []
    lock = threading.Lock()

    def spend(wanted: int) -> None:
        for _ in range(5):
            grant = metadata.reserve_token_uses("shared", 50, wanted)
            if grant is not None:
                with lock:
                    granted.append(grant.granted)

    threads = [threading.Thread(target=spend, args=(1 + i % 4,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(granted) == 50
    assert metadata.reserve_token_uses("shared", 50) is None


# uploads and audit -------------------------------------------------------------------------------------------------
def test_uploads_round_trip(metadata):
    upload = Upload(id="up-1", name="pkg", username="ann", max_bytes=1024, expires_at=T0, artifact_id="a-1")
    metadata.put_upload(upload)
    assert metadata.get_upload("up-1") == upload
    metadata.delete_upload("up-1")
    metadata.delete_upload("up-1")
    assert metadata.get_upload("up-1") is None


def audit(artifact_id: str, minute: int, action: AuditAction = AuditAction.DOWNLOAD) -> AuditEntry:
    return AuditEntry(artifact_id=artifact_id, artifact_type=MODEL, artifact_name="n", username=f"user-{minute}",
                      action=action, at=T0 + timedelta(minutes=minute))


def test_audit_lists_oldest_first_per_artifact(metadata):
    entries = [audit("a-1", minute) for minute in range(12)]
    for entry in random.Random(3).sample(entries, len(entries)):
        metadata.append_audit(entry)
    metadata.append_audit(audit("a-2", 5, AuditAction.CREATE))

    assert metadata.list_audit("a-1") == entries
    assert metadata.list_audit("a-1", limit=4) == entries[:4]
    assert [e.action for e in metadata.list_audit("a-2")] == [AuditAction.CREATE]
    assert metadata.list_audit("a-3") == []


def test_a_monitor_is_one_item_per_artifact_and_goes_with_the_artifact(metadata):
    make_ready(metadata, artifact("m-1", ready=False))
    assert metadata.get_monitor("m-1") is None
    first = Monitor(artifact_id="m-1", program="process.exit(0)", sha256="a" * 64, updated_by="ann")
    metadata.put_monitor(first)
    assert metadata.get_monitor("m-1") == first
    second = first.model_copy(update={"program": "process.exit(1)", "updated_by": "bob"})
    metadata.put_monitor(second)
    assert metadata.get_monitor("m-1") == second
    assert metadata.get_artifact("m-1") is not None  # the monitor is not a second record of the artifact
    metadata.delete_monitor("m-1")
    metadata.delete_monitor("m-1")
    assert metadata.get_monitor("m-1") is None
    metadata.put_monitor(first)
    metadata.delete_artifact("m-1")
    assert metadata.get_monitor("m-1") is None


def test_downloads_list_oldest_first_and_outlive_the_artifact(metadata):
    make_ready(metadata, artifact("d-1"))
    records = [DownloadRecord(artifact_id="d-1", artifact_name="org/name", username=f"user-{n % 3}", part="full",
                              allowed=n % 4 != 0, outcome="allowed" if n % 4 else "refused by the monitor (exit 2)",
                              exit_code=None if n % 4 else 2, stdout=None if n % 4 else "no\n",
                              at=T0 + timedelta(minutes=n)) for n in range(9)]
    for record in random.Random(5).sample(records, len(records)):
        metadata.append_download(record)
    metadata.delete_artifact("d-1")
    assert metadata.list_downloads("d-1") == records
    assert metadata.list_downloads("d-1", limit=3) == records[:3]
    assert metadata.list_downloads("other") == []
    metadata.reset()
    assert metadata.list_downloads("d-1") == []


def test_settings_are_json_objects_by_name_and_reset_removes_them(metadata):
    assert metadata.get_setting("gate-policy") is None
    metadata.put_setting("gate-policy", {"thresholds": {"license": 0.7}, "net_score_gated": False})
    metadata.put_setting("other", {"n": 1})
    metadata.put_setting("gate-policy", {"thresholds": {"license": 0.8}, "net_score_gated": True})
    assert metadata.get_setting("gate-policy") == {"thresholds": {"license": 0.8}, "net_score_gated": True}
    assert metadata.get_setting("other") == {"n": 1}
    metadata.reset()
    assert metadata.get_setting("gate-policy") is None


def test_search_appearances_count_each_distinct_id_once_per_call(metadata):
    make_ready(metadata, artifact("s-1"), artifact("s-2", minute=1))
    assert metadata.search_appearances(["s-1", "s-2"]) == {}
    metadata.count_appearances(["s-1", "s-2", "s-1"])
    metadata.count_appearances(iter(["s-2"]))
    metadata.count_appearances([])
    assert metadata.search_appearances(["s-1", "s-2", "never"]) == {"s-1": 1, "s-2": 2}
    metadata.delete_artifact("s-1")
    assert metadata.search_appearances(["s-1", "s-2"]) == {"s-2": 2}
    metadata.reset()
    assert metadata.search_appearances(["s-2"]) == {}


def test_a_page_of_more_ids_than_one_batch_is_counted_whole(metadata):
    ids = [f"page-{n:03d}" for n in range(230)]  # over DynamoDB's 100 items per transaction and batch read
    metadata.count_appearances(ids)
    metadata.count_appearances(ids[:101])
    counts = metadata.search_appearances(ids)
    assert [counts[i] for i in ids] == [2] * 101 + [1] * 129


def test_concurrent_counts_are_never_lost(sqlite_metadata):
    """(DynamoDB applies each ADD atomically and cancels conflicting transactions; moto does not emulate it.)"""
    metadata = sqlite_metadata
    ids = ["hot-1", "hot-2", "hot-3"]
    calls, workers = 8, 4

    def search() -> None:
        for _ in range(calls):
            metadata.count_appearances(ids)

    threads = [threading.Thread(target=search) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert metadata.search_appearances(ids) == {i: calls * workers for i in ids}


def test_ratings_survive_json_round_trip_exactly(metadata):
    rating = json.loads('{"net_score": 0.123456789, "nested": {"list": [1, 2.5, null, "x"]}, "flag": true}')
    metadata.put_rating("j", rating)
    assert metadata.get_rating("j") == rating
