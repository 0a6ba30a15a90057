"""Ratings: the stored snapshot, and a fresh re-rating."""
from __future__ import annotations

from resolvers.scope import RequestScope, as_caller, as_caller_upstream
from scoring.rating import Rating


async def stored(scope: RequestScope, artifact_id: str) -> Rating:
    return await as_caller(scope, scope.registry.artifacts.rating, artifact_id)


async def rerate(scope: RequestScope, artifact_id: str) -> Rating:
    return await as_caller_upstream(scope, scope.registry.artifacts.rerate, artifact_id)
