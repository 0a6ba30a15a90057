"""Mirrors (registry/mirror.py): an ingested artifact's files copied at its pinned commit on first download, in the
background past the inline size, with the job's state in the store. Each test runs over the in-memory fakes and
over SQLite + files."""
from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from datetime import timedelta

import pytest

from registry.errors import MirrorPending, UpstreamError
from registry.model import Artifact, ArtifactType, FileEntry, MirrorJob, MirrorState, utcnow
from registry.ports import blob_key
from scoring.errors import SourceUnavailable
from store.factory import build_stores
from tests.package.conftest import UPLOADER, Services, build_services, small_settings
from tests.package.fakes import MemoryBlobs, MemoryMetadata

FILES = {"README.md": b"# a dataset\n", "data/train.csv": b"text,label\nfine,1\n"}
WAIT = 30  # seconds a test waits for this process's background mirrors at most (a hang fails, never a slow run)


class HeldHub:
    """The hub's files, each read held until `go` is set; `failures` reads fail first (the hub is down)."""

    def __init__(self, failures: int = 0) -> None:
        self.go = threading.Event()
        self.failures = failures
        self.reads: list[tuple[str | None, str]] = []

    def iter_file(self, ref, path):
        self.go.wait(WAIT)
        self.reads.append((ref.revision, path))
        if self.failures:
            self.failures -= 1
            raise SourceUnavailable("the hub is down")
        yield FILES[path]


@pytest.fixture(params=["memory", "local"])
def background(request, tmp_path) -> tuple[Services, HeldHub, Artifact]:
    """Services whose every mirror runs in the background (inline cap 0), and a hub dataset not yet mirrored."""
    settings = small_settings(tmp_path, mirror_inline_max_bytes=0)
    hub = HeldHub()
    stores = (MemoryMetadata(), MemoryBlobs()) if request.param == "memory" else build_stores(settings)
    services = build_services(settings, *stores, hub=hub)
    dataset = Artifact(id="set-1", type=ArtifactType.DATASET, name="acme/set", revision="c0ffee",
                       source_url="https://huggingface.co/datasets/acme/set",
                       files=[FileEntry(path=p, size=len(d), sha256=hashlib.sha256(d).hexdigest())
                              for p, d in FILES.items()])
    services.artifacts.store_new(UPLOADER, dataset)
    return services, hub, dataset


def pending(services: Services, artifact_id: str) -> MirrorPending:
    with pytest.raises(MirrorPending) as raised:
        services.downloads.deliver(UPLOADER, artifact_id)
    return raised.value


def test_a_large_mirror_runs_in_the_background_and_nothing_partial_is_served(background):
    services, hub, dataset = background
    first = pending(services, dataset.id)
    assert first.status == 202 and first.headers() == {"Retry-After": "5"}
    job = services.metadata.get_mirror(dataset.id)
    assert job is not None and job.state is MirrorState.RUNNING
    assert pending(services, dataset.id).code == "MIRROR_PENDING"  # asked again: the same job, still running
    assert services.metadata.get_mirror(dataset.id).owner == job.owner
    assert services.metadata.get_artifact(dataset.id).package_sha256 is None  # nothing to serve yet
    assert services.metadata.list_downloads(dataset.id) == []  # a pending answer is no download

    hub.go.set()
    assert services.mirrors.wait_idle(WAIT)
    item = services.downloads.deliver(UPLOADER, dataset.id)
    data = b"".join(services.packages.open_range(item.stored.key))
    assert zipfile.ZipFile(io.BytesIO(data)).read("data/train.csv") == FILES["data/train.csv"]
    assert services.blobs.exists(blob_key(item.stored.sha256))
    assert {revision for revision, _ in hub.reads} == {"c0ffee"} and len(hub.reads) == len(FILES)  # once
    assert services.metadata.get_mirror(dataset.id) is None
    assert [record.outcome for record in services.metadata.list_downloads(dataset.id)] == ["allowed"]


def test_a_failed_background_mirror_is_shown_then_tried_again(background):
    services, hub, dataset = background
    hub.failures = 1
    hub.go.set()
    pending(services, dataset.id)
    assert services.mirrors.wait_idle(WAIT)
    with pytest.raises(UpstreamError, match="hub is down"):  # every poller sees why, for a while
        services.downloads.deliver(UPLOADER, dataset.id)
    failed = services.metadata.get_mirror(dataset.id)
    assert failed.state is MirrorState.FAILED and failed.error_code == "UPSTREAM_ERROR"
    services.metadata.end_mirror(dataset.id, failed.owner, failed.model_copy(update={"lease_until": utcnow()}))
    pending(services, dataset.id)  # the failure's time is up: the next request tries again
    assert services.mirrors.wait_idle(WAIT)
    assert services.downloads.deliver(UPLOADER, dataset.id).stored.size > 0


def test_a_job_whose_worker_stopped_is_taken_over_and_a_live_one_is_left_alone(background):
    services, hub, dataset = background
    hub.go.set()
    now = utcnow()
    services.metadata.start_mirror(MirrorJob(artifact_id=dataset.id, owner="elsewhere", started_at=now,
                                             lease_until=now + timedelta(hours=1)))
    pending(services, dataset.id)
    assert services.mirrors.wait_idle(WAIT) and hub.reads == []  # another process's live job: only waited for
    assert services.metadata.get_mirror(dataset.id).owner == "elsewhere"

    services.metadata.end_mirror(dataset.id, "elsewhere", MirrorJob(
        artifact_id=dataset.id, owner="elsewhere", started_at=now - timedelta(hours=2),
        lease_until=now - timedelta(hours=1)))  # that process died: its lease ran out
    pending(services, dataset.id)
    assert services.mirrors.wait_idle(WAIT)
    assert services.downloads.deliver(UPLOADER, dataset.id).stored.size > 0


def test_a_small_mirror_runs_within_the_request(tmp_path):
    hub = HeldHub()
    hub.go.set()
    services = build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs(), hub=hub)
    dataset = Artifact(id="set-2", type=ArtifactType.DATASET, name="acme/set", revision="c0ffee",
                       source_url="https://huggingface.co/datasets/acme/set",
                       files=[FileEntry(path=p, size=len(d)) for p, d in FILES.items()])
    services.artifacts.store_new(UPLOADER, dataset)
    assert services.downloads.deliver(UPLOADER, dataset.id).stored.size > 0
    assert services.metadata.get_mirror(dataset.id) is None


class Archives:
    """GitHub's archives as the mirror reads them: the zip of one commit, in two chunks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.revisions: list[str] = []

    def iter_archive(self, ref, revision):
        self.revisions.append(revision)
        yield self.data[:10]
        yield self.data[10:]


def github_code(services: Services, archive: bytes) -> Artifact:
    code = Artifact(id="code-1", type=ArtifactType.CODE, name="tools", source_url="https://github.com/acme/tools",
                    revision="abc1234", files=[FileEntry(path="tool.py", size=20)])
    services.artifacts.store_new(UPLOADER, code)
    return code


def github_archive(tmp_path, size: int = 0) -> bytes:
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("acme-tools-abc1234/tool.py", b"print('tool')\n")
        archive.writestr("acme-tools-abc1234/blob.bin", bytes(size))
    return path.read_bytes()


def test_a_github_repository_is_mirrored_as_the_archive_of_its_commit(tmp_path):
    archive = github_archive(tmp_path)
    github = Archives(archive)
    services = build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs(), github=github)
    code = github_code(services, archive)
    item = services.downloads.deliver(UPLOADER, code.id)
    assert github.revisions == ["abc1234"] and item.stored.sha256 == hashlib.sha256(archive).hexdigest()
    assert b"".join(services.packages.open_range(item.stored.key)) == archive  # GitHub's archive, as it made it


def test_an_archive_over_the_package_cap_is_refused_and_stores_nothing(tmp_path):
    from registry.errors import TooLarge

    archive = github_archive(tmp_path, size=5000)
    services = build_services(small_settings(tmp_path, max_upload_bytes=4000), MemoryMetadata(), MemoryBlobs(),
                              github=Archives(archive))
    code = github_code(services, archive)
    with pytest.raises(TooLarge, match="package cap"):
        services.downloads.deliver(UPLOADER, code.id)
    assert services.metadata.get_artifact(code.id).package_sha256 is None and services.blobs.blobs == {}
