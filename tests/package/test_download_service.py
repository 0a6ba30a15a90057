"""registry.download: a link, then its delivery; the monitor of a sensitive model, the history record and the audit
entry happen once, at delivery (at the link on a presigning store). Monitors run under real Node 24."""
from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.download import DownloadLink, DownloadService
from registry.errors import LinkExpired, LinkInvalid, MonitorRejected, NotFound, PermissionDenied
from registry.model import AuditAction, Permission, User, utcnow
from registry.monitor import MonitorOutcome, MonitorResult
from registry.signing import LinkSigner, signing_key
from scoring.parts import PackagePart
from tests.package.conftest import OTHER, READER, UPLOADER, Services
from tests.package.test_package_service import BASE, upload, zip_bytes
from tests.package.zips import hf_files

ADMIN = User(username="root", password_hash="-", permissions=frozenset(Permission))
DOWNLOADER = User(username="dora", password_hash="-", permissions=frozenset({Permission.DOWNLOAD}))
# Prints its four arguments and the size of the zip it was given; allows the download.
ECHO = ("const fs = require('fs'); const [model, uploader, downloader, zip] = process.argv.slice(2);\n"
        "console.log(JSON.stringify({model, uploader, downloader, size: fs.statSync(zip).size}));")
REFUSE = "console.log('dora is not cleared for ' + process.argv[2]); process.exit(3);"


@pytest.fixture
def model(services: Services, tmp_path):
    services.metadata.put_user(DOWNLOADER)
    return upload(services, zip_bytes(tmp_path, hf_files()), name="acme/secret")


def signed_fields(link: DownloadLink) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link.url).query).items()}


def deliver_link(services: Services, link: DownloadLink, artifact_id: str, part: str = "full"):
    fields = signed_fields(link)
    return services.downloads.deliver_signed(artifact_id, PackagePart(part), fields.get("user"),
                                             fields.get("expires"), fields.get("signature"))


def downloads_audited(services: Services, artifact_id: str) -> list[AuditAction]:
    return [e.action for e in services.metadata.list_audit(artifact_id)
            if e.action in (AuditAction.DOWNLOAD, AuditAction.DOWNLOAD_REFUSED)]


def test_a_link_records_nothing_and_its_delivery_records_once(services, model):
    link = services.downloads.link(DOWNLOADER, model.id, PackagePart.WEIGHTS, BASE)
    assert link.url.startswith(f"{BASE}/download/{model.id}?part=weights&user=dora&expires=")
    assert timedelta(seconds=590) < link.expires_at - utcnow() <= timedelta(seconds=600)
    assert (link.sha256, link.filename) == (model.parts["weights"], "acme_secret-weights.zip")
    assert services.metadata.list_downloads(model.id) == [] and downloads_audited(services, model.id) == []

    delivery = deliver_link(services, link, model.id, "weights")
    assert delivery.url is None and delivery.stored.sha256 == model.parts["weights"]
    [record] = services.metadata.list_downloads(model.id)
    assert (record.username, record.part, record.allowed, record.outcome, record.uploader) == (
        "dora", "weights", True, "allowed", "uploader")
    assert downloads_audited(services, model.id) == [AuditAction.DOWNLOAD]


def test_on_a_presigning_store_the_link_is_the_delivery(s3_like, tmp_path):
    s3_like.metadata.put_user(DOWNLOADER)
    artifact = upload(s3_like, zip_bytes(tmp_path, hf_files()))
    link = s3_like.downloads.link(DOWNLOADER, artifact.id, PackagePart.FULL, BASE)
    assert link.url.startswith("https://bucket.example/sha256/")
    assert [r.username for r in s3_like.metadata.list_downloads(artifact.id)] == ["dora"]
    assert downloads_audited(s3_like, artifact.id) == [AuditAction.DOWNLOAD]
    assert s3_like.downloads.url_for(DOWNLOADER, artifact, BASE) == f"{BASE}/download/{artifact.id}"  # with a token
    with pytest.raises(LinkInvalid, match="does not sign"):
        s3_like.downloads.deliver_signed(artifact.id, PackagePart.FULL, "dora", "1", "x" * 43)


@pytest.mark.parametrize("change", ["user", "part", "artifact", "signature", "unsigned"])
def test_an_altered_link_is_refused_and_records_nothing(services, model, tmp_path, change):
    other = upload(services, zip_bytes(tmp_path, hf_files(**{"x.py": b"1"})), name="other")
    fields = signed_fields(services.downloads.link(DOWNLOADER, model.id, PackagePart.FULL, BASE))
    artifact_id, part = model.id, PackagePart.FULL
    if change == "user":
        fields["user"] = "uploader"
    elif change == "part":
        part = PackagePart.CARD
    elif change == "artifact":
        artifact_id = other.id
    elif change == "signature":
        fields["signature"] = fields["signature"][::-1]
    else:
        fields.pop("signature")
    with pytest.raises(LinkInvalid):
        services.downloads.deliver_signed(artifact_id, part, fields["user"], fields["expires"], fields.get("signature"))
    assert services.metadata.list_downloads(model.id) == services.metadata.list_downloads(other.id) == []


def test_an_expired_link_is_refused(services, model):
    past = LinkSigner(signing_key(services.settings), 600, clock=lambda: utcnow().timestamp() - 601)
    link = past.sign(model.id, "full", "dora")
    with pytest.raises(LinkExpired):
        services.downloads.deliver_signed(model.id, PackagePart.FULL, "dora", str(link.expires), link.signature)


def test_a_link_dies_with_its_users_download_permission_or_password(services, model):
    link = services.downloads.link(DOWNLOADER, model.id, PackagePart.FULL, BASE)
    services.metadata.put_user(DOWNLOADER.model_copy(update={"permissions": frozenset({Permission.SEARCH})}),
                               overwrite=True)
    with pytest.raises(PermissionDenied):
        deliver_link(services, link, model.id)
    changed = utcnow() + timedelta(seconds=2)
    services.metadata.put_user(DOWNLOADER.model_copy(update={"credentials_changed_at": changed}), overwrite=True)
    with pytest.raises(LinkInvalid, match="changed their password"):
        deliver_link(services, link, model.id)
    services.metadata.put_user(DOWNLOADER.model_copy(update={"credentials_changed_at": utcnow() - timedelta(hours=1)}),
                               overwrite=True)
    deliver_link(services, link, model.id)  # a change before the link was made does not matter
    services.metadata.delete_user("dora")
    with pytest.raises(LinkInvalid, match="no longer exists"):
        deliver_link(services, link, model.id)


# sensitive models -------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_monitor_gets_the_four_arguments_and_the_zip_being_delivered(services, model):
    services.sensitive.set_sensitive(UPLOADER, model.id, True)
    services.sensitive.put_monitor(OTHER, model.id, ECHO)
    delivery = deliver_link(services, services.downloads.link(DOWNLOADER, model.id, PackagePart.CARD, BASE),
                            model.id, "card")
    [record] = services.metadata.list_downloads(model.id)
    assert (record.allowed, record.exit_code, record.outcome) == (True, 0, "allowed by the monitor")
    printed = json.loads(record.stdout)
    assert printed == {"model": "acme/secret", "uploader": "uploader", "downloader": "dora",
                       "size": delivery.stored.size}  # the card part's zip, not the whole package


@pytest.mark.slow
def test_a_refusing_monitor_rejects_with_its_stdout_and_is_recorded(services, model):
    services.sensitive.set_sensitive(UPLOADER, model.id, True)
    services.sensitive.put_monitor(UPLOADER, model.id, REFUSE)
    link = services.downloads.link(DOWNLOADER, model.id, PackagePart.FULL, BASE)  # the link step runs nothing
    assert services.metadata.list_downloads(model.id) == []
    with pytest.raises(MonitorRejected, match="dora is not cleared for acme/secret") as caught:
        deliver_link(services, link, model.id)
    assert caught.value.status == 403 and caught.value.details["exit_code"] == 3
    [record] = services.metadata.list_downloads(model.id)
    assert (record.allowed, record.exit_code) == (False, 3) and "exited with code 3" in record.outcome
    assert record.stdout == "dora is not cleared for acme/secret\n"
    assert downloads_audited(services, model.id) == [AuditAction.DOWNLOAD_REFUSED]
    with pytest.raises(MonitorRejected):  # the token-header path runs it too
        services.downloads.deliver(DOWNLOADER, model.id)
    assert len(services.metadata.list_downloads(model.id)) == 2


def test_a_sensitive_model_without_a_monitor_downloads_and_says_so(services, model):
    services.sensitive.set_sensitive(UPLOADER, model.id, True)
    services.downloads.deliver(DOWNLOADER, model.id)
    [record] = services.metadata.list_downloads(model.id)
    assert record.allowed and record.outcome == "allowed (sensitive, no monitor attached)" and record.stdout is None


def test_a_monitor_runs_only_while_its_model_is_sensitive(services, model):
    services.sensitive.put_monitor(UPLOADER, model.id, "process.exit(1)")  # would refuse, if it ran
    services.downloads.deliver(DOWNLOADER, model.id)
    assert [r.outcome for r in services.metadata.list_downloads(model.id)] == ["allowed"]


@pytest.mark.slow
def test_on_a_presigning_store_the_monitor_refuses_the_link(s3_like, tmp_path):
    s3_like.metadata.put_user(DOWNLOADER)
    artifact = upload(s3_like, zip_bytes(tmp_path, hf_files()), name="acme/secret")
    s3_like.sensitive.set_sensitive(UPLOADER, artifact.id, True)
    s3_like.sensitive.put_monitor(UPLOADER, artifact.id, REFUSE)
    with pytest.raises(MonitorRejected, match="not cleared"):
        s3_like.downloads.link(DOWNLOADER, artifact.id, PackagePart.FULL, BASE)
    assert [r.allowed for r in s3_like.metadata.list_downloads(artifact.id)] == [False]


# history ------------------------------------------------------------------------------------------------------------
def test_the_history_is_for_admins_and_the_uploader_and_outlives_the_artifact(services, model):
    for _ in range(5):
        services.downloads.deliver(DOWNLOADER, model.id)
    first = services.downloads.history(UPLOADER, model.id, 2)
    assert [e.node.username for e in first.edges] == ["dora", "dora"] and first.has_next_page
    rest = services.downloads.history(ADMIN, model.id, 10, first.edges[-1].cursor)
    assert len(rest.edges) == 3 and not rest.has_next_page
    for stranger in (OTHER, READER, DOWNLOADER):
        with pytest.raises(PermissionDenied):
            services.downloads.history(stranger, model.id, 10)
    services.artifacts.delete(UPLOADER, model.id)
    assert len(services.downloads.history(UPLOADER, model.id, 10).edges) == 5
    with pytest.raises(PermissionDenied):
        services.downloads.history(OTHER, model.id, 10)
    with pytest.raises(NotFound):
        services.downloads.history(ADMIN, "never-was", 10)


def test_the_delivered_zip_is_the_part_asked_for(services, model):
    delivery = services.downloads.deliver(DOWNLOADER, model.id, PackagePart.WEIGHTS)
    data = b"".join(services.packages.open_range(delivery.stored.key))
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == ["model.safetensors", "onnx/model.onnx"]


class CountingRunner:
    """Stands in for Node: holds every run until released, counting how many run at once."""

    def __init__(self) -> None:
        self.active = self.peak = 0
        self.changed = threading.Condition()
        self.release = threading.Event()

    def run(self, program, model_name, uploader, downloader, zip_path) -> MonitorResult:
        with self.changed:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.changed.notify_all()
        self.release.wait()
        with self.changed:
            self.active -= 1
        return MonitorResult(MonitorOutcome.EXITED, 0, "ok\n", "", "it exited with code 0")


def test_no_more_monitors_run_at_once_than_the_setting_allows(services, model):
    settings = services.settings.model_copy(update={"monitor_max_concurrent": 2})
    runner = CountingRunner()
    downloads = DownloadService(settings, services.artifacts, services.metadata, services.packages,
                                services.metadata, services.metadata, services.metadata, services.audit,
                                services.blobs, runner, None)  # type: ignore[arg-type]
    services.sensitive.set_sensitive(UPLOADER, model.id, True)
    services.sensitive.put_monitor(UPLOADER, model.id, "process.exit(0)")
    started = threading.Barrier(7)

    def download() -> None:
        started.wait()
        downloads.deliver(DOWNLOADER, model.id)

    threads = [threading.Thread(target=download) for _ in range(6)]
    for thread in threads:
        thread.start()
    started.wait()  # every download has been asked for
    with runner.changed:
        runner.changed.wait_for(lambda: runner.active == 2)
    runner.release.set()
    for thread in threads:
        thread.join()
    assert runner.peak == 2 and len(services.metadata.list_downloads(model.id)) == 6
