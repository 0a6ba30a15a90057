"""Group transactions: open, append, execute, read (registry/transactions.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.model import Artifact, Operation, User
from resolvers.scope import RequestScope, as_caller, as_caller_upstream


@dataclass(frozen=True)
class TransactionView:
    """A transaction and the artifacts its applied operations registered or changed."""

    record: Operation
    artifacts: dict[str, Artifact]


def _view(scope: RequestScope, actor: User, record: Operation) -> TransactionView:
    results = (record.result or {}).get("results") or []
    ids = [r["artifact_id"] for r in results if r.get("status") == "APPLIED" and r.get("artifact_id")]
    return TransactionView(record, scope.registry.artifacts.get_many(actor, ids) if ids else {})


async def open_transaction(scope: RequestScope, operations: list[dict[str, Any]]) -> TransactionView:
    return await as_caller(scope, lambda actor: _view(scope, actor,
                                                      scope.registry.transactions.open(actor, operations)))


async def append(scope: RequestScope, transaction_id: str, operation: dict[str, Any]) -> TransactionView:
    return await as_caller(scope, lambda actor: _view(scope, actor, scope.registry.transactions.append(
        actor, transaction_id, operation)))


async def execute(scope: RequestScope, transaction_id: str) -> TransactionView:
    """On the upstream bulkhead: executing reads the hub for every ingest and update."""
    return await as_caller_upstream(scope, lambda actor: _view(scope, actor, scope.registry.transactions.execute(
        actor, transaction_id)))


async def get(scope: RequestScope, transaction_id: str) -> TransactionView:
    return await as_caller(scope, lambda actor: _view(scope, actor,
                                                      scope.registry.transactions.get(actor, transaction_id)))
