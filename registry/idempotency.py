"""Idempotency keys: a client that lost an answer retries with the same key and gets the original result.

The key is the client's (GraphQL `idempotencyKey`, REST `Idempotency-Key`), scoped to the caller and the
mutation. The first request with it records an operation (registry/model.py Operation) holding a fingerprint of
the request, and leases it to its attempt. The write's commit completes the record in the same atomic step as the
artifacts (Guard.record), so a record is "done" exactly when the write committed:

- done: the retry answers with the committed result (the artifact as it is now; a deletion's record);
- pending under a live lease: the original request is still running: Conflict, retry after the lease;
- pending past the lease: the original attempt died, or its commit's outcome was unknown and it did not commit
  (else the record would be done): the retry takes the record over and runs the mutation again;
- a different request under the same key: InvalidInput (keys name one request).

A failure that certainly committed nothing (any expected error) removes the record, so the retry runs afresh.
Records expire after `idempotency_ttl_seconds` (DynamoDB TTL and the sweeper remove them).
"""
from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import re2

from registry.errors import Conflict, DomainError, InvalidInput, NotFound, StoreUnavailable
from registry.model import Artifact, ArtifactType, Operation, OperationKind, User, utcnow
from registry.ports import ArtifactStore, OperationStore
from registry.settings import Settings

_KEY = re2.compile(r"^[\x21-\x7e]{1,255}$")  # printable ASCII, as the IETF draft's examples and Stripe's
PENDING = "pending"
DONE = "done"


class Receipt:
    """The record of one idempotent request while its write runs: `completed` is what the commit writes."""

    def __init__(self, record: Operation) -> None:
        self.record = record

    def completed(self, artifact: Artifact, deleted: bool = False) -> Operation:
        return self.record.next(state=DONE, owner=None, lease_until=None,
                                result={"artifact_id": artifact.id, "type": artifact.type.value,
                                        "name": artifact.name, "deleted": deleted})


Work = Callable[[Receipt | None], Artifact]


class Idempotency:
    def __init__(self, settings: Settings, operations: OperationStore, artifacts: ArtifactStore) -> None:
        self._settings = settings
        self._operations = operations
        self._artifacts = artifacts

    def run(self, actor: User, operation: str, key: str | None, request: Mapping[str, Any], work: Work) -> Artifact:
        """`work(receipt)` once per key: its commit must write `receipt.completed(...)` (Guard.record)."""
        if key is None:
            return work(None)
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInput("an idempotency key is 1 to 255 printable ASCII characters")
        fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
        record_key = hashlib.sha256(json.dumps([actor.username, operation, key]).encode()).hexdigest()
        receipt, replay = self._begin(actor, record_key, fingerprint)
        if replay is not None:
            return self._replay(replay)
        assert receipt is not None
        try:
            return work(receipt)
        except StoreUnavailable as exc:
            if exc.details.get("outcome") != "unknown":
                self._operations.delete_operation(record_key, receipt.record.version)
            raise  # unknown: the record stays pending; a retry past its lease finds out
        except DomainError:
            self._operations.delete_operation(record_key, receipt.record.version)
            raise

    def _begin(self, actor: User, key: str, fingerprint: str) -> tuple[Receipt | None, Operation | None]:
        """Own the key (a receipt) or find its committed result (a record to replay)."""
        lease = self._settings.write_lease_seconds
        fresh = Operation(key=key, kind=OperationKind.IDEMPOTENCY, username=actor.username, state=PENDING,
                          owner=_attempt(), lease_until=time.time() + lease, fingerprint=fingerprint,
                          expires_at=utcnow() + timedelta(seconds=self._settings.idempotency_ttl_seconds))
        for _ in range(3):
            if self._operations.put_operation(fresh):
                return Receipt(fresh), None
            found = self._operations.get_operation(key)
            if found is None:
                continue  # removed meanwhile (its request failed): try to create it again
            if found.fingerprint != fingerprint:
                raise InvalidInput("this idempotency key was used for a different request; use a new key")
            if found.state == DONE:
                return None, found
            if (found.lease_until or 0) > time.time():
                wait = max(1, math.ceil((found.lease_until or 0) - time.time()))
                raise Conflict(f"a request with this idempotency key is still in progress; retry in {wait} s",
                               retry_after_seconds=wait)
            taken = found.next(owner=_attempt(), lease_until=time.time() + lease)
            if self._operations.put_operation(taken):
                return Receipt(taken), None
        raise Conflict("requests with this idempotency key keep racing; retry", retry_after_seconds=1)

    def _replay(self, record: Operation) -> Artifact:
        result = record.result or {}
        artifact_id = str(result.get("artifact_id"))
        if result.get("deleted"):
            return Artifact(id=artifact_id, type=ArtifactType(result["type"]), name=str(result["name"]))
        artifact = self._artifacts.get_artifact(artifact_id)
        if artifact is None:
            raise NotFound(f"the request with this idempotency key created {artifact_id!r}, which has since been "
                           "deleted")
        return artifact


def _attempt() -> str:
    return uuid.uuid4().hex
