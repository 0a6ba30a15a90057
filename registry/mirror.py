"""Mirrors: an ingested artifact's files, at the revision it was registered with, copied into a stored package on
its first download, so that datasets and code download like models and every download reads what was rated.

What is copied (`Mirrors.ensure`):
- a Hugging Face model or dataset: each file ingest listed, streamed from the hub at the recorded commit into one
  zip; each file's size, and the sha256 the hub gives its LFS files, must match what ingest recorded, or nothing is
  stored (UPSTREAM_ERROR: re-ingest it);
- a GitHub repository (code, or a dataset kept on GitHub): the zip archive of the recorded commit as GitHub makes
  it (`/repos/{o}/{r}/zipball/{sha}`), streamed under the upload cap. GitHub publishes no hash of its archives:
  the sha256 of what was stored is recorded, and the commit pins what is in it.
Then as an upload: read with the zip caps, the pickles scanned (an unsafe verdict is kept on the record, so later
downloads refuse without fetching again, and UNSAFE_CONTENT is raised), stored content-addressed with its parts,
and the record given the package's sha256, onto the record as it is then (a change made meanwhile, such as
marking the model sensitive, is kept). Blobs appear whole or not at all, so no download ever sees part of one.

When: a mirror of at most `Settings.mirror_inline_bytes` runs within the request. A bigger one (a large dataset;
on AWS anything that might not finish within API Gateway's 30 s) runs in the background: the request that finds
it missing takes the artifact's job in the store (`MirrorStore.start_mirror`: one job per artifact, whichever
process asks) and hands it to this process's workers, and every request answers MirrorPending (HTTP 202 with
Retry-After) until the package is stored. The worker renews its lease as bytes arrive; a job whose worker stopped
(a process that died; on Lambda, an environment frozen between invocations) is taken over by the next request
once its lease runs out. A failed job shows its error for `mirror_retry_after_seconds`, then is tried again.
"""
from __future__ import annotations

import hashlib
import logging
import os
import queue
import secrets
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Protocol

from registry import events
from registry.artifacts import pinned_ref
from registry.errors import (DomainError, InvalidInput, MirrorPending, NotFound, TooLarge, UnsafeContent,
                             UpstreamError)
from registry.model import Artifact, ArtifactType, ContentVerdict, FileEntry, MirrorJob, MirrorState, \
    utcnow
from registry.package import (ZIP_EPOCH, file_sha256, inspect_package, put_blob, refuse_if_unsafe, store_parts,
                              with_scan)
from registry.paging import as_utc
from registry.ports import ArtifactStore, BlobStore, MirrorStore, blob_key
from registry.settings import Settings
from registry.sourcing import upstream_errors
from scoring.sources.types import SourceRef

_log = logging.getLogger("registry.mirror")
# How a failed background job's error is raised again to the requests that ask while it is shown.
_FAILURES: dict[str, type[DomainError]] = {cls.code: cls for cls in (UpstreamError, NotFound, TooLarge, InvalidInput,
                                                                     UnsafeContent)}
Progress = Callable[[], None]


class HubFiles(Protocol):
    def iter_file(self, ref: SourceRef, path: str) -> Iterator[bytes]: ...


class GitHubArchives(Protocol):
    def iter_archive(self, ref: SourceRef, revision: str) -> Iterator[bytes]: ...


class Background:
    """Worker threads (at most `workers`, started on first use) running submitted jobs in order. Daemon threads: a
    mirror cut off at exit is taken over later through its lease, so shutting down never waits for one."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, job: Callable[[], None]) -> None:
        with self._idle:
            self._busy += 1
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._serve, name=f"mirror-{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        self._queue.put(job)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every submitted job has finished; False if `timeout` seconds passed first."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:  # a job records its own failures; this only keeps the worker alive
                _log.exception("a background job failed", extra={"event": "error"})
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()


class _Superseded(Exception):
    """This worker's lease ran out and another took the job over: it stops, and leaves the outcome to that one."""


class Mirrors:
    def __init__(self, settings: Settings, records: ArtifactStore, jobs: MirrorStore, blobs: BlobStore,
                 hub: HubFiles, github: GitHubArchives, background: Background | None = None) -> None:
        self._settings = settings
        self._records = records
        self._jobs = jobs
        self._blobs = blobs
        self._hub = hub
        self._github = github
        self._background = background or Background(settings.mirror_workers)

    def ensure(self, artifact: Artifact) -> Artifact:
        """`artifact` with its stored package: mirrored now when small, else MirrorPending while a background mirror
        makes it (see the module's docstring). The caller has checked that its actor may download."""
        if artifact.package_sha256 is not None:
            return artifact
        refuse_if_unsafe(artifact.name, artifact.content_scan)  # known bad: don't fetch it again
        source = self._source(artifact)
        if artifact.size_bytes > self._settings.max_upload_bytes:
            raise TooLarge(f"{artifact.name!r} is {artifact.size_bytes} bytes; packages are capped at "
                           f"{self._settings.max_upload_bytes}")
        if artifact.size_bytes > self._settings.mirror_inline_bytes:
            return self._in_background(artifact, source)
        return self._mirror(artifact, source, lambda: None)

    def wait_idle(self, timeout: float) -> bool:
        """Wait for this process's background mirrors (tests and benchmarks); False if `timeout` passed first."""
        return self._background.wait_idle(timeout)

    # background ------------------------------------------------------------------------------------------------
    def _in_background(self, artifact: Artifact, source: SourceRef) -> Artifact:
        now = utcnow()
        job = self._jobs.get_mirror(artifact.id)
        if job is not None and as_utc(job.lease_until) > now:
            if job.state is MirrorState.FAILED:
                raise _FAILURES.get(job.error_code or "", UpstreamError)(job.error or "the mirror failed")
            raise self._pending(artifact)
        owner = secrets.token_hex(16)
        lease = now + timedelta(seconds=self._settings.mirror_lease_seconds)
        if self._jobs.start_mirror(MirrorJob(artifact_id=artifact.id, owner=owner, started_at=now, lease_until=lease)):
            current = self._records.get_artifact(artifact.id)
            if current is not None and current.package_sha256 is not None:  # a mirror finished meanwhile
                self._jobs.end_mirror(artifact.id, owner)
                return current
            events.emit("mirror.started", artifact_id=artifact.id, name=artifact.name, bytes=artifact.size_bytes)
            self._background.submit(partial(self._run, artifact, source, owner))
        raise self._pending(artifact)

    def _pending(self, artifact: Artifact) -> MirrorPending:
        return MirrorPending(f"the files of {artifact.name!r} ({artifact.size_bytes} bytes) are being copied into the "
                             "registry; ask again shortly", self._settings.mirror_retry_after_seconds)

    def _run(self, artifact: Artifact, source: SourceRef, owner: str) -> None:
        """One background mirror: its lease renewed as bytes arrive, its outcome recorded on its job."""
        lease = self._settings.mirror_lease_seconds
        renewed = time.monotonic()

        def progress() -> None:
            nonlocal renewed
            if time.monotonic() - renewed >= lease / 3:
                renewed = time.monotonic()
                if not self._jobs.renew_mirror(artifact.id, owner, utcnow() + timedelta(seconds=lease)):
                    raise _Superseded()

        try:
            mirrored = self._mirror(artifact, source, progress)
        except _Superseded:
            return
        except DomainError as failed:
            self._fail(artifact, owner, failed.code, failed.message)
            return
        except Exception:
            _log.exception("a background mirror failed", extra={"event": "error"})
            self._fail(artifact, owner, UpstreamError.code, f"the files of {artifact.name!r} could not be copied; "
                                                            "ask again to retry")
            return
        self._jobs.end_mirror(artifact.id, owner)
        events.emit("mirror.done", artifact_id=artifact.id, name=artifact.name, package_sha256=mirrored.package_sha256)

    def _fail(self, artifact: Artifact, owner: str, code: str, message: str) -> None:
        shown_until = utcnow() + timedelta(seconds=self._settings.mirror_retry_after_seconds)
        self._jobs.end_mirror(artifact.id, owner, MirrorJob(artifact_id=artifact.id, owner=owner,
                                                            state=MirrorState.FAILED, lease_until=shown_until,
                                                            error_code=code, error=message))
        events.emit("mirror.failed", logging.WARNING, artifact_id=artifact.id, name=artifact.name, code=code)

    # the copy ----------------------------------------------------------------------------------------------------
    def _source(self, artifact: Artifact) -> SourceRef:
        """The artifact's source at its recorded revision; NotFound for one that has nothing to mirror."""
        if not artifact.source_url:
            raise NotFound(f"{artifact.name!r} has no stored package and no source to copy one from")
        with upstream_errors():
            return pinned_ref(artifact)

    def _mirror(self, artifact: Artifact, source: SourceRef, progress: Progress) -> Artifact:
        scratch = self._settings.scratch_dir  # the sweeper removes what a crash leaves there
        scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="mirror-", dir=scratch) as workdir:
            package = os.path.join(workdir, "package.zip")
            with upstream_errors():
                if source.kind == "github":
                    self._write_archive(source, package, progress)
                else:
                    self._write_hub_files(source, artifact.files, package, progress)
            sha = file_sha256(package)
            manifest = inspect_package(self._settings, package, model=artifact.type is ArtifactType.MODEL)
            if manifest.content_scan.verdict is ContentVerdict.UNSAFE:
                # readers see why; later downloads refuse without fetching
                self._records.replace_artifact(with_scan(self._current(artifact), manifest.content_scan))
                refuse_if_unsafe(artifact.name, manifest.content_scan)
            put_blob(self._blobs, blob_key(sha), package)  # an identical concurrent mirror is fine: same bytes
            parts = store_parts(self._blobs, package, manifest, workdir, None, sha)
        # Onto the record as it is now, not as it was when the (long) mirror began: a change made meanwhile, such as
        # marking the model sensitive, must not be undone by the mirror.
        mirrored = with_scan(self._current(artifact), manifest.content_scan).model_copy(
            update={"package_sha256": sha, "parts": parts})
        self._records.replace_artifact(mirrored)
        return mirrored

    def _current(self, artifact: Artifact) -> Artifact:
        current = self._records.get_artifact(artifact.id)
        if current is None:
            raise NotFound(f"{artifact.name!r} was deleted while its files were being mirrored")
        return current

    def _write_hub_files(self, ref: SourceRef, files: list[FileEntry], target: str, progress: Progress) -> None:
        """Every listed file into one zip (stored: weights don't shrink), each checked against its listing."""
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for entry in sorted(files, key=lambda f: f.path):
                info = zipfile.ZipInfo(entry.path, date_time=ZIP_EPOCH)
                info.external_attr = 0o644 << 16
                info.file_size = entry.size
                digest, size = hashlib.sha256(), 0
                with archive.open(info, "w", force_zip64=entry.size > 2**31) as writer:
                    for chunk in self._hub.iter_file(ref, entry.path):
                        size += len(chunk)
                        if size > entry.size:
                            raise UpstreamError(f"{entry.path} is larger on the hub than ingest recorded")
                        digest.update(chunk)
                        writer.write(chunk)
                        progress()
                if size != entry.size or (entry.sha256 and digest.hexdigest() != entry.sha256):
                    raise UpstreamError(f"{entry.path} on the hub does not match what ingest recorded "
                                        "(size or sha256); re-ingest the artifact")

    def _write_archive(self, ref: SourceRef, target: str, progress: Progress) -> None:
        """The archive of the recorded commit, as GitHub makes it, under the package cap."""
        cap, size = self._settings.max_upload_bytes, 0
        with open(target, "wb") as out:
            for chunk in self._github.iter_archive(ref, ref.revision or "HEAD"):
                size += len(chunk)
                if size > cap:
                    raise TooLarge(f"the archive of {ref.repo_id} is over the {cap}-byte package cap")
                out.write(chunk)
                progress()
