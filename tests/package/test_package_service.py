"""PackageService end to end: request → receive → finalize → download, and every way it refuses."""
from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from registry.errors import Aborted, Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge, UpstreamError
from registry.model import Artifact, ArtifactStatus, ArtifactType, AuditAction, ContentVerdict, \
    FileEntry, Upload, UploadSource, utcnow
from registry.ports import blob_key, package_keys, part_key, staging_key
from tests.package.conftest import OTHER, READER, UPLOADER, Services, build_services, small_settings
from tests.package.fakes import MemoryBlobs, MemoryMetadata
from tests.package.pickles import TORCH_STATE_DICT
from tests.package.zips import build_zip, hf_files

BASE = "http://testserver"


def zip_bytes(tmp_path: Path, files: dict[str, bytes], root: str = "") -> bytes:
    return build_zip(tmp_path / "upload.zip", files, root=root).read_bytes()


def chunks(data: bytes, size: int = 7000):
    return (data[i:i + size] for i in range(0, len(data), size))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload(services: Services, data: bytes, name: str = "tiny-model") -> Artifact:
    ticket = services.packages.request_upload(UPLOADER, name, len(data), BASE)
    assert services.packages.receive_upload(ticket.upload_id, chunks(data), len(data)) == len(data)
    return services.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data))


def fetch(services: Services, artifact_id: str, part: str) -> bytes:
    item = services.downloads.deliver(UPLOADER, artifact_id, part)
    return b"".join(services.packages.open_range(item.stored.key))


def assert_upload_gone(services: Services, upload_id: str) -> None:
    assert services.metadata.get_upload(upload_id) is None
    assert not services.blobs.exists(staging_key(upload_id))


def test_ticket_for_the_embedded_store(services):
    ticket = services.packages.request_upload(UPLOADER, "tiny-model", 1234, BASE + "/")
    assert ticket.url == f"{BASE}/uploads/{ticket.upload_id}" and ticket.method == "PUT"
    assert ticket.fields == {} and ticket.max_bytes == 1234
    assert len(ticket.upload_id) >= 32 and ticket.upload_id.replace("-", "").replace("_", "").isalnum()
    stored = services.metadata.get_upload(ticket.upload_id)
    assert stored.username == "uploader" and stored.name == "tiny-model" and stored.max_bytes == 1234
    assert timedelta(seconds=590) < ticket.expires_at - utcnow() <= timedelta(seconds=600)


def test_ticket_prefers_the_public_url(tmp_path):
    from tests.package.conftest import build_services, small_settings

    services = build_services(small_settings(tmp_path, public_url="https://registry.example"), MemoryMetadata(),
                              MemoryBlobs())
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    assert ticket.url.startswith("https://registry.example/uploads/")
    assert ticket.max_bytes == services.settings.max_upload_bytes


def test_ticket_for_a_presigning_store(s3_like):
    ticket = s3_like.packages.request_upload(UPLOADER, "tiny-model", 1000, BASE)
    assert ticket.url == "https://bucket.example/" and ticket.method == "POST"
    assert ticket.fields == {"key": staging_key(ticket.upload_id), "policy": "max=1000"}


def test_request_upload_checks(services):
    with pytest.raises(PermissionDenied):
        services.packages.request_upload(READER, "m", 10, BASE)
    with pytest.raises(InvalidInput):
        services.packages.request_upload(UPLOADER, "bad\x00name", 10, BASE)
    with pytest.raises(InvalidInput):
        services.packages.request_upload(UPLOADER, "m", 0, BASE)
    with pytest.raises(TooLarge):
        services.packages.request_upload(UPLOADER, "m", services.settings.max_upload_bytes + 1, BASE)


def test_upload_finalize_and_download(services, tmp_path):
    files = hf_files(**{"pytorch_model.bin": TORCH_STATE_DICT})
    data = zip_bytes(tmp_path, files, root="tiny-model/")
    artifact = upload(services, data)

    assert artifact.status is ArtifactStatus.READY and artifact.type is ArtifactType.MODEL
    assert artifact.name == "tiny-model" and artifact.source_url is None and artifact.created_by == "uploader"
    assert artifact.version == "2.1.0"  # from the card's front matter
    assert artifact.package_sha256 == sha(data) and set(artifact.parts) == {"weights", "card"}
    assert {f.path: f.sha256 for f in artifact.files} == {p: sha(d) for p, d in files.items()}
    assert isinstance(artifact.source, UploadSource) and artifact.source.root == "tiny-model/"
    assert artifact.readme.startswith("---") and (artifact.source.config or {})["model_type"] == "bert"
    assert artifact.source.card_data["license"] == "apache-2.0" and artifact.source.card_error is None
    scan = artifact.content_scan
    assert scan is not None and scan.scanned_files == ["pytorch_model.bin"] and scan.verdict is ContentVerdict.CLEAN
    assert services.artifacts.get(UPLOADER, artifact.id).package_sha256 == sha(data)

    assert fetch(services, artifact.id, "full") == data
    weights = zipfile.ZipFile(io.BytesIO(fetch(services, artifact.id, "weights")))
    assert weights.namelist() == ["model.safetensors", "onnx/model.onnx", "pytorch_model.bin"]
    assert weights.read("model.safetensors") == files["model.safetensors"]
    card = zipfile.ZipFile(io.BytesIO(fetch(services, artifact.id, "card")))
    assert card.namelist() == ["README.md", "config.json", "tokenizer.json", "vocab.txt"]
    assert card.read("config.json") == files["config.json"]


def test_download_describes_and_audits(services, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    artifact = upload(services, data, name="org/tiny model")
    item = services.downloads.deliver(UPLOADER, artifact.id)
    stored = item.stored
    assert (stored.filename, stored.sha256, stored.size, item.url) == ("org_tiny_model.zip", sha(data), len(data),
                                                                       None)
    part = services.downloads.deliver(UPLOADER, artifact.id, "card").stored
    assert part.filename == "org_tiny_model-card.zip" and part.sha256 == artifact.parts["card"]
    downloads = [e for e in services.metadata.list_audit(artifact.id) if e.action is AuditAction.DOWNLOAD]
    assert [e.username for e in downloads] == ["uploader", "uploader"]


def test_ranges_of_a_stored_package(services, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    item = services.downloads.deliver(UPLOADER, upload(services, data).id)
    assert b"".join(services.packages.open_range(item.stored.key, 10, 19)) == data[10:20]
    assert b"".join(services.packages.open_range(item.stored.key, len(data) - 5)) == data[-5:]


def test_parts_are_deterministic_and_owned_by_their_package(services, tmp_path):
    first = upload(services, zip_bytes(tmp_path, hf_files()), name="one")
    second = upload(services, zip_bytes(tmp_path, hf_files(**{"extra.py": b"x = 1\n"})), name="two")
    assert first.package_sha256 != second.package_sha256
    assert first.parts == second.parts  # same weights and card files: byte-identical part zips
    assert set(package_keys(first)).isdisjoint(package_keys(second))  # deleting one never touches the other


def test_presigned_download(s3_like, tmp_path):
    artifact = upload(s3_like, zip_bytes(tmp_path, hf_files()))
    item = s3_like.downloads.deliver(UPLOADER, artifact.id, "weights")
    key = part_key(artifact.package_sha256, "weights")
    assert item.url == f"https://bucket.example/{key}?filename=tiny-model-weights.zip"


def test_download_refusals(services, tmp_path):
    artifact = upload(services, zip_bytes(tmp_path, {"README.md": b"# card only"}))
    with pytest.raises(NotFound, match="has no weights files"):
        services.downloads.deliver(UPLOADER, artifact.id, "weights")
    with pytest.raises(InvalidInput, match="part must be one of"):
        services.downloads.deliver(UPLOADER, artifact.id, "everything")
    with pytest.raises(PermissionDenied):
        services.downloads.deliver(READER, artifact.id)
    with pytest.raises(NotFound):
        services.downloads.deliver(UPLOADER, "no-such-artifact")


class StubHub:
    """Serves fixed bytes per path, as the hub's resolve endpoint would."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.reads: list[tuple[str | None, str]] = []

    def iter_file(self, ref, path):
        self.reads.append((ref.revision, path))
        data = self.files[path]
        yield data[:2]
        yield data[2:]


def hub_artifact(services, files: dict[str, bytes]) -> Artifact:
    entries = [FileEntry(path=p, size=len(d), sha256=sha(d)) for p, d in files.items()]
    artifact = Artifact(id="hub-1", type=ArtifactType.MODEL, name="org/model", files=entries,
                        source_url="https://huggingface.co/org/model", revision="c0ffee")
    services.artifacts.store_new(UPLOADER, artifact)
    return artifact


def test_a_hub_artifact_is_mirrored_at_its_recorded_commit(tmp_path):
    files = {"README.md": b"# model", "config.json": b"{}", "model.safetensors": b"weights!"}
    hub = StubHub(files)
    base = build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs())
    services = build_services(base.settings, base.metadata, base.blobs, hub=hub)
    artifact = hub_artifact(services, files)
    item = services.downloads.deliver(UPLOADER, artifact.id, "weights")
    with zipfile.ZipFile(io.BytesIO(b"".join(services.packages.open_range(item.stored.key)))) as archive:
        assert archive.read("model.safetensors") == b"weights!"
    assert {revision for revision, _ in hub.reads} == {"c0ffee"}
    services.downloads.deliver(UPLOADER, artifact.id, "full")
    assert len(hub.reads) == 3  # mirrored once


def test_a_mirror_whose_bytes_differ_from_the_manifest_is_refused(tmp_path):
    base = build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs())
    services = build_services(base.settings, base.metadata, base.blobs,
                              hub=StubHub({"model.safetensors": b"tampered"}))
    artifact = hub_artifact(services, {"model.safetensors": b"weights!"})
    with pytest.raises(UpstreamError, match="does not match"):
        services.downloads.deliver(UPLOADER, artifact.id)
    assert services.metadata.get_artifact(artifact.id).package_sha256 is None


def test_an_artifact_without_package_or_source_has_nothing_to_download(services):
    services.artifacts.store_new(UPLOADER, Artifact(id="bare-1", type=ArtifactType.MODEL, name="bare"))
    with pytest.raises(NotFound, match="no stored package and no source"):
        services.downloads.deliver(UPLOADER, "bare-1")


def test_an_ingested_artifact_whose_source_is_unreachable_stores_nothing(services):
    ingested = Artifact(id="ingested-1", type=ArtifactType.MODEL, name="bert-base-uncased",
                        files=[FileEntry(path="config.json", size=2)],
                        source_url="https://huggingface.co/google-bert/bert-base-uncased")
    services.artifacts.store_new(UPLOADER, ingested)
    with pytest.raises(UpstreamError, match="offline"):
        services.downloads.deliver(UPLOADER, "ingested-1")
    assert services.metadata.get_artifact("ingested-1").package_sha256 is None


def test_sha_mismatch_leaves_nothing(services, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    services.packages.receive_upload(ticket.upload_id, io.BytesIO(data), None)
    with pytest.raises(InvalidInput, match="sha256 mismatch"):
        services.packages.finalize_upload(UPLOADER, ticket.upload_id, "0" * 64)
    assert_upload_gone(services, ticket.upload_id)
    assert not services.blobs.exists(blob_key(sha(data)))
    assert services.metadata.count_artifacts() == 0


def test_malformed_sha_is_refused_before_anything(services):
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    with pytest.raises(InvalidInput, match="64 hexadecimal"):
        services.packages.finalize_upload(UPLOADER, ticket.upload_id, "abc")
    assert services.metadata.get_upload(ticket.upload_id) is not None


def test_unsafe_package_leaves_nothing(services, tmp_path):
    data = zip_bytes(tmp_path, {"config.json": b"{}", "../escape.txt": b"x"})
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    services.packages.receive_upload(ticket.upload_id, chunks(data), len(data))
    with pytest.raises(InvalidInput, match="'..' segment"):
        services.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data))
    assert_upload_gone(services, ticket.upload_id)
    assert services.metadata.count_artifacts() == 0
    assert not services.blobs.exists(blob_key(sha(data)))


def test_failed_registration_removes_the_blobs_it_wrote_and_a_retry_completes_it(services, tmp_path, monkeypatch):
    seen: list[Artifact] = []

    def refuse(ready=(), **changes):
        seen.extend(ready)
        raise Aborted("fenced off")

    data = zip_bytes(tmp_path, hf_files())
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    services.packages.receive_upload(ticket.upload_id, chunks(data), len(data))
    with monkeypatch.context() as patched:
        patched.setattr(services.metadata, "commit", refuse)
        with pytest.raises(Aborted):
            services.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data))
    (artifact,) = seen
    keys = package_keys(artifact)
    assert len(keys) == 3 and not any(services.blobs.exists(key) for key in keys)
    assert services.metadata.count_artifacts() == 0
    # Nothing final happened: the upload is kept, and retrying it registers the model under the same id.
    assert services.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data)).id == artifact.id
    assert fetch(services, artifact.id, "full") == data


def test_an_identical_package_conflicts_and_leaves_the_first_intact(services, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    kept = upload(services, data, name="first")
    with pytest.raises(Conflict, match="identical package"):
        upload(services, data, name="second")
    assert fetch(services, kept.id, "full") == data
    assert fetch(services, kept.id, "weights")


def test_finalize_without_a_body(services):
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    with pytest.raises(NotFound, match="nothing has been uploaded"):
        services.packages.finalize_upload(UPLOADER, ticket.upload_id, "a" * 64)
    assert_upload_gone(services, ticket.upload_id)


def test_finalize_is_for_the_uploader_only(services, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    ticket = services.packages.request_upload(UPLOADER, "m", None, BASE)
    services.packages.receive_upload(ticket.upload_id, [data], len(data))
    with pytest.raises(NotFound):
        services.packages.finalize_upload(OTHER, ticket.upload_id, sha(data))
    with pytest.raises(PermissionDenied):
        services.packages.finalize_upload(READER, ticket.upload_id, sha(data))
    assert services.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data)).name == "m"


@pytest.mark.parametrize("upload_id", ["no-such-upload-id-0123456789", "short", "../../etc/passwd", ""])
def test_unknown_upload_ids(services, upload_id):
    with pytest.raises(NotFound):
        services.packages.receive_upload(upload_id, [b"x"], 1)
    with pytest.raises(NotFound):
        services.packages.finalize_upload(UPLOADER, upload_id, "a" * 64)


def test_expired_upload_is_refused_and_cleaned(services):
    expired = Upload(id="expired-upload-0123456789abcdef", name="m", username="uploader", max_bytes=100,
                     expires_at=utcnow() - timedelta(seconds=1))
    services.metadata.put_upload(expired)
    with pytest.raises(NotFound, match="expired"):
        services.packages.receive_upload(expired.id, [b"x"], 1)
    assert services.metadata.get_upload(expired.id) is None


def test_body_over_the_cap(services):
    ticket = services.packages.request_upload(UPLOADER, "m", 1000, BASE)
    with pytest.raises(TooLarge):
        services.packages.receive_upload(ticket.upload_id, [b"x" * 600, b"y" * 600], None)
    assert not services.blobs.exists(staging_key(ticket.upload_id))
    with pytest.raises(TooLarge):
        services.packages.receive_upload(ticket.upload_id, [b"x"], 1001)


def test_body_shorter_than_announced(services):
    ticket = services.packages.request_upload(UPLOADER, "m", 1000, BASE)
    with pytest.raises(InvalidInput, match="Content-Length"):
        services.packages.receive_upload(ticket.upload_id, [b"x" * 10], 20)
    assert not services.blobs.exists(staging_key(ticket.upload_id))


def test_upload_id_is_single_use(services):
    ticket = services.packages.request_upload(UPLOADER, "m", 1000, BASE)
    services.packages.receive_upload(ticket.upload_id, [b"first"], 5)
    with pytest.raises(Conflict):
        services.packages.receive_upload(ticket.upload_id, [b"second"], 6)
    assert b"".join(services.blobs.open_read(staging_key(ticket.upload_id))) == b"first"


def test_direct_upload_over_the_cap_is_refused_at_finalize(s3_like, tmp_path):
    data = zip_bytes(tmp_path, hf_files())
    ticket = s3_like.packages.request_upload(UPLOADER, "m", 100, BASE)
    s3_like.blobs.blobs[staging_key(ticket.upload_id)] = data  # as if S3 had not enforced the policy
    with pytest.raises(TooLarge):
        s3_like.packages.finalize_upload(UPLOADER, ticket.upload_id, sha(data))
    assert_upload_gone(s3_like, ticket.upload_id)
