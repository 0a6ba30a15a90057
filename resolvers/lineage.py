"""Lineage graph, size cost and license check."""
from __future__ import annotations

from registry.lineage import CostEntry, LineageDirection, LineageGraph
from resolvers.context import RequestScope, call
from scoring.compat import CompatibilityVerdict


async def graph(scope: RequestScope, artifact_id: str, depth: int, direction: LineageDirection) -> LineageGraph:
    return await call(scope.registry.lineage.graph, await scope.user(), artifact_id, depth, direction)


async def cost(scope: RequestScope, artifact_id: str, part: str | None,
               with_dependencies: bool) -> dict[str, CostEntry]:
    return await call(scope.registry.lineage.cost, await scope.user(), artifact_id, part, with_dependencies)


async def license_check(scope: RequestScope, artifact_id: str, github_url: str) -> CompatibilityVerdict:
    return await call(scope.registry.lineage.license_check, await scope.user(), artifact_id, github_url)
