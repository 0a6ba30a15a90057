"""Downloads in two steps, a link and its delivery, and what happens once per download: the sensitive model's
monitor, the download history record and the audit entry.

1. The link (GraphQL `requestDownload`, the REST envelope's `download_url`): on the embedded store a short-lived
   URL of this server signed for the caller (registry/signing.py), usable without a header by a browser or curl.
   Nothing is recorded yet: the link may never be used.
2. The delivery (GET /download/{id}, app/transfer.py), with that link's signature or with the token header: the
   monitor runs if the model is sensitive, the download is recorded and audited, then the bytes are streamed.

On AWS the blob store presigns its own GET URLs and the registry never sees the bytes, so the link step *is* the
delivery: monitor, record and audit happen there, and the answer is S3's presigned URL. GET /download with the
token header does the same and redirects to it.

Sensitive models: before each delivery, the model's monitor program (if one is attached) runs under Node 24
(registry/monitor.py) with MODEL_NAME UPLOADER_USERNAME DOWNLOADER_USERNAME ZIP_FILE_PATH, where the zip is a
private temporary copy of exactly the zip being delivered (the package or the part). Exit 0 lets it proceed;
anything else refuses it with MONITOR_REJECTED carrying the program's stdout. A sensitive model without a monitor
downloads normally (and its history says so): sensitivity is what puts the program in the path, the program is
what decides.

Every delivery, allowed or refused by the monitor or by unsafe content, appends one `DownloadRecord` and one audit
entry (DOWNLOAD or DOWNLOAD_REFUSED). A caller refused before that (no token, no permission, no such artifact)
has downloaded nothing and is not recorded. The history of an artifact is readable by admins and by its uploader,
also after the artifact is deleted.
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

from registry import events
from registry.artifacts import ArtifactService
from registry.audit import AuditService
from registry.auth import require
from registry.errors import LinkInvalid, NotFound, PermissionDenied, UnsafeContent
from registry.model import Artifact, AuditAction, DownloadRecord, Permission, User, utcnow
from registry.monitor import MonitorResult, MonitorRunner
from registry.package import PackageService, StoredZip, download_url
from registry.paging import Connection, as_utc, page_log
from registry.ports import ArtifactStore, BlobStore, DownloadLog, MonitorStore, UserStore
from registry.settings import Settings
from registry.signing import LinkSigner
from registry.validation import check_artifact_id, check_part
from scoring.parts import PackagePart

HISTORY_STDOUT_CHARS = 4000  # of a monitor's output kept in the history (the error message carries it all)


@dataclass(frozen=True)
class DownloadLink:
    """Where to fetch a stored zip and what it is; `url` works without a header until `expires_at`."""

    url: str
    filename: str
    sha256: str
    size: int
    expires_at: datetime


@dataclass(frozen=True)
class Delivery:
    """An admitted download: a presigned URL to redirect to, or the stored zip to stream."""

    stored: StoredZip
    url: str | None


class DownloadService:
    def __init__(self, settings: Settings, artifacts: ArtifactService, records: ArtifactStore,
                 packages: PackageService, users: UserStore, monitors: MonitorStore, history: DownloadLog,
                 audit: AuditService, blobs: BlobStore, runner: MonitorRunner, signer: LinkSigner | None) -> None:
        self._settings = settings
        self._artifacts = artifacts
        self._records = records
        self._packages = packages
        self._users = users
        self._monitors = monitors
        self._history = history
        self._audit = audit
        self._blobs = blobs
        self._runner = runner
        self._signer = signer
        self._monitor_slots = threading.BoundedSemaphore(settings.monitor_max_concurrent)

    # the two steps ---------------------------------------------------------------------------------------------
    def link(self, actor: User, artifact_id: str, part: PackagePart, base_url: str) -> DownloadLink:
        """A link to the stored zip (a hub artifact is mirrored first, so its hash and size are known)."""
        stored = self._stored(actor, artifact_id, part)
        ttl = self._settings.presign_ttl_seconds
        direct = self._blobs.presign_get(stored.key, ttl, stored.filename)
        if direct is not None:
            self._admit(actor, stored)
            url = direct
            expires = int(utcnow().timestamp()) + ttl
        else:
            url, expires = self._signed_url(actor, artifact_id, stored.part, base_url)
        return DownloadLink(url=url, filename=stored.filename, sha256=stored.sha256, size=stored.size,
                            expires_at=datetime.fromtimestamp(expires, timezone.utc))

    def link_group(self, actor: User, artifact_ids: list[str], part: PackagePart,
                   base_url: str) -> list[DownloadLink]:
        """Links to several related models read as one snapshot (ArtifactStore.get_artifacts_snapshot): of a group
        transaction, or any commit, all of its versions or none; in the order asked. Each is then an ordinary
        download (its delivery runs the monitor, records and audits it)."""
        require(actor, Permission.DOWNLOAD)
        wanted = [check_artifact_id(i) for i in dict.fromkeys(artifact_ids)]
        found = self._records.get_artifacts_snapshot(wanted)
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"no artifact {missing[0]!r}")
        return [self.link(actor, artifact_id, part, base_url) for artifact_id in wanted]

    def deliver(self, actor: User, artifact_id: str, part: PackagePart = PackagePart.FULL) -> Delivery:
        """Admit the caller's download (monitor, history, audit) and say where its bytes are."""
        stored = self._stored(actor, artifact_id, part)
        self._admit(actor, stored)
        return Delivery(stored, self._blobs.presign_get(stored.key, self._settings.presign_ttl_seconds,
                                                        stored.filename))

    def deliver_signed(self, artifact_id: str, part: PackagePart, username: str | None, expires: str | None,
                       signature: str | None) -> Delivery:
        """`deliver` for the user a signed link was made for, if the link is genuine and live and the user still
        exists, holds DOWNLOAD and has not changed their password since the link was made."""
        if self._signer is None:
            raise LinkInvalid("this registry does not sign download links: send the token header instead")
        part = check_part(part)
        when = self._signer.verify(artifact_id, part.value, username, expires, signature)
        user = self._users.get_user(username or "")
        issued = when - self._signer.ttl_seconds  # whole seconds: the link was made within [issued, issued + 1)
        if user is None or (user.credentials_changed_at is not None
                            and as_utc(user.credentials_changed_at).timestamp() >= issued + 1):
            raise LinkInvalid("this download link's user no longer exists or has changed their password since: "
                              "request a new link")
        return self.deliver(user, artifact_id, part)

    def url_for(self, actor: User, artifact: Artifact, base_url: str) -> str:
        """The whole package's URL for the REST envelope: signed for `actor` where this registry signs links (no
        store access: one HMAC), else the plain URL used with the token header."""
        if self._signer is None:
            return download_url(base_url, artifact.id)
        return self._signed_url(actor, artifact.id, PackagePart.FULL, base_url)[0]

    # history ---------------------------------------------------------------------------------------------------
    def history(self, actor: User, artifact_id: str, first: int,
                after: str | None = None) -> Connection[DownloadRecord]:
        """Who downloaded the artifact, when, which part, and whether it was allowed: oldest first, for admins and
        the artifact's uploader, also once it is deleted."""
        check_artifact_id(artifact_id)
        artifact = self._records.get_artifact(artifact_id)
        first_record = self._history.list_downloads(artifact_id, 1)
        uploader = artifact.created_by if artifact is not None else (
            first_record[0].uploader if first_record else None)
        if uploader is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        if not actor.is_admin and actor.username != uploader:
            raise PermissionDenied("the download history is for admins and the artifact's uploader")
        return page_log(lambda limit: self._history.list_downloads(artifact_id, limit), first, after,
                        self._settings.max_page_size)

    # internals -------------------------------------------------------------------------------------------------
    def _stored(self, actor: User, artifact_id: str, part: PackagePart) -> StoredZip:
        require(actor, Permission.DOWNLOAD)
        part = check_part(part)
        artifact = self._artifacts.get(actor, artifact_id, Permission.DOWNLOAD)
        try:
            return self._packages.stored_zip(artifact, part)
        except UnsafeContent as refused:
            self._record(actor, artifact, part, allowed=False, outcome=f"refused: unsafe content ({refused.message})")
            raise

    def _admit(self, actor: User, stored: StoredZip) -> None:
        artifact = stored.artifact
        monitor = self._monitors.get_monitor(artifact.id) if artifact.sensitive else None
        if monitor is None:
            outcome = "allowed (sensitive, no monitor attached)" if artifact.sensitive else "allowed"
            self._record(actor, artifact, stored.part, allowed=True, outcome=outcome)
            return
        result = self._run(monitor.program, stored, actor)
        outcome = "allowed by the monitor" if result.allowed else f"refused by the monitor: {result.reason}"
        self._record(actor, artifact, stored.part, allowed=result.allowed, outcome=outcome, result=result)
        result.raise_if_rejected(artifact.name)

    def _run(self, program: str, stored: StoredZip, actor: User) -> MonitorResult:
        """The monitor on a private copy of the zip being delivered (the blob store may not be a file system, and
        the program must not reach the registry's own files), once one of `monitor_max_concurrent` slots is free."""
        with self._monitor_slots, tempfile.TemporaryDirectory(prefix="download-") as workdir:
            path = os.path.join(workdir, "package.zip")
            self._blobs.download_to(stored.key, path)
            return self._runner.run(program, stored.artifact.name, stored.artifact.created_by, actor.username, path)

    def _record(self, actor: User, artifact: Artifact, part: PackagePart, allowed: bool, outcome: str,
                result: MonitorResult | None = None) -> None:
        stdout = result.stdout[:HISTORY_STDOUT_CHARS] if result is not None else None
        self._history.append_download(DownloadRecord(
            artifact_id=artifact.id, artifact_name=artifact.name, username=actor.username, part=part.value,
            allowed=allowed, uploader=artifact.created_by, outcome=outcome,
            exit_code=result.exit_code if result is not None else None, stdout=stdout))
        action = AuditAction.DOWNLOAD if allowed else AuditAction.DOWNLOAD_REFUSED
        self._audit.record(actor, artifact, action, None if allowed else outcome)
        events.emit("download" if allowed else "download.refused", artifact_id=artifact.id, name=artifact.name,
                    by=actor.username, part=part.value, outcome=outcome)

    def _signed_url(self, actor: User, artifact_id: str, part: PackagePart, base_url: str) -> tuple[str, int]:
        assert self._signer is not None
        link = self._signer.sign(artifact_id, part.value, actor.username)
        base = (self._settings.public_url or base_url).rstrip("/")
        return f"{base}/download/{artifact_id}?{link.query()}", link.expires
