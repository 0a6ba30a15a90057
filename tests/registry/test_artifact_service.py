"""ArtifactService on its own: the real SQLite and file adapters, an in-process stand-in for the upstream sources."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from registry.artifacts import ArtifactService, pinned_ref
from registry.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge, UpstreamError
from registry.model import Artifact, ArtifactType, AuditAction, GitHubSource, Monitor, Permission, User
from registry.ports import blob_key
from registry.settings import Settings
from registry.sourcing import SourceReader
from scoring.errors import SourceNotFound, SourceUnavailable
from scoring.sources.types import GitHubRepo, HubRepo, RepoFile, SourceRef

ADMIN = User(username="admin", password_hash="-", permissions=frozenset(Permission))
UPLOADER = User(username="up", password_hash="-", permissions=frozenset({Permission.UPLOAD, Permission.SEARCH}))
OTHER = User(username="other", password_hash="-", permissions=frozenset({Permission.UPLOAD, Permission.SEARCH}))
READER = User(username="reader", password_hash="-", permissions=frozenset({Permission.SEARCH}))
DATASET_URL = "https://huggingface.co/datasets/acme/reviews"
CODE_URL = "https://github.com/acme/trainer"


class Upstream:
    """The hub and GitHub as the service sees them: typed records, or the sources' errors."""

    def __init__(self) -> None:
        self.failure: Exception | None = None
        self.reads = 0
        self.revisions: list[str | None] = []  # the revision of each hub read
        self.head, self.tags = "abc123", ["v1.2.0"]  # the commit a read without a revision gets, and its tags

    def fetch(self, ref: SourceRef) -> HubRepo:
        self.reads += 1
        self.revisions.append(ref.revision)
        if self.failure is not None:
            raise self.failure
        return HubRepo(ref=ref, sha=ref.revision or self.head, card_text=f"# {ref.name}\n\nCustomer reviews.",
                       git_tags=self.tags, files=[RepoFile(path="data/train.parquet", size=1_000)])

    def repo(self, ref: SourceRef) -> GitHubRepo:
        self.reads += 1
        if self.failure is not None:
            raise self.failure
        return GitHubRepo(ref=ref, full_name=ref.repo_id, readme="# trainer", license_spdx="MIT",
                          tree=[RepoFile(path="train.py", size=10)])


@pytest.fixture
def upstream() -> Upstream:
    return Upstream()


@pytest.fixture
def service(tmp_path: Path, stores, upstream: Upstream) -> ArtifactService:
    metadata, blobs = stores
    settings = Settings(environment="test", data_dir=tmp_path, max_page_size=3)
    return ArtifactService(settings, metadata, metadata, metadata, metadata, blobs,
                           SourceReader(upstream, upstream), monitors=metadata)  # type: ignore[arg-type]


def stored(service: ArtifactService, name: str, minute: int, version: str | None = None,
           readme: str = "") -> Artifact:
    """An uploaded model at `version` (default: the next patch of its name)."""
    created = datetime(2025, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=minute)
    artifact = Artifact(id=f"id-{minute:03d}", type=ArtifactType.MODEL, name=name, readme=readme,
                        created_at=created, created_by=UPLOADER.username)
    return service.store_new(UPLOADER, artifact, version=version)


def test_ingest_reads_the_source_and_registers_it_ready_and_audited(service, stores):
    metadata, _ = stores
    artifact = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert (artifact.name, artifact.version, artifact.source_url) == ("reviews", "1.2.0", DATASET_URL)
    assert service.get(READER, artifact.id).status.value == "ready"
    assert [e.action for e in metadata.list_audit(artifact.id)] == [AuditAction.CREATE]
    code = service.ingest(UPLOADER, ArtifactType.CODE, CODE_URL)
    assert isinstance(code.source, GitHubSource) and code.source.license == "MIT" and code.type is ArtifactType.CODE


def test_the_same_source_under_the_same_name_is_registered_once(service):
    service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    with pytest.raises(Conflict):
        service.ingest(OTHER, ArtifactType.DATASET, DATASET_URL)
    assert service.ingest(OTHER, ArtifactType.DATASET, DATASET_URL, name="reviews-copy").name == "reviews-copy"


@pytest.mark.parametrize(("failure", "error"), [(SourceNotFound("gone"), NotFound),
                                                (SourceUnavailable("hub down"), UpstreamError)])
def test_a_failed_ingest_leaves_nothing_and_can_be_retried(service, stores, upstream, failure, error):
    metadata, _ = stores
    upstream.failure = failure
    with pytest.raises(error):
        service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert metadata.count_artifacts() == 0
    upstream.failure = None
    assert service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL).name == "reviews"


def test_ingest_refuses_urls_of_the_wrong_kind_before_reading_anything(service, upstream):
    with pytest.raises(InvalidInput):
        service.ingest(UPLOADER, ArtifactType.CODE, DATASET_URL)
    with pytest.raises(InvalidInput):
        service.ingest(UPLOADER, ArtifactType.DATASET, "https://example.com/acme/reviews")
    assert upstream.reads == 0


def test_permissions_are_checked_by_the_service(service):
    with pytest.raises(PermissionDenied):
        service.ingest(READER, ArtifactType.DATASET, DATASET_URL)
    artifact = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    with pytest.raises(PermissionDenied):
        service.delete(OTHER, artifact.id)  # not the owner, not an admin
    with pytest.raises(PermissionDenied):
        service.get(User(username="nobody", password_hash="-"), artifact.id)
    assert service.delete(ADMIN, artifact.id).id == artifact.id


def test_delete_frees_the_name_and_removes_the_owned_blobs(service, stores, tmp_path):
    _, blobs = stores
    artifact = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    package = tmp_path / "p.zip"
    package.write_bytes(b"zip bytes")
    blobs.put_file(blob_key("f" * 64), str(package))
    owned = artifact.model_copy(update={"package_sha256": "f" * 64})
    service._artifacts.replace_artifact(owned)  # as a mirror would record it
    service.delete(UPLOADER, artifact.id)
    assert not blobs.exists(blob_key("f" * 64))
    with pytest.raises(NotFound):
        service.get(READER, artifact.id)
    assert service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL).name == "reviews"


def test_an_update_is_a_new_version_and_the_previous_stays(service, stores, upstream):
    metadata, _ = stores
    first = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert (first.version, first.revision) == ("1.2.0", "abc123")
    upstream.head, upstream.tags = "def456", ["v1.3.0"]
    second = service.update(OTHER, first.id, DATASET_URL)
    assert (second.version, second.revision, second.name, second.created_by) == ("1.3.0", "def456", "reviews", "other")
    assert second.id != first.id
    assert service.get(READER, first.id).version == "1.2.0"  # kept, readable by its id
    assert [a.id for a in service.by_name(READER, "reviews")] == [second.id]  # by name: the newest
    assert [e.node.version for e in service.versions(READER, first.id, 3).edges] == ["1.3.0", "1.2.0"]
    assert [(e.action, e.detail) for e in metadata.list_audit(first.id)][-1] == (
        AuditAction.UPDATE, f"new version 1.3.0 ({second.id})")
    upstream.tags = []  # a new commit declaring no version: the next patch after the newest
    upstream.head = "0a1b2c"
    third = service.update(UPLOADER, first.id, "https://huggingface.co/datasets/acme/reviews-v2")
    assert (third.version, third.source_url) == ("1.3.1", "https://huggingface.co/datasets/acme/reviews-v2")
    assert service.update(UPLOADER, third.id, "https://huggingface.co/datasets/acme/reviews-v2").id == third.id
    assert service.update(UPLOADER, first.id, DATASET_URL, version="v2").version == "2.0.0"
    with pytest.raises(Conflict):
        service.update(UPLOADER, first.id, DATASET_URL, version="1.3.0")  # that version exists
    upstream.head, upstream.tags = "777777", ["v1.2.0"]  # a new commit declaring a version the name has
    with pytest.raises(Conflict):
        service.update(UPLOADER, first.id, DATASET_URL)
    with pytest.raises(InvalidInput):
        service.update(UPLOADER, first.id, DATASET_URL, version="next")


def test_a_new_version_of_a_sensitive_model_is_sensitive_and_keeps_its_monitor(service, stores):
    metadata, _ = stores
    first = stored(service, "guarded", 1)
    metadata.replace_artifact(first.model_copy(update={"sensitive": True}))
    metadata.put_monitor(Monitor(artifact_id=first.id, program="process.exit(0)", sha256="s", updated_by="up"))
    second = stored(service, "guarded", 2)
    assert second.version == "1.0.1" and service.get(READER, second.id).sensitive
    assert metadata.get_monitor(second.id).program == "process.exit(0)"
    assert not stored(service, "open", 3).sensitive


def test_deleting_the_newest_version_makes_the_previous_one_newest(service):
    first, second = stored(service, "line", 1), stored(service, "line", 2, version="3.0.0")
    assert [e.node.id for e in service.enumerate(READER, None, 3).edges] == [second.id]
    service.delete(UPLOADER, second.id)
    assert [e.node.id for e in service.enumerate(READER, None, 3).edges] == [first.id]
    assert stored(service, "line", 3, version="3.0.0").version == "3.0.0"  # its version is free again


def test_an_ingested_artifact_is_read_again_at_its_pinned_revision(service):
    artifact = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    assert pinned_ref(artifact).revision == "abc123"
    assert pinned_ref(artifact).canonical_url == f"{DATASET_URL}/tree/abc123"


def test_every_list_pages_with_exact_cursors(service):
    for minute in range(7):
        stored(service, "same" if minute % 2 else f"other-{minute}", minute, readme=f"readme {minute}")
    pages, after = [], None
    while True:
        page = service.enumerate(READER, None, 3, after, all_versions=True)
        pages.append([edge.node.id for edge in page.edges])
        if not page.has_next_page:
            break
        after = page.edges[-1].cursor
    assert pages == [["id-000", "id-001", "id-002"], ["id-003", "id-004", "id-005"], ["id-006"]]
    newest = service.enumerate(READER, None, 3)  # one per name: "same" is id-005 (1.0.2)
    assert [e.node.id for e in newest.edges] == ["id-000", "id-002", "id-004"]
    assert [e.node.id for e in service.enumerate(READER, None, 3, newest.edges[-1].cursor).edges] == [
        "id-005", "id-006"]
    named = service.by_name_page(READER, "same", None, 2, version="^1.0.0")
    assert [e.node.id for e in named.edges] == ["id-001", "id-003"] and named.has_next_page
    rest = service.by_name_page(READER, "same", None, 2, named.edges[-1].cursor, version="^1.0.0")
    assert [e.node.id for e in rest.edges] == ["id-005"] and not rest.has_next_page
    hits = service.search_regex_page(READER, "readme [2-6]", None, 2)  # the newest versions only
    assert [e.node.id for e in hits.edges] == ["id-002", "id-004"] and hits.has_next_page
    more = service.search_regex_page(READER, "readme [2-6]", None, 3, hits.edges[1].cursor)
    assert [e.node.id for e in more.edges] == ["id-005", "id-006"] and not more.has_next_page


def test_page_sizes_and_cursors_are_checked(service):
    with pytest.raises(InvalidInput):
        service.enumerate(READER, None, 4)  # over max_page_size
    with pytest.raises(InvalidInput):
        service.search_regex_page(READER, "x", None, 2, "not-a-cursor")


def test_the_unpaged_regex_list_is_capped(service):
    for minute in range(31):
        stored(service, f"model-{minute}", minute)
    assert len(service.search_regex(READER, "model-[0-9]$")) == 10
    with pytest.raises(TooLarge):
        service.search_regex(READER, "^model-")  # 31 matches, over 10 * max_page_size


def test_version_search_matches_ranges_and_names(service):
    for minute, version in enumerate(("1.0.0", "1.2.0", "1.2.5", "2.0.0", "1.3.0-beta")):
        stored(service, "versioned", minute, version=version)
    stored(service, "elsewhere", 9, version="1.2.1")

    def versions(query: str, name: str | None = None, first: int | None = None, after: str | None = None,
                 ) -> list[str]:
        return [edge.node.version for edge in service.search_version(READER, query, name, first=first,
                                                                     after=after).edges]

    assert versions("^1.2.0") == ["1.2.0", "1.2.1", "1.2.5"]  # in version order; no prerelease
    assert versions("~1.2.0", "versioned") == ["1.2.0", "1.2.5"]
    assert versions("1.0.0-1.2.0") == ["1.0.0", "1.2.0"]
    assert versions("1.3.0-beta") == ["1.3.0-beta"]
    page = service.search_version(READER, "1.0.0-9.0.0", first=2)
    assert [e.node.version for e in page.edges] == ["1.0.0", "1.2.0"] and page.has_next_page
    assert versions("1.0.0-9.0.0", first=3, after=page.edges[-1].cursor) == ["1.2.1", "1.2.5", "1.3.0-beta"]
    with pytest.raises(InvalidInput):
        versions("not a version")


def test_ratings_belong_to_models_with_hub_evidence(service):
    model = stored(service, "uploaded", 1)
    with pytest.raises(NotFound):
        service.rating(READER, model.id)
    with pytest.raises(InvalidInput):
        service.rerate(UPLOADER, model.id)
    dataset = service.ingest(UPLOADER, ArtifactType.DATASET, DATASET_URL)
    with pytest.raises(InvalidInput):
        service.rating(READER, dataset.id)


def test_concurrent_writers_of_one_name_get_distinct_versions_and_one_version_wins_once(service):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        defaulted = list(pool.map(lambda n: stored(service, "busy", n).version, range(8)))
    assert sorted(defaulted) == [f"1.0.{n}" for n in range(8)]  # each took the next free patch

    def same_version(n: int) -> bool:
        try:
            stored(service, "contested", 100 + n, version="5.0.0")
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(same_version, range(8))).count(True) == 1
