"""Malicious content: packages and mirrored hub files whose pickles would run code are refused with UNSAFE_CONTENT
and leave nothing behind; suspicious ones are stored with their findings; honest checkpoints pass. Every pickle
here is real (made by `pickle`), and none is ever loaded: a canary file proves it."""
from __future__ import annotations

import builtins
import hashlib
import operator
import os
import pickle
import runpy
import subprocess
from pathlib import Path

import pytest

from registry.errors import UnsafeContent
from registry.model import Artifact, ArtifactType, AuditAction, ContentScan, ContentVerdict, FileEntry, \
    FindingSeverity, HubSource
from registry.ports import blob_key, staging_key
from tests.package.conftest import UPLOADER, Services, build_services, small_settings
from tests.package.fakes import MemoryBlobs, MemoryMetadata
from tests.package.pickles import CustomHead, Reduce, TORCH_STATE_DICT, legacy_torch, malicious, safetensors, \
    torch_state_dict_pickle, torch_zip
from tests.package.zips import build_zip, hf_files

BASE = "http://testserver"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def send(services: Services, tmp_path: Path, files: dict[str, bytes], name: str = "model") -> tuple[str, bytes]:
    """Upload a package of `files` and return (upload id, zip bytes) without finalizing."""
    data = build_zip(tmp_path / f"{name}.zip", files).read_bytes()
    ticket = services.packages.request_upload(UPLOADER, name, len(data), BASE)
    services.packages.receive_upload(ticket.upload_id, [data], len(data))
    return ticket.upload_id, data


def refused(services: Services, tmp_path: Path, files: dict[str, bytes]) -> UnsafeContent:
    upload_id, data = send(services, tmp_path, files)
    with pytest.raises(UnsafeContent) as caught:
        services.packages.finalize_upload(UPLOADER, upload_id, sha(data))
    assert services.metadata.count_artifacts() == 0
    assert services.metadata.get_upload(upload_id) is None and not services.blobs.exists(staging_key(upload_id))
    assert not services.blobs.exists(blob_key(sha(data)))
    return caught.value


def accepted(services: Services, tmp_path: Path, files: dict[str, bytes]) -> ContentScan:
    upload_id, data = send(services, tmp_path, files)
    artifact = services.packages.finalize_upload(UPLOADER, upload_id, sha(data))
    stored = services.artifacts.get(UPLOADER, artifact.id)  # as readers see it, through the store
    scan = stored.content_scan
    assert scan is not None
    return scan


@pytest.fixture
def canary(tmp_path) -> Path:
    """A file the payloads below would create if anything ever loaded them."""
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a pickle was loaded"


def payloads(canary: Path) -> list[tuple[str, bytes, str]]:
    """(path in the package, file bytes, the global the scan must name)."""
    touch = f"touch {canary}"
    return [
        ("pytorch_model.bin", torch_zip(malicious(os.system, touch)), "posix.system"),
        ("model.pt", torch_zip(malicious(builtins.eval, f"__import__('os').system({touch!r})", protocol=4)),
         "builtins.eval"),
        ("checkpoints/last.ckpt", torch_zip(malicious(subprocess.Popen, ["sh", "-c", touch]), archive="last"),
         "subprocess.Popen"),
        ("optimizer.pkl", malicious(os.system, touch, protocol=0), "posix.system"),
        ("scheduler.pt", legacy_torch(malicious(os.system, touch, protocol=2)), "posix.system"),
        ("training_args.bin", malicious(runpy._run_code, f"import os; os.system({touch!r})", {}), "runpy._run_code"),
        ("rng_state.pth", malicious(operator.attrgetter("system"), protocol=3), "operator.attrgetter"),
        ("features.joblib", malicious(builtins.exec, f"import os; os.system({touch!r})", protocol=5), "builtins.exec"),
        # A pickle under a harmless-looking name is found by its PROTO opcode: torch.load ignores file names.
        ("model.safetensors", malicious(os.system, touch, protocol=4), "posix.system"),
        # Behind an honest pickle in the same file: loaders that read pickle after pickle would reach it.
        ("stats.pkl", pickle.dumps({"ok": 1}, protocol=2) + malicious(os.system, touch, protocol=2), "posix.system"),
    ]


@pytest.mark.parametrize("case", range(10))
def test_a_package_whose_pickles_run_code_is_refused_and_leaves_nothing(services, tmp_path, canary, case):
    path, data, imported = payloads(canary)[case]
    error = refused(services, tmp_path, hf_files(**{path: data}))
    assert error.status == 422 and error.code == "UNSAFE_CONTENT"
    assert f"{path} imports {imported}" in error.message and "'model' is refused as unsafe" in error.message
    assert {(f["file"], f["global_name"], f["severity"]) for f in error.details["findings"]} == {
        (path, imported, "dangerous")}


def test_every_refused_file_and_global_is_named(services, tmp_path, canary):
    files = {path: data for path, data, _ in payloads(canary)[:3]}
    files["nested/inner.pkl"] = pickle.dumps([Reduce(os.system, "x"), Reduce(builtins.eval, "1")], protocol=4)
    error = refused(services, tmp_path, hf_files(**files))
    assert "checkpoints/last.ckpt imports subprocess.Popen; model.pt imports builtins.eval; nested/inner.pkl imports " \
           "builtins.eval, posix.system; pytorch_model.bin imports posix.system" in error.message
    assert len(error.details["findings"]) == 5


def test_a_package_zipped_in_a_top_level_folder_is_scanned_the_same(services, tmp_path, canary):
    path, data, _ = payloads(canary)[0]
    files = {f"my-model/{name}": content for name, content in hf_files(**{path: data}).items()}
    assert "pytorch_model.bin imports posix.system" in refused(services, tmp_path, files).message


def test_a_file_the_scanner_cannot_read_is_refused(services, tmp_path):
    broken_numpy = b"\x93NUMPY\x09\x09" + bytes(20)
    error = refused(services, tmp_path, hf_files(**{"embeddings.npy": broken_numpy}))
    assert "embeddings.npy cannot be scanned (picklescan could not read the file" in error.message
    assert error.details["findings"][0]["severity"] == "unscannable"


def test_honest_checkpoints_pass_clean(services, tmp_path):
    files = hf_files(**{
        "pytorch_model.bin": TORCH_STATE_DICT,
        "model.safetensors": safetensors({"encoder.weight": (2, 2), "encoder.bias": (2,)}),
        "legacy_model.bin": legacy_torch(torch_state_dict_pickle({"w": (3,)})),
        "sharded/pytorch_model-00001-of-00002.bin": torch_zip(
            torch_state_dict_pickle({"a": (2, 2), "b": (4,)}), storages=2, archive="pytorch_model-00001-of-00002"),
        "openvino/openvino_model.bin": bytes(range(256)) * 16,  # raw weights named .bin: not a pickle at all
        "stats.pkl": pickle.dumps({"mean": [0.5, 0.25], "labels": ("a", "b")}, protocol=4),
    })
    scan = accepted(services, tmp_path, files)
    assert scan.verdict is ContentVerdict.CLEAN and scan.findings == []
    assert scan.scanned_files == ["legacy_model.bin", "openvino/openvino_model.bin", "pytorch_model.bin",
                                  "sharded/pytorch_model-00001-of-00002.bin", "stats.pkl"]


def test_suspicious_imports_are_stored_and_shown(services, tmp_path):
    head = pickle.dumps({"head": CustomHead()}, protocol=4)
    scan = accepted(services, tmp_path, hf_files(**{"pytorch_model.bin": torch_zip(head), "extra.pkl": head}))
    assert scan.verdict is ContentVerdict.SUSPICIOUS
    assert [(f.file, f.global_name, f.severity) for f in scan.findings] == [
        ("extra.pkl", "tests.package.pickles.CustomHead", FindingSeverity.SUSPICIOUS),
        ("pytorch_model.bin", "tests.package.pickles.CustomHead", FindingSeverity.SUSPICIOUS)]


def test_a_stream_broken_after_its_imports_is_noted_not_refused(services, tmp_path):
    truncated = pickle.dumps({"head": CustomHead()}, protocol=2)[:-3]
    (imported, note) = accepted(services, tmp_path, hf_files(**{"head.pkl": truncated})).findings
    assert imported.global_name == "tests.package.pickles.CustomHead"
    assert note.global_name is None and "malformed" in (note.detail or "")
    assert note.severity is FindingSeverity.SUSPICIOUS


def test_the_recorded_scan_is_stored_with_its_verdict(services, tmp_path):
    upload_id, data = send(services, tmp_path, hf_files(**{"pytorch_model.bin": TORCH_STATE_DICT}))
    artifact = services.packages.finalize_upload(UPLOADER, upload_id, sha(data))
    stored = services.metadata.get_artifact(artifact.id)
    assert stored.content_scan == artifact.content_scan
    recorded = stored.model_dump(mode="json")["content_scan"]  # the JSON a store keeps
    assert recorded["verdict"] == "clean" and recorded["scanned_files"] == ["pytorch_model.bin"]
    assert recorded["scanner"].startswith("picklescan ")


class StubHub:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.reads: list[str] = []

    def iter_file(self, ref, path):
        self.reads.append(path)
        yield self.files[path]


def mirror_services(tmp_path: Path, files: dict[str, bytes]) -> tuple[Services, StubHub, Artifact]:
    hub = StubHub(files)
    services = build_services(small_settings(tmp_path), MemoryMetadata(), MemoryBlobs(), hub=hub)
    artifact = Artifact(id="hub-1", type=ArtifactType.MODEL, name="org/model",
                        source_url="https://huggingface.co/org/model", revision="c0ffee",
                        source=HubSource(repo_id="org/model"),
                        files=[FileEntry(path=p, size=len(d), sha256=sha(d)) for p, d in files.items()])
    services.artifacts.store_new(UPLOADER, artifact)
    return services, hub, artifact


def test_a_hub_model_with_malicious_pickles_is_refused_at_its_first_download(tmp_path, canary):
    path, data, imported = payloads(canary)[0]
    services, hub, artifact = mirror_services(tmp_path, {"README.md": b"# m", path: data})
    with pytest.raises(UnsafeContent, match=f"{path} imports {imported}"):
        services.downloads.deliver(UPLOADER, artifact.id)
    assert services.blobs.blobs == {}  # no package, no parts
    stored = services.metadata.get_artifact(artifact.id)
    assert stored.package_sha256 is None
    scan = stored.content_scan
    assert scan is not None and scan.verdict is ContentVerdict.UNSAFE  # readers see why
    reads = len(hub.reads)
    with pytest.raises(UnsafeContent, match=imported):
        services.downloads.deliver(UPLOADER, artifact.id, "card")
    assert len(hub.reads) == reads  # refused again without fetching the files again
    records = services.metadata.list_downloads(artifact.id)  # both refusals are in the history and the audit
    assert [(r.username, r.part, r.allowed) for r in records] == [
        ("uploader", "full", False), ("uploader", "card", False)]
    assert all(r.outcome.startswith("refused: unsafe content") and imported in r.outcome for r in records)
    refusals = [e for e in services.metadata.list_audit(artifact.id) if e.action is AuditAction.DOWNLOAD_REFUSED]
    assert len(refusals) == 2 and imported in (refusals[0].detail or "")


def test_a_hub_model_with_suspicious_pickles_is_mirrored_with_its_findings(tmp_path):
    files = {"README.md": b"# m", "pytorch_model.bin": torch_zip(pickle.dumps(CustomHead(), protocol=2))}
    services, _, artifact = mirror_services(tmp_path, files)
    services.downloads.deliver(UPLOADER, artifact.id)
    stored = services.metadata.get_artifact(artifact.id)
    scan = stored.content_scan
    assert stored.package_sha256 and scan is not None and scan.verdict is ContentVerdict.SUSPICIOUS
    assert stored.source == HubSource(repo_id="org/model")  # the ingest record is kept beside the scan


def test_a_mirror_keeps_what_changed_on_the_record_while_it_ran(tmp_path):
    """Marking the model sensitive during its first (long) download must survive the mirror's write."""
    files = {"README.md": b"# m", "model.safetensors": b"weights!"}
    services, hub, artifact = mirror_services(tmp_path, files)
    reads = hub.iter_file

    def mark_sensitive_meanwhile(ref, path):
        if not hub.reads:
            services.sensitive.set_sensitive(UPLOADER, artifact.id, True)
        yield from reads(ref, path)

    hub.iter_file = mark_sensitive_meanwhile
    services.downloads.deliver(UPLOADER, artifact.id)
    stored = services.metadata.get_artifact(artifact.id)
    assert stored.package_sha256 is not None and stored.sensitive is True


def test_artifacts_never_scanned_have_no_scan():
    assert Artifact(id="a", type=ArtifactType.CODE, name="c").content_scan is None
