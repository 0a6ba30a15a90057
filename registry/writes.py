"""Writes that finish or leave no trace: the unit of work every mutation goes through, and the reset barrier.

A `Write` is one attempt at a mutation (ingest, update, delete, finalize, a group transaction):
1. It begins inside the `WriteFence` (no reset runs meanwhile in this process) under the registry epoch it reads.
2. It takes leased claims (`claim`) on what it creates or changes: a source identity, a package's bytes, an upload,
   an artifact. A claim names the write as its owner and expires unless renewed (`renew`), so a writer that dies
   never holds one for good.
3. It stages its changes: PENDING records (written now, invisible), replacements, deletions, ratings.
4. `commit` applies all of it in one atomic step of the store together with the guard (registry/ports.py
   Guard): the epoch must not have moved, the write must still hold its claims (they become settled, or are
   dropped), and an operation record (idempotency key, group transaction) is completed in the same step.
5. After the commit, follow-ups (removing replaced blobs, audit entries, events) are best effort: a failure there
   is logged and left to the sweeper, never reported as a failed write.

If anything fails before the commit, the write rolls back what it staged (best effort: PENDING records, blobs it
stored, its claims); whatever a crash leaves behind is PENDING, leased or unreferenced, and the sweeper removes it.
If the commit itself cannot be confirmed (the store stopped answering), the outcome is unknown: nothing is rolled
back, and the client is told so (STORE_UNAVAILABLE, details.outcome = "unknown") with the ids to check or the
idempotency key to retry with.

Reset is a barrier (`WriteFence.resetting`): in this process it stops new writes and waits up to
`reset_drain_seconds` for running ones; across processes, the epoch is odd while a reset runs, and a write commits
only under the (even) epoch it began in, so a write that overlapped a reset in any way never commits.
"""
from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from registry import events
from registry.errors import Aborted, Conflict, DomainError, StoreUnavailable
from registry.model import Artifact, ArtifactStatus, Operation
from registry.ports import ArtifactStore, BlobStore, Claim, ClaimStore, Epoch, EpochStore, Guard, RatingStore
from registry.settings import Settings

Refusal = Callable[[Claim | None], DomainError]


def package_identity(sha256: str) -> str:
    """The claim of "a registered package with these bytes" (held for good by the artifact that stores them)."""
    return f"package:{sha256}"


def held_elsewhere(what: str, holder: Claim | None) -> Conflict:
    """The answer when someone else holds a claim: final when it is settled, "retry" while it is leased."""
    if holder is None or holder.expires_at is None:
        return Conflict(f"{what} is already registered")
    wait = max(1, math.ceil(holder.expires_at - time.time()))
    return Conflict(f"{what} is being registered by another request right now; retry in {wait} s",
                    retry_after_seconds=wait)


class WriteFence:
    """The reset barrier: writes enter it under the current epoch; a reset waits for them and moves the epoch.

    `owns_store`: this process is the store's only user (the embedded store belongs to one server), so a reset
    left half-done (odd epoch) when nothing here is resetting was interrupted by a crash, and may be finished at
    once; otherwise only once it is older than the lease (another instance may still be running it)."""

    def __init__(self, epochs: EpochStore, settings: Settings, owns_store: bool) -> None:
        self._epochs = epochs
        self._drain = settings.reset_drain_seconds
        self._lease = settings.write_lease_seconds
        self._owns_store = owns_store
        self._condition = threading.Condition()
        self._active = 0
        self._resetting = False

    @property
    def owns_store(self) -> bool:
        return self._owns_store

    @contextmanager
    def entered(self) -> Iterator[int]:
        """Enter as a write; yields the epoch it must commit under."""
        with self._condition:
            if not self._condition.wait_for(lambda: not self._resetting, timeout=self._drain):
                raise Aborted("a registry reset is in progress; retry shortly", retry_after_seconds=5)
            self._active += 1
        try:
            epoch = self._epochs.get_epoch()
            if epoch.resetting:
                raise Aborted("a registry reset is in progress; retry shortly", retry_after_seconds=5)
            yield epoch.value
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify_all()

    @contextmanager
    def resetting(self) -> Iterator[None]:
        """Run a reset: no new writes in this process, running ones drained (or fenced off by the epoch), the
        epoch odd while the body wipes the registry, even again after it. A body that fails leaves the epoch odd:
        writes stay refused until a reset completes (an admin's retry, or the sweeper's)."""
        with self._condition:
            self._condition.wait_for(lambda: not self._resetting)
            self._resetting = True
            self._condition.wait_for(lambda: self._active == 0, timeout=self._drain)
        try:
            started = self._begin_reset()
            yield
            self._epochs.swap_epoch(started, started + 1)
        finally:
            with self._condition:
                self._resetting = False
                self._condition.notify_all()

    def _begin_reset(self) -> int:
        """Make the epoch odd; an odd one left by a reset nobody runs any more is taken over (this process holds
        the only reset slot here, so with an owned store any odd epoch is such a leftover)."""
        epoch = self._epochs.get_epoch()
        if not epoch.resetting:
            if not self._epochs.swap_epoch(epoch.value, epoch.value + 1):
                raise Aborted("another reset began at the same moment; retry", retry_after_seconds=1)
            return epoch.value + 1
        if not (self._owns_store or self._stale(epoch)):
            raise Aborted("another reset is in progress; retry shortly", retry_after_seconds=5)
        self._epochs.swap_epoch(epoch.value, epoch.value)  # taken over: its clock starts again
        return epoch.value

    def _stale(self, epoch: Epoch) -> bool:
        return time.time() - epoch.changed_at > self._lease

    def abandoned(self, epoch: Epoch) -> bool:
        """Whether an odd epoch is a reset nobody is running any more."""
        if not epoch.resetting:
            return False
        with self._condition:
            running_here = self._resetting
        return (self._owns_store and not running_here) or self._stale(epoch)

    def finish_abandoned_reset(self, wipe: Callable[[], None]) -> bool:
        """The sweeper's: complete a reset a crash interrupted (the wipe again, then the epoch even)."""
        if not self.abandoned(self._epochs.get_epoch()):
            return False
        with self.resetting():
            wipe()
        return True


class Writes:
    """Begins writes; holds what every write needs (the stores, the fence, the lease)."""

    def __init__(self, settings: Settings, fence: WriteFence, claims: ClaimStore, artifacts: ArtifactStore,
                 ratings: RatingStore, blobs: BlobStore) -> None:
        self.settings = settings
        self.fence = fence
        self.claims = claims
        self.artifacts = artifacts
        self.ratings = ratings
        self.blobs = blobs

    @contextmanager
    def begin(self) -> Iterator[Write]:
        """A write inside the fence; rolled back unless it committed (or its commit's outcome is unknown)."""
        with self.fence.entered() as epoch:
            write = Write(self, epoch)
            try:
                yield write
            finally:
                if not write.committed:
                    write.rollback()


class Write:
    """One attempt at a mutation: claims, staged changes, one commit (see the module's docstring)."""

    def __init__(self, writes: Writes, epoch: int) -> None:
        self.id = uuid.uuid4().hex
        self.epoch = epoch
        self.committed = False
        self.outcome_unknown = False
        self._writes = writes
        self._claims: dict[str, bool] = {}  # key -> settled at commit (else dropped)
        self._drop: list[str] = []
        self._lease: list[str] = []
        self._created: list[Artifact] = []
        self._replaced: list[Artifact] = []
        self._deleted: list[str] = []
        self._ratings: dict[str, dict[str, Any]] = {}
        self._blobs: list[tuple[str, str]] = []  # (blob key, the claim that protects it)
        self._after: list[tuple[str, Callable[[], None]]] = []

    # claims ----------------------------------------------------------------------------------------------------
    def claim(self, key: str, refusal: Refusal, keep: bool = True) -> None:
        """Take `key` under a lease or raise `refusal(holder)`. `keep`: settled for good by the commit (an
        identity, a package's bytes); otherwise released by it (an upload, an artifact being changed)."""
        if key in self._claims:
            raise Conflict(f"this request names the same thing twice ({key.split(':', 1)[0]})")
        if not self._writes.claims.claim(key, self.id, self._writes.settings.write_lease_seconds):
            raise refusal(self._writes.claims.get_claim(key))
        self._claims[key] = keep

    def renew(self) -> None:
        """Extend the leases of every claim held; Aborted if one was taken over (this write was too slow)."""
        for key in self._claims:
            if not self._writes.claims.claim(key, self.id, self._writes.settings.write_lease_seconds):
                raise Aborted("this write took longer than its lease and another request took over; nothing was "
                              "stored", retry_after_seconds=1)

    def give_up(self, key: str) -> None:
        """Drop `key` at the commit, whoever holds it (an update's previous identity, a deleted artifact's)."""
        self._drop.append(key)

    def keep_leased(self, key: str) -> None:
        """At the commit, hand `key` to this write under a lease (a deleted package's bytes while they are
        removed); the follow-up that removes them releases it."""
        self._lease.append(key)

    # staged changes --------------------------------------------------------------------------------------------
    def create(self, artifact: Artifact, rating: dict[str, Any] | None = None) -> None:
        """Write `artifact` as PENDING now (invisible), and its rating; READY at the commit."""
        artifact.status = ArtifactStatus.PENDING
        self._writes.artifacts.create_artifact(artifact)
        self._created.append(artifact)
        if rating is not None:
            self._writes.ratings.put_rating(artifact.id, rating)

    def replace(self, artifact: Artifact, rating: dict[str, Any] | None = None) -> None:
        self._replaced.append(artifact)
        if rating is not None:
            self._ratings[artifact.id] = rating

    def delete(self, artifact_id: str) -> None:
        self._deleted.append(artifact_id)

    def stored_blob(self, key: str, protected_by: str) -> None:
        """A blob this write stored under the claim `protected_by`: removed again if the write rolls back."""
        self._blobs.append((key, protected_by))

    def after_commit(self, step: str, effect: Callable[[], None]) -> None:
        """A follow-up run after the commit, best effort (logged and left to the sweeper if it fails)."""
        self._after.append((step, effect))

    # commit and rollback ---------------------------------------------------------------------------------------
    def guard(self, record: Operation | None = None) -> Guard:
        expires = time.time() + self._writes.settings.write_lease_seconds
        return Guard(epoch=self.epoch,
                     settle=tuple((key, self.id) for key, keep in self._claims.items() if keep),
                     release=tuple((key, self.id) for key, keep in self._claims.items() if not keep),
                     drop=tuple(sorted(set(self._drop) - set(self._lease) - set(self._claims))),
                     lease=tuple((key, self.id, expires) for key in self._lease),
                     record=record)

    def commit(self, record: Operation | None = None) -> None:
        """Everything staged, at once, under the guard; then the follow-ups."""
        for artifact in self._created:
            artifact.status = ArtifactStatus.READY
        try:
            self._writes.artifacts.commit(ready=self._created, replaced=self._replaced, deleted=self._deleted,
                                          ratings=self._ratings, guard=self.guard(record))
        except StoreUnavailable as exc:
            self.outcome_unknown = True
            ids = [a.id for a in (*self._created, *self._replaced)] + self._deleted
            raise StoreUnavailable(f"{exc.message}. The write may or may not have committed: retry with the same "
                                   "idempotency key (or upload id) to find out, or look the artifact up",
                                   retry_after_seconds=exc.retry_after or 5, outcome="unknown",
                                   artifact_ids=ids) from exc
        except BaseException:
            for artifact in self._created:
                artifact.status = ArtifactStatus.PENDING
            raise
        self.committed = True
        for step, effect in self._after:
            try:
                effect()
            except Exception as exc:  # committed: the client's answer stays "done"; the sweeper finishes this
                events.emit("write.followup_failed", logging.WARNING, step=step, write=self.id,
                            error=f"{type(exc).__name__}: {exc}")

    def rollback(self) -> None:
        """Undo what was staged, best effort; what a failure here leaves is PENDING, leased or unreferenced, and
        the sweeper removes it. Nothing is undone when the commit's outcome is unknown."""
        if self.committed or self.outcome_unknown:
            return
        try:
            for artifact in self._created:
                self._writes.artifacts.delete_artifact(artifact.id)
            still_held = {key for key in self._claims
                          if self._writes.claims.claim(key, self.id, self._writes.settings.write_lease_seconds)}
            for key, protected_by in self._blobs:
                if protected_by in still_held:  # else another writer may be using the same bytes now
                    self._writes.blobs.delete(key)
            for key in self._claims:
                self._writes.claims.release(key, self.id)
        except Exception as exc:
            events.emit("write.rollback_deferred", logging.WARNING, write=self.id,
                        error=f"{type(exc).__name__}: {exc}")
