"""Small in-memory stand-ins for the two store ports: enough for PackageService's unit tests, with switches to
play the S3 flavour (presigned URLs) the embedded adapters never produce."""
from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from registry.errors import Aborted, Conflict, NotFound, TooLarge
from registry.model import (Artifact, ArtifactStatus, ArtifactType, ArtifactView, AuditEntry, DownloadRecord,
                            MirrorJob, Monitor, Operation, Token, Upload, User)
from registry.paging import as_utc, sort_key, version_sort_key
from registry.ports import Claim, Epoch, Guard, TokenGrant


class MemoryMetadata:
    """The MetadataStore methods the package and user services use."""

    def __init__(self) -> None:
        self.artifacts: dict[str, Artifact] = {}
        self.ratings: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, Upload] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, Token] = {}
        self.audit: list[AuditEntry] = []
        self.monitors: dict[str, Monitor] = {}
        self.downloads: list[DownloadRecord] = []
        self.appearances: Counter[str] = Counter()
        self.settings: dict[str, dict[str, Any]] = {}
        self.claims: dict[str, Claim] = {}
        self.operations: dict[str, Operation] = {}
        self.epoch = Epoch(0, 0.0)
        self._lock = threading.RLock()  # each method is atomic, as the ports require
        self.mirrors: dict[str, MirrorJob] = {}

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        wanted = set(types or ArtifactType)
        return sorted((a.model_copy(deep=True) for a in self.artifacts.values()
                       if a.name == name and a.type in wanted and a.status is ArtifactStatus.READY), key=sort_key)

    def latest_version_id(self, kind: ArtifactType, name: str) -> str | None:
        found = max(self.find_by_name(name, [kind]), key=version_sort_key, default=None)
        return found.id if found is not None else None

    def start_mirror(self, job: MirrorJob) -> bool:
        held = self.mirrors.get(job.artifact_id)
        if held is not None and as_utc(held.lease_until) > as_utc(job.started_at):
            return False
        self.mirrors[job.artifact_id] = job
        return True

    def get_mirror(self, artifact_id: str) -> MirrorJob | None:
        return self.mirrors.get(artifact_id)

    def renew_mirror(self, artifact_id: str, owner: str, lease_until: Any) -> bool:
        held = self.mirrors.get(artifact_id)
        if held is None or held.owner != owner:
            return False
        self.mirrors[artifact_id] = held.model_copy(update={"lease_until": lease_until})
        return True

    def end_mirror(self, artifact_id: str, owner: str, failure: MirrorJob | None = None) -> None:
        held = self.mirrors.get(artifact_id)
        if held is not None and held.owner == owner:
            if failure is None:
                del self.mirrors[artifact_id]
            else:
                self.mirrors[artifact_id] = failure

    def get_setting(self, name: str) -> dict[str, Any] | None:
        return self.settings.get(name)

    def put_setting(self, name: str, value: dict[str, Any]) -> None:
        self.settings[name] = value

    def create_artifact(self, artifact: Artifact) -> None:
        if artifact.id in self.artifacts:
            raise Conflict("exists")
        self.artifacts[artifact.id] = artifact.model_copy(deep=True)

    def replace_artifact(self, artifact: Artifact) -> None:
        if artifact.id not in self.artifacts:
            raise NotFound(artifact.id)
        self.artifacts[artifact.id] = artifact.model_copy(deep=True)

    def mark_ready(self, artifact_id: str) -> None:
        self.artifacts[artifact_id].status = ArtifactStatus.READY

    def get_artifact(self, artifact_id: str, include_pending: bool = False) -> Artifact | None:
        found = self.artifacts.get(artifact_id)
        if found is None or (found.status is not ArtifactStatus.READY and not include_pending):
            return None
        return found.model_copy(deep=True)

    def get_artifact_view(self, artifact_id: str) -> ArtifactView | None:
        found = self.get_artifact(artifact_id)
        return None if found is None else ArtifactView.model_validate(found.model_dump())

    def get_artifacts_snapshot(self, artifact_ids: Sequence[str]) -> dict[str, Artifact]:
        with self._lock:
            found = {i: self.get_artifact(i) for i in artifact_ids}
        return {i: artifact for i, artifact in found.items() if artifact is not None}

    def delete_artifact(self, artifact_id: str) -> None:
        self.artifacts.pop(artifact_id, None)
        self.ratings.pop(artifact_id, None)
        self.monitors.pop(artifact_id, None)
        self.appearances.pop(artifact_id, None)
        self.mirrors.pop(artifact_id, None)

    def count_appearances(self, artifact_ids: Iterable[str]) -> None:
        self.appearances.update(set(artifact_ids))

    def search_appearances(self, artifact_ids: Iterable[str]) -> dict[str, int]:
        return {i: self.appearances[i] for i in artifact_ids if i in self.appearances}

    def put_monitor(self, monitor: Monitor) -> None:
        self.monitors[monitor.artifact_id] = monitor

    def get_monitor(self, artifact_id: str) -> Monitor | None:
        return self.monitors.get(artifact_id)

    def delete_monitor(self, artifact_id: str) -> None:
        self.monitors.pop(artifact_id, None)

    def append_download(self, record: DownloadRecord) -> None:
        self.downloads.append(record)

    def list_downloads(self, artifact_id: str, limit: int = 1000) -> list[DownloadRecord]:
        return sorted((d for d in self.downloads if d.artifact_id == artifact_id), key=lambda d: d.at)[:limit]

    def count_artifacts(self) -> int:
        return len(self.artifacts)

    def commit(self, ready: Sequence[Artifact] = (), replaced: Sequence[Artifact] = (), deleted: Sequence[str] = (),
               ratings: Mapping[str, dict[str, Any]] | None = None, guard: Guard = Guard()) -> None:
        with self._lock:
            self._check(guard, ready, replaced)
            for key, owner in guard.settle:
                self.claims[key] = Claim(key, owner, None)
            for key, _ in guard.release:
                del self.claims[key]
            for key in guard.drop:
                self.claims.pop(key, None)
            for key, owner, expires in guard.lease:
                self.claims[key] = Claim(key, owner, expires)
            if guard.record is not None:
                self.operations[guard.record.key] = guard.record
            for artifact in ready:
                self.artifacts[artifact.id].status = ArtifactStatus.READY
            for artifact in replaced:
                self.artifacts[artifact.id] = artifact.model_copy(deep=True)
            for artifact_id in deleted:
                self.delete_artifact(artifact_id)
            self.ratings.update(ratings or {})

    def _check(self, guard: Guard, ready: Sequence[Artifact], replaced: Sequence[Artifact]) -> None:
        if guard.epoch is not None and guard.epoch != self.epoch.value:
            raise Aborted("reset meanwhile")
        for key, owner in (*guard.settle, *guard.release):
            if key not in self.claims or self.claims[key].owner != owner:
                raise Aborted("claim lost")
        if guard.record is not None and not self._record_fits(guard.record):
            raise Aborted("record changed")
        if any(a.id not in self.artifacts for a in (*ready, *replaced)):
            raise NotFound("gone")

    # claims, epoch, operations: what the writes (registry/writes.py) use
    def claim(self, key: str, owner: str, lease_seconds: float) -> bool:
        with self._lock:
            held = self.claims.get(key)
            now = time.time()
            if held is not None and (held.expires_at is None or (held.expires_at > now and held.owner != owner)):
                return False
            self.claims[key] = Claim(key, owner, now + lease_seconds)
            return True

    def get_claim(self, key: str) -> Claim | None:
        return self.claims.get(key)

    def release(self, key: str, owner: str | None = None) -> None:
        with self._lock:
            if key in self.claims and (owner is None or self.claims[key].owner == owner):
                del self.claims[key]

    def get_epoch(self) -> Epoch:
        return self.epoch

    def swap_epoch(self, expected: int, new: int) -> bool:
        with self._lock:
            if self.epoch.value != expected:
                return False
            self.epoch = Epoch(new, time.time())
            return True

    def put_operation(self, record: Operation) -> bool:
        with self._lock:
            if not self._record_fits(record):
                return False
            self.operations[record.key] = record
            return True

    def _record_fits(self, record: Operation) -> bool:
        stored = self.operations.get(record.key)
        return stored is None if record.version == 1 else stored is not None and stored.version == record.version - 1

    def get_operation(self, key: str) -> Operation | None:
        return self.operations.get(key)

    def delete_operation(self, key: str, version: int | None = None) -> None:
        with self._lock:
            if key in self.operations and (version is None or self.operations[key].version == version):
                del self.operations[key]

    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None:
        self.ratings[artifact_id] = rating

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None:
        return self.ratings.get(artifact_id)

    def find_by_source(self, source_urls: list[str]) -> dict[str, list[Artifact]]:
        ready = [a for a in self.artifacts.values() if a.status is ArtifactStatus.READY]
        return {url: found for url in source_urls if (found := [a for a in ready if a.source_url == url])}

    def put_upload(self, upload: Upload) -> None:
        self.uploads[upload.id] = upload

    def get_upload(self, upload_id: str) -> Upload | None:
        return self.uploads.get(upload_id)

    def delete_upload(self, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)

    def append_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    def list_audit(self, artifact_id: str, limit: int = 1000) -> list[AuditEntry]:
        return [e for e in self.audit if e.artifact_id == artifact_id][:limit]

    def put_user(self, user: User, overwrite: bool = False) -> None:
        if user.username in self.users and not overwrite:
            raise Conflict("exists")
        self.users[user.username] = user

    def get_user(self, username: str) -> User | None:
        return self.users.get(username)

    def delete_user(self, username: str) -> None:
        self.users.pop(username, None)

    def put_token(self, token: Token) -> None:
        self.tokens[token.token_hash] = token

    def reserve_token_uses(self, token_hash: str, max_uses: int, wanted: int = 1) -> TokenGrant | None:
        token = self.tokens.get(token_hash)
        if token is None or token.uses >= max_uses:
            return None
        granted = min(max(wanted, 1), max_uses - token.uses)
        token.uses += granted
        return TokenGrant(token.model_copy(), granted)

    def release_token_uses(self, token_hash: str, unused: int) -> None:
        token = self.tokens.get(token_hash)
        if token is not None:
            token.uses = max(token.uses - unused, 0)


class MemoryBlobs:
    """A dict of bytes. `presign` turns on S3-like presigned URLs for uploads and downloads."""

    def __init__(self, presign: bool = False) -> None:
        self.blobs: dict[str, bytes] = {}
        self.presign = presign

    def local_path(self, key: str) -> str | None:
        return None

    def put_file(self, key: str, path: str) -> bool:
        if key in self.blobs:
            return False
        with open(path, "rb") as handle:
            self.blobs[key] = handle.read()
        return True

    def put_stream(self, key: str, stream: IO[bytes], max_bytes: int) -> int:
        data = bytearray()
        while chunk := stream.read(64 * 1024):
            data += chunk
            if len(data) > max_bytes:
                raise TooLarge(f"more than {max_bytes} bytes")
        self.blobs[key] = bytes(data)
        return len(data)

    def exists(self, key: str) -> bool:
        return key in self.blobs

    def size(self, key: str) -> int | None:
        return len(self.blobs[key]) if key in self.blobs else None

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        if key not in self.blobs:
            raise NotFound(key)
        data = self.blobs[key]
        stop = len(data) if end is None else end + 1
        return iter([data[i:min(i + 1000, stop)] for i in range(start, stop, 1000)])

    def download_to(self, key: str, path: str) -> None:
        with open(path, "wb") as handle:
            shutil.copyfileobj(_Reader(self.blobs[key]), handle)

    def delete(self, key: str) -> None:
        self.blobs.pop(key, None)

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str | None:
        return f"https://bucket.example/{key}?filename={filename}" if self.presign else None

    def presign_upload(self, key: str, max_bytes: int, ttl_seconds: int) -> dict[str, Any] | None:
        if not self.presign:
            return None
        return {"url": "https://bucket.example/", "method": "POST",
                "fields": {"key": key, "policy": f"max={max_bytes}"}, "headers": {}}


class _Reader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def read(self, size: int = -1) -> bytes:
        size = len(self._data) if size < 0 else size
        chunk, self._data = self._data[:size], self._data[size:]
        return bytes(chunk)
