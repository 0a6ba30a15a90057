"""Atomic group transactions (the course's high-assurance track): related packages change together or not at all.

Three stages, each its own request:
1. `open` creates an empty transaction (OPEN), owned by the caller, expiring after `transaction_ttl_seconds`;
2. `append` adds operations: ingest a URL, register an uploaded package (request an upload and send its bytes
   first), or update an artifact's source. Each is checked for shape at once; nothing is read or written yet;
3. `execute` runs them as one write (registry/writes.py): every operation is staged in order (upstream reads,
   ratings and gates, package checks, claims, PENDING records, stored blobs), and only if all of them succeed is
   everything committed in one atomic step of the store: one SQLite transaction, or one DynamoDB
   TransactWriteItems (at most `max_transaction_operations` operations: the 100 items and 4 MB a transaction
   holds). Readers see all the new and changed artifacts at once, or none of them, whatever runs concurrently.

If any operation fails, nothing is applied: the transaction ends FAILED, each failing operation carries its error
(CONFLICT, DISQUALIFIED, NOT_FOUND, ...) and the others are ABORTED. Conflicts are found per operation: the same
source, package or artifact claimed by a concurrent write or named twice in the transaction. The transaction's
final state is recorded in the same commit as its artifacts, so COMMITTED is never recorded without them; an
executor that dies leaves it EXECUTING until its lease ends, after which it reads as FAILED (nothing was applied:
its staged records and blobs are rolled back by the sweeper). Executing a finished transaction again answers its
outcome (safe to retry).
"""
from __future__ import annotations

import secrets
import time
import uuid
from datetime import timedelta
from typing import Any

import re2

from registry.artifacts import ArtifactService
from registry.auth import require
from registry.crashpoints import reach
from registry.errors import Aborted, Conflict, DomainError, InvalidInput, NotFound, TooLarge
from registry.model import Artifact, ArtifactType, Operation, OperationKind, Permission, User, utcnow
from registry.package import PackageService
from registry.paging import as_utc
from registry.ports import OperationStore
from registry.rating import Links
from registry.settings import Settings
from registry.sourcing import upstream_errors
from registry.validation import check_artifact_id
from registry.version import normalize_version
from registry.writes import Write, Writes
from scoring.sources.url import parse_source_url

OPEN, EXECUTING, COMMITTED, FAILED = "OPEN", "EXECUTING", "COMMITTED", "FAILED"
INGEST, UPLOAD, UPDATE = "ingest", "upload", "update"
PENDING, APPLIED, OPERATION_FAILED, ABORTED = "PENDING", "APPLIED", "FAILED", "ABORTED"
_ID = re2.compile(r"^[A-Za-z0-9_-]{16,64}$")
_FIELDS = {INGEST: {"kind", "type", "url", "name", "code_url", "dataset_urls"},
           UPLOAD: {"kind", "upload_id", "sha256"},
           UPDATE: {"kind", "artifact_id", "url", "name", "code_url", "dataset_urls", "version"}}


class TransactionService:
    def __init__(self, settings: Settings, operations: OperationStore, writes: Writes, artifacts: ArtifactService,
                 packages: PackageService) -> None:
        self._settings = settings
        self._operations = operations
        self._writes = writes
        self._artifacts = artifacts
        self._packages = packages

    def open(self, actor: User, operations: list[dict[str, Any]] | None = None) -> Operation:
        """A new OPEN transaction, with `operations` appended already."""
        require(actor, Permission.UPLOAD)
        checked = [self._checked(operation) for operation in operations or []]
        self._check_count(len(checked))
        record = Operation(key=secrets.token_urlsafe(18), kind=OperationKind.TRANSACTION, username=actor.username,
                           state=OPEN, body={"operations": checked},
                           expires_at=utcnow() + timedelta(seconds=self._settings.transaction_ttl_seconds))
        if not self._operations.put_operation(record):
            raise Conflict("could not open a transaction; retry")
        return record

    def get(self, actor: User, transaction_id: str) -> Operation:
        """The caller's transaction (an admin's: anyone's). One whose executor died past its lease reads FAILED."""
        require(actor, Permission.UPLOAD)
        record = self._operations.get_operation(transaction_id) \
            if isinstance(transaction_id, str) and _ID.match(transaction_id) else None
        if record is None or record.kind is not OperationKind.TRANSACTION or as_utc(record.expires_at) <= utcnow() \
                or (record.username != actor.username and not actor.is_admin):
            raise NotFound(f"no transaction {transaction_id!r} (or it has expired)")
        if record.state == EXECUTING and (record.lease_until or 0) < time.time():
            failed = _finished(record, FAILED, _abandoned(record))
            return failed if self._operations.put_operation(failed) else self.get(actor, transaction_id)
        return record

    def append(self, actor: User, transaction_id: str, operation: dict[str, Any]) -> Operation:
        """Add one operation to an OPEN transaction (compare-and-set: concurrent appends all land)."""
        checked = self._checked(operation)
        for _ in range(5):
            record = self.get(actor, transaction_id)
            if record.state != OPEN:
                raise Conflict(f"the transaction is {record.state}; operations are appended to open ones only")
            operations = [*record.body["operations"], checked]
            self._check_count(len(operations))
            if self._operations.put_operation(record.next(body={"operations": operations})):
                return record.next(body={"operations": operations})
        raise Conflict("the transaction keeps changing; retry", retry_after_seconds=1)

    def execute(self, actor: User, transaction_id: str) -> Operation:
        """Apply every operation atomically, or none (see the module). A finished transaction answers its outcome."""
        record = self.get(actor, transaction_id)
        if record.state in (COMMITTED, FAILED):
            return record
        if record.state == EXECUTING:
            wait = max(1, int((record.lease_until or 0) - time.time()) + 1)
            raise Conflict(f"the transaction is being executed by another request; retry in {wait} s",
                           retry_after_seconds=wait)
        operations: list[dict[str, Any]] = record.body["operations"]
        if not operations:
            raise InvalidInput("the transaction has no operations; append some first")
        running = record.next(state=EXECUTING, owner=uuid.uuid4().hex,
                              lease_until=time.time() + self._settings.write_lease_seconds)
        if not self._operations.put_operation(running):
            raise Conflict("the transaction was executed by another request at the same moment; read it again",
                           retry_after_seconds=1)
        try:
            outcome = self._run(actor, running, operations)
        except Aborted as exc:  # a reset was running: nothing was staged
            outcome = _finished(running, FAILED, [{"index": i, "kind": operation["kind"], "status": ABORTED,
                                                   "error": _error(exc)} for i, operation in enumerate(operations)])
        if outcome.state == FAILED:
            self._operations.put_operation(outcome)  # if this fails, the lease ends and it reads FAILED anyway
        return outcome

    def _run(self, actor: User, running: Operation, operations: list[dict[str, Any]]) -> Operation:
        """Stage every operation, then commit them with the COMMITTED record, or return the FAILED record."""
        with self._writes.begin() as write:
            results = [self._stage(write, actor, index, operation) for index, operation in enumerate(operations)]
            failed = [r["index"] for r in results if r["status"] == OPERATION_FAILED]
            if not failed:
                reach(self._settings, "transaction.after_prepare")
                committed = _finished(running, COMMITTED, [{**r, "status": APPLIED} for r in results])
                try:
                    write.commit(committed)
                    return committed
                except (Aborted, NotFound, TooLarge) as exc:
                    return _finished(running, FAILED, [{**r, "status": ABORTED, "error": _error(exc)}
                                                       for r in results])
        return _finished(running, FAILED, [r if r["status"] == OPERATION_FAILED else
                                           {**r, "status": ABORTED, "error": _aborted(failed)} for r in results])

    # internals -------------------------------------------------------------------------------------------------
    def _stage(self, write: Write, actor: User, index: int, operation: dict[str, Any]) -> dict[str, Any]:
        """Stage one operation; its result (STAGED with the artifact, or FAILED with the error)."""
        result: dict[str, Any] = {"index": index, "kind": operation["kind"]}
        try:
            artifact = self._staged(write, actor, operation)
        except DomainError as exc:
            return {**result, "status": OPERATION_FAILED, "error": _error(exc)}
        return {**result, "status": PENDING, "artifact_id": artifact.id}

    def _staged(self, write: Write, actor: User, operation: dict[str, Any]) -> Artifact:
        kind = operation["kind"]
        if kind == UPLOAD:
            return self._packages.stage_finalize(write, actor, operation["upload_id"], operation["sha256"])
        links = Links(operation.get("code_url"), tuple(operation.get("dataset_urls") or ()))
        if kind == INGEST:
            return self._artifacts.stage_ingest(write, actor, ArtifactType(operation["type"]), operation["url"],
                                                operation.get("name"), links)
        keep = operation.get("code_url") is None and operation.get("dataset_urls") is None
        return self._artifacts.stage_update(write, actor, operation["artifact_id"], operation["url"],
                                            operation.get("name"), None if keep else links, operation.get("version"))

    def _checked(self, operation: dict[str, Any]) -> dict[str, Any]:
        """The operation's shape and URLs, checked before anything runs (its effects are checked at execute)."""
        kind = operation.get("kind")
        if kind not in _FIELDS:
            raise InvalidInput(f"an operation is one of {', '.join(sorted(_FIELDS))}")
        unknown = set(operation) - _FIELDS[kind]
        if unknown:
            raise InvalidInput(f"unknown fields in a {kind} operation: {', '.join(sorted(unknown))}")
        if kind == UPLOAD:
            if not isinstance(operation.get("upload_id"), str) or not isinstance(operation.get("sha256"), str):
                raise InvalidInput("an upload operation names the upload_id and the package's sha256")
        else:
            if kind == UPDATE:
                check_artifact_id(str(operation.get("artifact_id") or ""))
                if operation.get("version") is not None:
                    normalize_version(str(operation["version"]))
            elif operation.get("type") not in {t.value for t in ArtifactType}:
                raise InvalidInput(f"an ingest's type is one of {', '.join(t.value for t in ArtifactType)}")
            urls = [operation.get("url"), operation.get("code_url"), *(operation.get("dataset_urls") or [])]
            with upstream_errors():
                for url in urls:
                    if url is not None:
                        parse_source_url(str(url))
            if not isinstance(operation.get("url"), str):
                raise InvalidInput(f"an {kind} operation names its url")
        return {key: value for key, value in operation.items() if value is not None}

    def _check_count(self, count: int) -> None:
        if count > self._settings.max_transaction_operations:
            raise TooLarge(f"a transaction holds at most {self._settings.max_transaction_operations} operations")


def _finished(record: Operation, state: str, results: list[dict[str, Any]]) -> Operation:
    return record.next(state=state, owner=None, lease_until=None, result={"results": results})


def _error(exc: DomainError) -> dict[str, Any]:
    return {"code": exc.code, "message": exc.message, "details": exc.details or None}


def _aborted(failed: list[int]) -> dict[str, Any]:
    which = ", ".join(str(index) for index in failed)
    return {"code": Aborted.code, "message": f"not applied: operation(s) {which} of the transaction failed",
            "details": None}


def _abandoned(record: Operation) -> list[dict[str, Any]]:
    message = "not applied: the server executing the transaction stopped before it committed"
    return [{"index": i, "kind": operation["kind"], "status": ABORTED,
             "error": {"code": Aborted.code, "message": message, "details": None}}
            for i, operation in enumerate(record.body["operations"])]
