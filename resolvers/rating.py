"""Ratings: the stored snapshot, and a fresh re-rating."""
from __future__ import annotations

from resolvers.context import RequestScope, call
from scoring.rating import Rating


async def stored(scope: RequestScope, artifact_id: str) -> Rating:
    return await call(scope.registry.artifacts.rating, await scope.user(), artifact_id)


async def rerate(scope: RequestScope, artifact_id: str) -> Rating:
    return await call(scope.registry.artifacts.rerate, await scope.user(), artifact_id)
