"""Company model packages: upload (presigned or through this server), finalize, and the stored zips downloads hand
out, whole or in parts (the download itself, its monitor, history and audit: registry/download.py).

The flow: `request_upload` hands out a ticket (an S3 presigned POST, or this server's `PUT /uploads/{id}` for
the embedded store); the client sends the zip; `finalize_upload` checks its sha256, reads it with
`registry.zipsafe` (caps, safe paths, pickle scan), stores it and its parts content-addressed and registers
the model in one commit (registry/writes.py).

Finalize is resumable: the model's id is chosen with the upload, so a retried finalize (a lost answer, a crash)
returns the registration if it committed, or takes over once the dead attempt's lease on the upload ends. A
package's bytes are claimed (`package:<sha256>`) by the write that registers them: settled for good by its
commit, so "an identical package is already registered" means exactly that, while bytes a crashed attempt left
behind are reused by the next upload of the same package. A final refusal (bad hash, unsafe content, an identical
package) removes the staged bytes and the upload; a failure that a retry may cure (store outage, a concurrent
finalize) keeps them for the retry, until the upload expires and the sweeper removes them.

Ingested artifacts (hub models and datasets, GitHub repositories) are mirrored into a stored package on their
first download (registry/mirror.py, which shares the package helpers at the end of this module).

Malicious content: a package, or an ingested artifact's files mirrored on first download, whose pickles import
dangerous globals (or cannot be scanned) is refused with UNSAFE_CONTENT before anything is stored; suspicious
findings are kept on the artifact (its `content_scan`) for every reader to see.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any, Protocol, cast

import re2

from registry import events
from registry.artifacts import ArtifactService, Reading, busy, new_id
from registry.auth import require
from registry.crashpoints import reach
from registry.errors import Aborted, Conflict, DomainError, InvalidInput, NotFound, StoreUnavailable, TooLarge, \
    UnsafeContent
from registry.idempotency import Idempotency, Receipt
from registry.model import Artifact, ArtifactStatus, ArtifactType, AuditAction, ContentScan, ContentVerdict, \
    FileEntry, Permission, Upload, UploadSource, User, utcnow
from registry.paging import as_utc
from registry.ports import ArtifactStore, BlobStore, UploadStore, blob_key, part_key, staging_key
from registry.rating import Assessment, Links
from registry.settings import Settings
from registry.validation import check_name, check_part
from registry.version import declared_version, normalize_version, version_key
from registry.writes import Write, Writes, WriteFence, held_elsewhere, package_identity
from registry.zipsafe import ZipEntry, ZipManifest, inspect_zip
from scoring.parts import PackagePart, in_part
from scoring.sources.hub import parse_front_matter
from scoring.sources.types import HubRepo, RepoFile, SourceRef

_UPLOAD_ID = re2.compile(r"^[A-Za-z0-9_-]{16,64}$")
_SHA256 = re2.compile(r"^[0-9a-f]{64}$")
_FILENAME_UNSAFE = re2.compile(r"[^A-Za-z0-9._-]+")
_CHUNK = 1 << 20
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same files always make the same part (same sha256)


class Mirroring(Protocol):
    """Copies an ingested artifact's files into a stored package (registry/mirror.py)."""

    def ensure(self, artifact: Artifact) -> Artifact:
        """`artifact` with its stored package (mirrored now if need be), or MirrorPending while it is made."""


@dataclass(frozen=True)
class UploadTicket:
    """Where and how the client sends the package bytes, and until when."""

    upload_id: str
    url: str
    method: str
    fields: dict[str, str]
    headers: dict[str, str]
    expires_at: datetime
    max_bytes: int


@dataclass(frozen=True)
class StoredZip:
    """A stored zip of an artifact, whole or one part, ready to hand out (by a presigned URL, or streamed from
    `key`)."""

    artifact: Artifact
    part: PackagePart
    filename: str
    sha256: str
    size: int
    key: str


OnWritten = Callable[[str], None]  # told each blob key a write stored (not one that already existed)


class PackageService:
    def __init__(self, settings: Settings, uploads: UploadStore, records: ArtifactStore, blobs: BlobStore,
                 artifacts: ArtifactService, mirrors: Mirroring, writes: Writes | None = None,
                 idempotency: Idempotency | None = None) -> None:
        """`writes` and `idempotency` default to ones over the stores given (one adapter implementing every port);
        the registry passes the ones its other services share."""
        self._settings = settings
        self._uploads = uploads
        self._records = records
        self._blobs = blobs
        self._artifacts = artifacts
        self._mirrors = mirrors
        store: Any = uploads
        self._writes = writes or Writes(settings, WriteFence(store, settings, owns_store=True), store, records, store,
                                        blobs)
        self._idempotency = idempotency or Idempotency(settings, store, records)

    # upload ----------------------------------------------------------------------------------------------------
    def request_upload(self, actor: User, name: str, size: int | None, base_url: str,
                       version: str | None = None) -> UploadTicket:
        """Open an upload of at most `size` bytes (or the configured maximum) of a model `name` at `version`;
        `base_url` is where this server is reached, used for the embedded store's PUT URL when
        `settings.public_url` is unset.

        The version: the caller's, else the package card's (or config.json's) `version` field, else the next patch
        after the name's newest version (1.0.0 for a new name), decided at finalize, where the name and version are
        claimed (a version that exists is Conflict; a caller's is also checked here, before any bytes are sent)."""
        require(actor, Permission.UPLOAD)
        check_name(name, self._settings.max_name_length)
        wanted = normalize_version(version) if version is not None else None
        if wanted is not None and any(version_key(a.version) == version_key(wanted)
                                      for a in self._artifacts.versions_of(ArtifactType.MODEL, name)):
            raise Conflict(f"model {name!r} version {wanted} already exists")
        limit = self._settings.max_upload_bytes
        if size is not None and size < 1:
            raise InvalidInput("the package size must be a positive number of bytes")
        if size is not None and size > limit:
            raise TooLarge(f"packages are at most {limit} bytes; this one is {size}")
        ttl = self._settings.presign_ttl_seconds
        upload = Upload(id=secrets.token_urlsafe(24), name=name, username=actor.username, max_bytes=size or limit,
                        expires_at=utcnow() + timedelta(seconds=ttl), artifact_id=new_id(), version=wanted)
        self._uploads.put_upload(upload)
        direct = self._blobs.presign_upload(staging_key(upload.id), upload.max_bytes, ttl)
        if direct is None:
            base = (self._settings.public_url or base_url).rstrip("/")
            direct = {"url": f"{base}/uploads/{upload.id}", "method": "PUT", "fields": {}, "headers": {}}
        return UploadTicket(upload_id=upload.id, url=direct["url"], method=direct.get("method", "PUT"),
                            fields=dict(direct.get("fields") or {}), headers=dict(direct.get("headers") or {}),
                            expires_at=upload.expires_at, max_bytes=upload.max_bytes)

    def receive_upload(self, upload_id: str, stream: IO[bytes] | Iterable[bytes], content_length: int | None) -> int:
        """Store the body of `PUT /uploads/{id}` (embedded store). The unguessable, short-lived, single-use id is
        the capability, so no token is needed. Streams to the blob store under the upload's cap; returns the size."""
        upload = self._live_upload(upload_id)
        key = staging_key(upload.id)
        if content_length is not None and content_length > upload.max_bytes:
            raise TooLarge(f"this upload accepts at most {upload.max_bytes} bytes")
        if self._blobs.exists(key) or self._finalized(upload) is not None:
            raise Conflict("this upload has already received its package; finalize it or request a new one")
        try:
            size = self._blobs.put_stream(key, _as_file(self._crash_point_in(stream)), upload.max_bytes)
            if content_length is not None and size != content_length:
                raise InvalidInput(f"received {size} bytes but Content-Length said {content_length}")
        except Exception as exc:
            self._blobs.delete(key)
            if not isinstance(exc, DomainError) and self._uploads.get_upload(upload.id) is None:
                raise NotFound("the upload was cancelled while it was received (the registry was reset)") from exc
            raise
        if self._uploads.get_upload(upload.id) is None:  # a reset removed the upload meanwhile
            self._blobs.delete(key)
            raise NotFound("the upload was cancelled while it was received (the registry was reset)")
        return size

    def _crash_point_in(self, stream: IO[bytes] | Iterable[bytes]) -> IO[bytes] | Iterable[bytes]:
        """The stream, passing the "upload.mid_stream" crash point after its first chunk (fault tests)."""
        if hasattr(stream, "read"):
            return stream

        def chunks() -> Iterator[bytes]:
            for number, chunk in enumerate(cast(Iterable[bytes], stream)):
                if number == 1:
                    reach(self._settings, "upload.mid_stream")
                yield chunk

        return chunks()

    def finalize_upload(self, actor: User, upload_id: str, sha256: str,
                        idempotency_key: str | None = None) -> Artifact:
        """Check, inspect, store and register the uploaded package as a model, in one commit. A retry with the same
        upload id returns the model once registered; a final refusal removes the upload (see the module)."""
        require(actor, Permission.UPLOAD)
        expected = _sha256_of(sha256)
        upload = self._own_upload(actor, upload_id, sha256)
        request = {"upload_id": upload.id, "sha256": expected}
        try:
            return self._idempotency.run(actor, "finalize", idempotency_key, request,
                                         lambda receipt: self._finalize_once(actor, upload, expected, receipt))
        except DomainError as refused:
            if _final(refused):
                self._discard(upload.id)
            raise

    def stage_finalize(self, write: Write, actor: User, upload_id: str, sha256: str) -> Artifact:
        """Stage the registration of an uploaded package in `write` (a group transaction's operation): the
        package and its parts are stored now, the model READY when the write commits."""
        require(actor, Permission.UPLOAD)
        expected = sha256.strip().lower() if isinstance(sha256, str) else ""
        if not _SHA256.match(expected):
            raise InvalidInput("sha256 must be 64 hexadecimal characters")
        upload = self._live_upload(upload_id)
        if upload.username != actor.username:
            raise NotFound("no such upload, or it has expired")
        if self._finalized(upload) is not None:
            raise Conflict("this upload has already been registered")
        return self._stage(write, actor, upload, expected)

    def _finalize_once(self, actor: User, upload: Upload, expected: str, receipt: Receipt | None) -> Artifact:
        done = self._finalized(upload)
        if done is not None:  # the retry of a finalize that committed (maybe before its follow-ups ran)
            self._blobs.delete(staging_key(upload.id))
            return done
        with self._writes.begin() as write:
            artifact = self._stage(write, actor, upload, expected)
            write.commit(receipt.completed(artifact) if receipt else None)
        reach(self._settings, "finalize.after_commit")
        return artifact

    def _stage(self, write: Write, actor: User, upload: Upload, expected: str) -> Artifact:
        """Claim the upload (one finalize at a time; a dead one's lease ends), read and check the package, store it
        and its parts under the package's claim, and stage the model as PENDING."""
        write.claim(f"upload:{upload.id}", lambda holder: busy("this upload", holder), keep=False)
        artifact_id = upload.artifact_id or new_id()
        stale = self._records.get_artifact(artifact_id, include_pending=True)
        if stale is not None:
            if stale.status is ArtifactStatus.READY:  # committed by a concurrent retry: the next one returns it
                raise Conflict("this upload was registered meanwhile; retry to get its model", retry_after_seconds=1)
            self._records.delete_artifact(artifact_id)  # a dead attempt's: it can no longer commit (we hold the upload)
        scratch = self._settings.scratch_dir
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="package-", dir=scratch) as workdir:
            checked = self._checked(upload, expected, workdir)
            assessment = checked.reading.assessment_or_refuse()
            if not assessment.admitted:
                raise assessment.refusal()
            package, manifest = checked.path, checked.manifest
            write.renew()
            declared = declared_version([], checked.repo.card_data.get("version")
                                        or (manifest.config or {}).get("version"))
            versions = self._artifacts.versions_of(ArtifactType.MODEL, upload.name)
            version = self._artifacts.claim_version(write, ArtifactType.MODEL, upload.name, upload.version or declared,
                                                    versions)
            claim = package_identity(expected)
            write.claim(claim, lambda holder: held_elsewhere(f"an identical package (sha256 {expected})", holder))

            def stored(key: str) -> None:
                write.stored_blob(key, claim)

            put_blob(self._blobs, blob_key(expected), package, stored)
            parts = store_parts(self._blobs, package, manifest, workdir, stored, expected)
        reach(self._settings, "finalize.after_blobs")
        artifact = _artifact_from(upload, actor, checked, parts, artifact_id, version)
        self._artifacts.stage_new(write, artifact, assessment.stored_form(), versions)
        staged = staging_key(upload.id)
        write.after_commit("staging", lambda: self._blobs.delete(staged))
        write.after_commit("audit", lambda: self._artifacts.audit(actor, artifact, AuditAction.CREATE))
        write.after_commit("event", lambda: events.emit(
            "upload.registered", artifact_id=artifact.id, name=artifact.name, version=artifact.version,
            by=actor.username, package_sha256=artifact.package_sha256))
        return artifact

    def _finalized(self, upload: Upload) -> Artifact | None:
        """The model this upload registered, once it is committed."""
        return self._records.get_artifact(upload.artifact_id) if upload.artifact_id else None

    def _own_upload(self, actor: User, upload_id: str, sha256: str) -> Upload:
        _sha256_of(sha256)  # a malformed hash is refused before anything is looked up
        upload = self._live_upload(upload_id)
        if upload.username != actor.username:
            raise NotFound("no such upload, or it has expired")  # as unknown ids: don't confirm someone else's
        return upload

    def upload_name(self, upload_id: str) -> str | None:
        """The name a pending upload registers its model under (None for an unknown id): what an audit entry of a
        refused upload names."""
        upload = self._uploads.get_upload(upload_id) if isinstance(upload_id, str) and _UPLOAD_ID.match(upload_id) \
            else None
        return upload.name if upload is not None else None

    # download --------------------------------------------------------------------------------------------------
    def stored_zip(self, artifact: Artifact, part: PackagePart = PackagePart.FULL) -> StoredZip:
        """The stored zip of `artifact`, whole or one part (scoring.parts). An ingested artifact is mirrored into
        the registry on its first download (MirrorPending while a large one is made in the background); one whose
        files are unsafe is refused (UnsafeContent). A mirror whose blobs are gone (another version with the same
        bytes was deleted at that moment) is made again. The caller has checked that its actor may download
        (registry/download.py does, and runs the monitor, history and audit)."""
        part = check_part(part)
        if artifact.package_sha256 is None:
            artifact = self._mirrors.ensure(artifact)
        found = self._find_zip(artifact, part)
        if found is None and artifact.source_url is not None:
            artifact = self._mirrors.ensure(artifact.model_copy(update={"package_sha256": None, "parts": {}}))
            found = self._find_zip(artifact, part)
        if found is None:
            raise NotFound(f"the stored {part.value} zip of {artifact.name!r} is missing")
        return found

    def _find_zip(self, artifact: Artifact, part: PackagePart) -> StoredZip | None:
        package = cast(str, artifact.package_sha256)
        whole = part is PackagePart.FULL
        sha = package if whole else artifact.parts.get(part.value)
        if sha is None:
            raise NotFound(f"the package of {artifact.name!r} has no {part.value} files")
        key = blob_key(sha) if whole else part_key(package, part.value)
        size = self._blobs.size(key)
        if size is None:
            return None
        return StoredZip(artifact=artifact, part=part, filename=_download_filename(artifact.name, part), sha256=sha,
                         size=size, key=key)

    def open_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end] (inclusive) of a stored zip, for a server that streams downloads itself."""
        return self._blobs.open_read(key, start, end)

    def local_path(self, key: str) -> str | None:
        """The local file holding a stored zip (embedded store), for a server that sends files itself."""
        return self._blobs.local_path(key)

    # internals -------------------------------------------------------------------------------------------------
    def _live_upload(self, upload_id: str) -> Upload:
        """The upload if it exists and has not expired; an expired one is cleaned up. Unknown and expired ids
        answer alike (404) so that the id stays a pure capability."""
        upload = self._uploads.get_upload(upload_id) if isinstance(upload_id, str) and _UPLOAD_ID.match(upload_id) \
            else None
        if upload is not None and as_utc(upload.expires_at) <= utcnow():
            self._discard(upload.id)
            upload = None
        if upload is None:
            raise NotFound("no such upload, or it has expired")
        return upload

    def _discard(self, upload_id: str) -> None:
        self._blobs.delete(staging_key(upload_id))
        self._uploads.delete_upload(upload_id)

    def preview_upload(self, actor: User, upload_id: str, sha256: str) -> Assessment:
        """Rate an uploaded package before finalizing it, as finalize would; nothing is stored and the upload
        stays open (finalize it next, or let it expire)."""
        require(actor, Permission.UPLOAD)
        upload = self._own_upload(actor, upload_id, sha256)
        scratch = self._settings.scratch_dir
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="package-", dir=scratch) as workdir:
            return self._checked(upload, _sha256_of(sha256), workdir).reading.assessment_or_refuse()

    def _checked(self, upload: Upload, expected: str, workdir: str) -> _CheckedPackage:
        """The staged bytes copied to `workdir`, their sha256 checked, read safely, scanned (refused when unsafe)
        and rated from their own contents."""
        package = os.path.join(workdir, "package.zip")
        staged = staging_key(upload.id)
        staged_size = self._blobs.size(staged)
        if staged_size is None:
            raise NotFound("nothing has been uploaded for this upload id")
        if staged_size > upload.max_bytes:  # a direct upload the store's own policy failed to cap
            raise TooLarge(f"the package is {staged_size} bytes; this upload accepts at most {upload.max_bytes}")
        self._blobs.download_to(staged, package)
        actual = file_sha256(package)
        if actual != expected:
            raise InvalidInput(f"sha256 mismatch: the uploaded package hashes to {actual}, not {expected}")
        manifest = inspect_package(self._settings, package)
        refuse_if_unsafe(upload.name, manifest.content_scan)
        card_data, card_error = parse_front_matter(manifest.readme) if manifest.readme else ({}, None)
        repo = _package_repo(upload.name, manifest, _json_safe(card_data), card_error)
        return _CheckedPackage(package, actual, manifest, repo, self._artifacts.assess(repo, Links()))


def download_url(base_url: str, artifact_id: str, part: PackagePart = PackagePart.FULL) -> str:
    """This server's download URL (GET /download/{id}, app/transfer.py), without a signature: used with the token
    header."""
    suffix = "" if part is PackagePart.FULL else f"?part={part.value}"
    return f"{base_url.rstrip('/')}/download/{artifact_id}{suffix}"


# stored packages: shared with registry/mirror.py ------------------------------------------------------------------
def inspect_package(settings: Settings, path: str, model: bool = True) -> ZipManifest:
    """The zip at `path` read with the configured caps (registry.zipsafe), its pickles scanned."""
    return inspect_zip(path, max_entries=settings.zip_max_entries, max_total_bytes=settings.zip_max_total_bytes,
                       max_ratio=settings.zip_max_ratio, model=model)


def put_blob(blobs: BlobStore, key: str, path: str, on_written: OnWritten | None = None) -> bool:
    """Conditional write; `on_written(key)` only when this call stored it. False when the key already existed (an
    existing blob has the same bytes: content-addressed; it is not this write's to clean up)."""
    if blobs.put_file(key, path):
        if on_written is not None:
            on_written(key)
        return True
    return False


def store_parts(blobs: BlobStore, package: str, manifest: ZipManifest, workdir: str, on_written: OnWritten | None,
                package_sha: str) -> dict[str, str]:
    """Write the package's download parts (weights, card) next to it; part name -> sha256 of its zip."""
    parts: dict[str, str] = {}
    for part in (PackagePart.WEIGHTS, PackagePart.CARD):
        members = [e for e in manifest.entries if in_part(part, e.path, e.size)]
        if not members:
            continue
        target = os.path.join(workdir, f"{part.value}.zip")
        _write_part(package, members, target, compress=part is not PackagePart.WEIGHTS)
        parts[part.value] = file_sha256(target)
        put_blob(blobs, part_key(package_sha, part.value), target, on_written)
    return parts


def with_scan(artifact: Artifact, scan: ContentScan) -> Artifact:
    return artifact.model_copy(update={"content_scan": scan})


def refuse_if_unsafe(name: str, scan: ContentScan | None) -> None:
    """Raise UnsafeContent naming each refused file and the globals it imports, when the scan's verdict is unsafe."""
    if scan is None or scan.verdict is not ContentVerdict.UNSAFE:
        return
    reasons: list[str] = []
    for file in sorted({finding.file for finding in scan.refused}):
        found = [finding for finding in scan.refused if finding.file == file]
        imports = sorted(f.global_name for f in found if f.global_name)
        reasons += [f"{file} imports {', '.join(imports)}"] if imports else []
        reasons += [f"{file} cannot be scanned ({f.detail})" for f in found if f.global_name is None]
    raise UnsafeContent(f"{name!r} is refused as unsafe: its pickles would run code when loaded, or cannot be "
                        f"checked: {'; '.join(reasons)}",
                        findings=[finding.model_dump(mode="json") for finding in scan.refused])


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# helpers ----------------------------------------------------------------------------------------------------------
def _write_part(package: str, members: list[ZipEntry], target: str, compress: bool) -> None:
    """Copy the chosen entries into a new zip, streaming entry by entry (weights are stored: they don't shrink).
    The source was fully verified by inspect_zip, so zipfile reads exactly the bytes that were hashed."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as out:
        for entry in sorted(members, key=lambda e: e.path):
            info = zipfile.ZipInfo(entry.path, date_time=ZIP_EPOCH)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            info.file_size = entry.size  # lets zipfile choose zip64 up front for entries over 2 GiB
            with source.open(entry.archive_name) as reader, out.open(info, "w") as writer:
                shutil.copyfileobj(reader, writer, _CHUNK)


def _sha256_of(value: str) -> str:
    """The hex digest a client sent, normalized; InvalidInput unless it is one."""
    expected = value.strip().lower() if isinstance(value, str) else ""
    if not _SHA256.match(expected):
        raise InvalidInput("sha256 must be 64 hexadecimal characters")
    return expected


def _final(refused: DomainError) -> bool:
    """Whether a finalize failure is final (the upload is removed) rather than curable by a retry."""
    return not isinstance(refused, (StoreUnavailable, Aborted)) and refused.retry_after is None


@dataclass(frozen=True)
class _CheckedPackage:
    """A staged package that passed every check: where it lies, its hash, what it holds, and its rating."""

    path: str
    sha256: str
    manifest: ZipManifest
    repo: HubRepo  # its contents as the rating reads a repository
    reading: Reading


def _package_repo(name: str, manifest: ZipManifest, card_data: dict[str, Any], card_error: str | None) -> HubRepo:
    """A package's contents as the rating reads a hub repository: the card, its front matter, the configs and the
    file list (no hub history: the rating says so). "acme/model" names owner and model, as on the hub."""
    owner, _, model = name.rpartition("/")
    library = card_data.get("library_name")
    pipeline = card_data.get("pipeline_tag")
    return HubRepo(ref=SourceRef(kind="hf_model", owner=owner, name=model or name), card_text=manifest.readme or "",
                   card_data=card_data, card_error=card_error, config=manifest.config,
                   config_error=manifest.config_error, adapter_config=manifest.adapter_config,
                   files=[RepoFile(path=e.path, size=e.size, sha256=e.sha256) for e in manifest.entries],
                   library_name=library if isinstance(library, str) else None,
                   pipeline_tag=pipeline if isinstance(pipeline, str) else None)


def _artifact_from(upload: Upload, actor: User, checked: _CheckedPackage, parts: dict[str, str],
                   artifact_id: str, version: str) -> Artifact:
    repo, manifest = checked.repo, checked.manifest
    source = UploadSource(root=manifest.root, card_data=repo.card_data, card_error=repo.card_error,
                          config=manifest.config, config_error=manifest.config_error,
                          adapter_config=manifest.adapter_config)
    return Artifact(id=artifact_id, type=ArtifactType.MODEL, name=upload.name, source_url=None,
                    version=version,
                    readme=manifest.readme or "",
                    files=[FileEntry(path=e.path, size=e.size, sha256=e.sha256) for e in manifest.entries],
                    package_sha256=checked.sha256, parts=parts, source=source, content_scan=manifest.content_scan,
                    parent_urls=list(dict.fromkeys(edge.target for edge in checked.reading.parents)),
                    created_by=actor.username)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """YAML front matter may hold dates and other non-JSON values; stores keep metadata as JSON."""
    return dict(json.loads(json.dumps(data, default=str)))


def _download_filename(name: str, part: PackagePart) -> str:
    stem = _FILENAME_UNSAFE.sub("_", name).strip("._") or "package"
    return f"{stem}.zip" if part is PackagePart.FULL else f"{stem}-{part.value}.zip"


def _as_file(stream: IO[bytes] | Iterable[bytes]) -> IO[bytes]:
    if hasattr(stream, "read"):
        return cast(IO[bytes], stream)
    return cast(IO[bytes], io.BufferedReader(_IterableReader(stream), _CHUNK))


class _IterableReader(io.RawIOBase):
    """A file-like view of an iterable of byte chunks, so the blob store can read a request body as it arrives."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        super().__init__()
        self._chunks = iter(chunks)
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count
