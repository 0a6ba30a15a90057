"""registry.sensitive and registry.audit: who may mark models sensitive and manage monitors, what each change leaves
in the trail, trails of deleted artifacts, and refusals audited where they belong."""
from __future__ import annotations

import hashlib

import pytest

from registry.audit import REFUSED_INGESTS
from registry.errors import Disqualified, InvalidInput, NotFound, PermissionDenied, TooLarge, UnsafeContent
from registry.model import Artifact, ArtifactType, AuditAction, Permission, User
from tests.package.conftest import OTHER, READER, UPLOADER, Services
from tests.package.test_content_scan import payloads, send
from tests.package.test_package_service import upload, zip_bytes
from tests.package.zips import hf_files

ADMIN = User(username="root", password_hash="-", permissions=frozenset(Permission))


@pytest.fixture
def model(services: Services, tmp_path) -> Artifact:
    return upload(services, zip_bytes(tmp_path, hf_files()), name="acme/secret")


def actions(services: Services, artifact_id: str) -> list[tuple[AuditAction, str, str | None]]:
    return [(e.action, e.username, e.detail) for e in services.metadata.list_audit(artifact_id)]


def test_any_uploader_marks_a_model_sensitive_and_each_change_is_audited(services, model):
    assert services.sensitive.set_sensitive(OTHER, model.id, True).sensitive is True  # not only its uploader
    assert services.metadata.get_artifact(model.id).sensitive is True
    assert services.sensitive.set_sensitive(OTHER, model.id, True).sensitive is True  # no change, no entry
    services.sensitive.set_sensitive(UPLOADER, model.id, False)
    assert [a for a in actions(services, model.id) if a[0] is AuditAction.SENSITIVE_CHANGED] == [
        (AuditAction.SENSITIVE_CHANGED, "other", "marked sensitive"),
        (AuditAction.SENSITIVE_CHANGED, "uploader", "marked not sensitive")]
    with pytest.raises(PermissionDenied):
        services.sensitive.set_sensitive(READER, model.id, True)


def test_a_monitor_is_attached_replaced_read_and_removed(services, model):
    first = services.sensitive.put_monitor(UPLOADER, model.id, "process.exit(0)")
    assert services.sensitive.monitor(OTHER, model.id) == first and first.updated_by == "uploader"
    second = services.sensitive.put_monitor(OTHER, model.id, "process.exit(1)")
    assert services.sensitive.monitor(UPLOADER, model.id) == second and second.sha256 != first.sha256
    services.sensitive.remove_monitor(OTHER, model.id)
    assert services.sensitive.monitor(UPLOADER, model.id) is None
    with pytest.raises(NotFound, match="has no monitor"):
        services.sensitive.remove_monitor(OTHER, model.id)
    changes = [detail for action, _, detail in actions(services, model.id) if action is AuditAction.MONITOR_CHANGED]
    assert changes == [f"monitor attached (sha256 {first.sha256})", f"monitor attached (sha256 {second.sha256})",
                       "monitor removed"]
    for call in (lambda: services.sensitive.monitor(READER, model.id),
                 lambda: services.sensitive.put_monitor(READER, model.id, "1"),
                 lambda: services.sensitive.remove_monitor(READER, model.id)):
        with pytest.raises(PermissionDenied):
            call()


@pytest.mark.parametrize("program, error", [
    ("x" * (64 * 1024 + 1), TooLarge), ("   \n", InvalidInput), ("a\x00b", InvalidInput), (42, InvalidInput)])
def test_what_is_not_a_program_is_refused(services, model, program, error):
    with pytest.raises(error):
        services.sensitive.put_monitor(UPLOADER, model.id, program)
    assert services.sensitive.monitor(UPLOADER, model.id) is None


def test_only_models_are_sensitive(services):
    dataset = Artifact(id="data-1", type=ArtifactType.DATASET, name="d")
    services.artifacts.store_new(UPLOADER, dataset)
    with pytest.raises(InvalidInput, match="only models"):
        services.sensitive.set_sensitive(UPLOADER, "data-1", True)
    with pytest.raises(NotFound):
        services.sensitive.put_monitor(UPLOADER, "no-such-model", "process.exit(0)")


def test_a_deleted_artifacts_trail_is_for_admins_only(services, model):
    services.audit.trail(READER, model.id)  # every reader while it exists
    services.artifacts.delete(UPLOADER, model.id)
    trail = services.audit.trail(ADMIN, model.id)
    assert [e.action for e in trail] == [AuditAction.CREATE, AuditAction.AUDIT, AuditAction.DELETE]
    assert trail[-1].username == "uploader"
    with pytest.raises(NotFound):
        services.audit.trail(UPLOADER, model.id)
    with pytest.raises(NotFound):
        services.audit.trail(ADMIN, model.id, ArtifactType.DATASET)  # under another type's name
    with pytest.raises(NotFound):
        services.audit.trail(ADMIN, "never-existed")


@pytest.mark.parametrize("error", [Disqualified("the gate said no", failures=[]), UnsafeContent("bad pickle")])
def test_a_refused_ingest_of_something_new_goes_to_the_refusals_trail(services, error):
    with pytest.raises(type(error)):
        with services.audit.refusals_audited(UPLOADER, ArtifactType.MODEL, "acme/refused"):
            raise error
    [entry] = services.metadata.list_audit(REFUSED_INGESTS)
    assert (entry.action, entry.artifact_name, entry.username) == (
        AuditAction.INGEST_REFUSED, "acme/refused", "uploader")
    assert entry.detail == f"{error.code}: {error.message}"
    page = services.audit.refused_ingests(ADMIN, 10)
    assert [e.node for e in page.edges] == [entry] and not page.has_next_page
    with pytest.raises(PermissionDenied):
        services.audit.refused_ingests(UPLOADER, 10)


def test_a_refused_update_goes_to_the_artifacts_trail_and_other_errors_are_not_refusals(services, model):
    with pytest.raises(Disqualified):
        with services.audit.refusals_audited(OTHER, model.type, model.name, model):
            raise Disqualified("no", failures=[])
    with pytest.raises(NotFound):
        with services.audit.refusals_audited(OTHER, model.type, model.name, model):
            raise NotFound("not a refusal")
    assert [a for a in actions(services, model.id) if a[0] is AuditAction.INGEST_REFUSED] == [
        (AuditAction.INGEST_REFUSED, "other", "DISQUALIFIED: no")]
    assert services.metadata.list_audit(REFUSED_INGESTS) == []


def test_a_real_unsafe_upload_is_audited_through_the_use_case_helper(services, tmp_path):
    """finalize raising UNSAFE_CONTENT inside refusals_audited (as resolvers/package.py wires it)."""
    path, data, imported = payloads(tmp_path / "canary")[3]
    upload_id, package = send(services, tmp_path, {**hf_files(), path: data}, name="acme-evil")
    name = services.packages.upload_name(upload_id)
    assert name == "acme-evil" and services.packages.upload_name("unknown-upload-id-0123") is None
    with pytest.raises(UnsafeContent):
        with services.audit.refusals_audited(UPLOADER, ArtifactType.MODEL, name):
            services.packages.finalize_upload(UPLOADER, upload_id, hashlib.sha256(package).hexdigest())
    [entry] = services.metadata.list_audit(REFUSED_INGESTS)
    assert entry.artifact_name == "acme-evil" and imported in (entry.detail or "")
