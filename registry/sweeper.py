"""The sweeper: finishes or rolls back what interrupted writes left, and logs what it did.

It runs when the local server starts and then periodically (app/factory.py), on a schedule in AWS
(app/lambda_handler.py, template.yaml), and on demand (the admin's `sweepRegistry` mutation). Each pass:

1. finishes a reset a crash interrupted (the epoch left odd): the wipe again, the epoch even;
2. rolls back PENDING records older than the lease (a write that never committed; an acknowledged write is always
   READY, so nothing acknowledged is ever removed);
3. removes the store's leftovers of interrupted commits (DynamoDB: chunks, ratings and parent links of records
   that are gone) and expired claims (a dead writer's);
4. removes expired idempotency records and group transactions;
5. removes expired uploads and their staged bytes, staged bytes whose upload is gone, blobs no record references
   (under the package's claim, so no upload can be reusing them meanwhile), the blob store's temporaries, and
   finalize/mirror scratch folders;
6. checkpoints the store (SQLite's write-ahead log);
7. upgrades records an earlier release wrote to this one's indexes (DynamoDB heads from before versions).

Only things older than `write_lease_seconds` are touched (a live writer renews its leases and is younger), or, on a
store this process owns (the embedded store serves one process), anything from before this process started (its
writers died with the previous process: a retry after a crash and restart does not wait for their leases); each
kind is capped at `sweep_batch` items per pass. Work is finished or rolled back, never half-done by the sweeper: it
deletes blobs only while holding their package's claim, and changes records only by compare-and-set.
"""
from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import islice

from registry import events
from registry.model import ArtifactStatus
from registry.paging import as_utc
from registry.ports import (PACKAGE_PREFIX, PART_PREFIX, STAGING_PREFIX, BlobStore, MetadataStore, package_keys,
                            package_of)
from registry.settings import Settings
from registry.writes import WriteFence, package_identity

_SCRATCH_PREFIXES = ("package-", "mirror-")
# The event a schedule sends the Lambda function to run a pass (template.yaml, app/lambda_handler.py).
SCHEDULED_SWEEP = {"registry_task": "sweep"}


@dataclass
class SweepReport:
    """How many things of each kind one pass removed or finished."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, number: int) -> None:
        if number:
            self.counts[kind] = self.counts.get(kind, 0) + number

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Sweeper:
    def __init__(self, settings: Settings, metadata: MetadataStore, blobs: BlobStore, fence: WriteFence,
                 wipe: Callable[[], None]) -> None:
        """`wipe`: what a reset does inside its barrier (finishing an interrupted one does it again)."""
        self._settings = settings
        self._metadata = metadata
        self._blobs = blobs
        self._fence = fence
        self._wipe = wipe
        self._lock = threading.Lock()  # one pass at a time in this process
        # A store this process owns (the embedded store serves one process) has no other writer: whatever a write
        # left there before this process started is a dead writer's, whatever its lease says.
        self._dead_before = time.time() if fence.owns_store else None

    def sweep(self) -> SweepReport:
        with self._lock:
            started = time.monotonic()
            report = SweepReport()
            horizon = self._horizon()
            report.add("resets_finished", int(self._fence.finish_abandoned_reset(self._wipe)))
            report.add("pending_records_rolled_back", self._roll_back_pending(horizon))
            report.add("record_leftovers", self._metadata.sweep_leftovers(horizon, self._settings.sweep_batch))
            report.add("expired_claims", self._expired_claims())
            self._operations(report)
            report.add("expired_uploads", self._expired_uploads())
            self._blobs_and_scratch(report, horizon)
            self._metadata.checkpoint()
            report.add("records_upgraded", self._metadata.upgrade_records(self._settings.sweep_batch))
            report.seconds = round(time.monotonic() - started, 3)
        if report.total:
            events.emit("sweep.finished", **report.counts, seconds=report.seconds)
        return report

    def _roll_back_pending(self, horizon: float) -> int:
        stale = [a for a in self._metadata.scan_artifacts()
                 if a.status is ArtifactStatus.PENDING and as_utc(a.updated_at).timestamp() < horizon]
        for artifact in stale[:self._settings.sweep_batch]:
            self._metadata.delete_artifact(artifact.id)
        return min(len(stale), self._settings.sweep_batch)

    def _horizon(self) -> float:
        """Work older than this (epoch seconds) is a dead writer's: older than the lease, or from before this
        process started when it owns the store."""
        horizon = time.time() - self._settings.write_lease_seconds
        return horizon if self._dead_before is None else max(horizon, self._dead_before)

    def _expired_claims(self) -> int:
        """Claims past their lease; with an owned store also those leased before this process started (a lease
        taken since runs to at least start + lease), so a retry after a crash and restart need not wait it out."""
        cutoff = time.time()
        if self._dead_before is not None:
            cutoff = max(cutoff, self._dead_before + self._settings.write_lease_seconds - 1e-3)
        expired = self._metadata.expired_claims(cutoff, self._settings.sweep_batch)
        return sum(self._metadata.drop_expired(claim) for claim in expired)

    def _operations(self, report: SweepReport) -> None:
        now = datetime.now(timezone.utc)
        for record in self._metadata.expired_operations(now, self._settings.sweep_batch):
            self._metadata.delete_operation(record.key, record.version)
            report.add(f"expired_{record.kind.value}_records", 1)

    def _expired_uploads(self) -> int:
        expired = self._metadata.expired_uploads(datetime.now(timezone.utc), self._settings.sweep_batch)
        for upload in expired:
            self._blobs.delete(f"{STAGING_PREFIX}{upload.id}")
            self._metadata.delete_upload(upload.id)
        return len(expired)

    def _blobs_and_scratch(self, report: SweepReport, horizon: float) -> None:
        cutoff = datetime.fromtimestamp(horizon, timezone.utc)
        referenced = {key for artifact in self._metadata.scan_artifacts() for key in package_keys(artifact)}
        orphans: dict[str, list[str]] = {}
        for prefix in (PACKAGE_PREFIX, PART_PREFIX):
            for blob in self._blobs.list_blobs(prefix):
                package = package_of(blob.key)
                if package and blob.key not in referenced and as_utc(blob.modified_at) < cutoff:
                    orphans.setdefault(package, []).append(blob.key)
        report.add("orphan_blobs", self._remove_orphans(dict(islice(orphans.items(), self._settings.sweep_batch))))
        staged = 0
        for blob in islice(self._blobs.list_blobs(STAGING_PREFIX), self._settings.sweep_batch * 10):
            upload = self._metadata.get_upload(blob.key[len(STAGING_PREFIX):])
            if upload is None and as_utc(blob.modified_at) < cutoff:
                self._blobs.delete(blob.key)
                staged += 1
        report.add("orphan_staged_uploads", staged)
        report.add("blob_temporaries", self._blobs.sweep_temporaries(cutoff))
        report.add("scratch_folders", self._scratch(horizon))

    def _remove_orphans(self, orphans: dict[str, list[str]]) -> int:
        """Delete unreferenced blobs while holding their packages' claims (free ones only: an upload of the same
        bytes that holds one may be about to use them, and once we hold it none can start), after checking again
        that no record committed since the listing references them."""
        owner = f"sweeper-{uuid.uuid4().hex}"
        held = [package for package in orphans
                if self._metadata.claim(package_identity(package), owner, self._settings.write_lease_seconds)]
        try:
            referenced = {key for artifact in self._metadata.scan_artifacts() for key in package_keys(artifact)}
            doomed = [key for package in held for key in orphans[package] if key not in referenced]
            for key in doomed:
                self._blobs.delete(key)
            return len(doomed)
        finally:
            for package in held:
                self._metadata.release(package_identity(package), owner)

    def _scratch(self, horizon: float) -> int:
        """Finalize and mirror folders a killed process left in the scratch directory."""
        folder = self._settings.scratch_dir
        if not folder.is_dir():
            return 0
        removed = 0
        for child in folder.iterdir():
            try:
                old = child.stat().st_mtime < horizon
            except FileNotFoundError:
                continue
            if child.is_dir() and child.name.startswith(_SCRATCH_PREFIXES) and old:
                shutil.rmtree(child, ignore_errors=True)
                removed += 1
        return removed


class PeriodicSweeper:
    """On a daemon thread until stopped: `sweep` now and then every `interval` seconds, and `checkpoint` every
    `checkpoint_interval` seconds in between (SQLite's log grows between sweeps under sustained writes). A failed
    run (a store outage) is logged and the next one tries again."""

    def __init__(self, sweep: Callable[[], object], interval: float, checkpoint: Callable[[], object],
                 checkpoint_interval: float) -> None:
        self._tasks = [("sweep", sweep, interval), ("checkpoint", checkpoint, checkpoint_interval)]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        due = {name: 0.0 for name, _, _ in self._tasks}
        while not self._stop.is_set():
            for name, task, interval in self._tasks:
                if time.monotonic() >= due[name]:
                    due[name] = time.monotonic() + interval
                    try:
                        task()
                    except Exception as exc:
                        events.emit(f"{name}.failed", logging.WARNING, error=f"{type(exc).__name__}: {exc}")
            self._stop.wait(max(0.0, min(due.values()) - time.monotonic()))
