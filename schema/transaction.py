"""GraphQL for atomic group transactions: open, append, execute (mutations) and read (query).

Semantics (registry/transactions.py): every operation of an executed transaction becomes visible at once, or none
does; each operation reports its own status and error.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from registry.errors import Aborted
from registry.errors import ErrorCode as DomainErrorCode
from resolvers import transaction as transactions
from resolvers.transaction import TransactionView
from schema.errors import payload
from schema.types import ArtifactNode, ArtifactType, UserError


@strawberry.enum(description="OPEN takes operations; EXECUTING runs them; COMMITTED: all applied; FAILED: none.")
class TransactionState(enum.Enum):
    OPEN = "OPEN"
    EXECUTING = "EXECUTING"
    COMMITTED = "COMMITTED"
    FAILED = "FAILED"


@strawberry.enum(description="PENDING: not executed yet; APPLIED; FAILED: this operation's own error; ABORTED: not "
                             "applied because the transaction failed.")
class OperationStatus(enum.Enum):
    PENDING = "PENDING"
    APPLIED = "APPLIED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"


@strawberry.enum
class OperationKind(enum.Enum):
    INGEST = "ingest"
    UPLOAD = "upload"
    UPDATE = "update"


@strawberry.type
class TransactionOperation:
    index: int
    kind: OperationKind
    status: OperationStatus
    url: str | None = None
    name: str | None = None
    upload_id: str | None = None
    target_id: str | None = strawberry.field(default=None, description="The artifact an update changes.")
    artifact: ArtifactNode | None = strawberry.field(default=None, description="What an applied operation "
                                                     "registered or changed.")
    error: UserError | None = None


@strawberry.type
class GroupTransaction:
    id: strawberry.ID
    state: TransactionState
    operations: list[TransactionOperation]
    created_at: datetime
    expires_at: datetime

    @classmethod
    def from_view(cls, view: TransactionView) -> "GroupTransaction":
        record = view.record
        results = {r["index"]: r for r in (record.result or {}).get("results") or []}
        operations = [_operation(i, spec, results.get(i), view)
                      for i, spec in enumerate(record.body.get("operations", []))]
        return cls(id=strawberry.ID(record.key), state=TransactionState(record.state), operations=operations,
                   created_at=record.created_at, expires_at=record.expires_at)


def _operation(index: int, spec: dict[str, Any], result: dict[str, Any] | None,
               view: TransactionView) -> TransactionOperation:
    result = result or {}
    error = result.get("error")
    artifact = view.artifacts.get(result.get("artifact_id") or "")
    return TransactionOperation(
        index=index, kind=OperationKind(spec["kind"]), status=OperationStatus(result.get("status", "PENDING")),
        url=spec.get("url"), name=spec.get("name"), upload_id=spec.get("upload_id"), target_id=spec.get("artifact_id"),
        artifact=ArtifactNode.from_domain(artifact) if artifact else None,
        error=UserError(code=DomainErrorCode(error["code"]), message=error["message"],
                        details=error.get("details")) if error else None)


@strawberry.input
class IngestOperationInput:
    type: ArtifactType  # type: ignore[valid-type]
    url: str
    name: str | None = None
    code_url: str | None = None
    dataset_urls: list[str] | None = None


@strawberry.input
class UploadOperationInput:
    upload_id: str = strawberry.field(description="An upload whose bytes were sent (requestUpload, then the PUT or "
                                                  "POST its ticket names).")
    sha256: str


@strawberry.input
class UpdateOperationInput:
    artifact_id: str
    url: str
    name: str | None = None
    code_url: str | None = None
    dataset_urls: list[str] | None = None
    version: str | None = strawberry.field(
        default=None, description="The new version's number; default: the one the source declares, else the next "
                                  "patch (as updateArtifact).")


@strawberry.input(one_of=True, description="Exactly one of the three.")
class TransactionOperationInput:
    ingest: IngestOperationInput | None = strawberry.UNSET
    upload: UploadOperationInput | None = strawberry.UNSET
    update: UpdateOperationInput | None = strawberry.UNSET

    def to_dict(self) -> dict[str, Any]:
        if self.ingest:
            i = self.ingest
            return {"kind": "ingest", "type": i.type.value,  # type: ignore[attr-defined]
                    "url": i.url, "name": i.name, "code_url": i.code_url,
                    "dataset_urls": i.dataset_urls}
        if self.upload:
            return {"kind": "upload", "upload_id": self.upload.upload_id, "sha256": self.upload.sha256}
        assert self.update
        u = self.update
        return {"kind": "update", "artifact_id": u.artifact_id, "url": u.url, "name": u.name, "code_url": u.code_url,
                "dataset_urls": u.dataset_urls, "version": u.version}


@strawberry.input
class OpenTransactionInput:
    operations: list[TransactionOperationInput] | None = strawberry.field(
        default=None, description="Operations to append at once (more can be appended later).")


@strawberry.input
class AppendToTransactionInput:
    transaction_id: strawberry.ID
    operation: TransactionOperationInput


@strawberry.input
class ExecuteTransactionInput:
    transaction_id: strawberry.ID


@strawberry.type
class TransactionPayload:
    transaction: GroupTransaction | None = None
    errors: list[UserError] = strawberry.field(default_factory=list, description="Why the request failed; a FAILED "
                                               "transaction also lists ABORTED here, each operation's error being "
                                               "on the operation.")


async def _payload(info: Info, view: TransactionView) -> dict[str, object]:
    transaction = GroupTransaction.from_view(view)
    errors: list[UserError] = []
    if transaction.state is TransactionState.FAILED:
        failed = [str(o.index) for o in transaction.operations if o.status is OperationStatus.FAILED]
        cause = f"operation(s) {', '.join(failed)} failed" if failed else "it could not commit"
        errors.append(UserError.from_domain(Aborted(f"the transaction was not applied: {cause}")))
        info.context.scope.note_error(Aborted.code)
    return {"transaction": transaction, "errors": errors}


@strawberry.type
class TransactionMutation:
    @strawberry.mutation(description="Open a group transaction (stage 1 of 3): operations appended to it are applied "
                                     "all together, or none of them, when it is executed.")
    async def open_transaction(self, info: Info, input: OpenTransactionInput) -> TransactionPayload:
        async def work() -> dict[str, object]:
            operations = [op.to_dict() for op in input.operations or []]
            return await _payload(info, await transactions.open_transaction(info.context.scope, operations))
        return await payload(info, TransactionPayload, work)

    @strawberry.mutation(description="Append an ingest, upload or update to an open transaction (stage 2).")
    async def append_to_transaction(self, info: Info, input: AppendToTransactionInput) -> TransactionPayload:
        async def work() -> dict[str, object]:
            view = await transactions.append(info.context.scope, str(input.transaction_id), input.operation.to_dict())
            return await _payload(info, view)
        return await payload(info, TransactionPayload, work)

    @strawberry.mutation(description="Execute a transaction (stage 3): every operation is applied atomically, or "
                                     "none is and each failing one says why. Executing it again answers its outcome.")
    async def execute_transaction(self, info: Info, input: ExecuteTransactionInput) -> TransactionPayload:
        async def work() -> dict[str, object]:
            return await _payload(info, await transactions.execute(info.context.scope, str(input.transaction_id)))
        return await payload(info, TransactionPayload, work)


@strawberry.type
class TransactionQuery:
    @strawberry.field(description="A group transaction of yours (admins: anyone's), with each operation's outcome.")
    async def transaction(self, info: Info, id: strawberry.ID) -> GroupTransaction:
        return GroupTransaction.from_view(await transactions.get(info.context.scope, str(id)))
