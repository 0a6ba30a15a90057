"""Lineage graph, size cost and license check."""
from __future__ import annotations

from registry.lineage import CostEntry, LineageDirection, LineageGraph
from resolvers.context import RequestScope, as_caller
from scoring.compat import CompatibilityVerdict


async def graph(scope: RequestScope, artifact_id: str, depth: int, direction: LineageDirection) -> LineageGraph:
    return await as_caller(scope, scope.registry.lineage.graph, artifact_id, depth, direction)


async def cost(scope: RequestScope, artifact_id: str, part: str | None,
               with_dependencies: bool) -> dict[str, CostEntry]:
    return await as_caller(scope, scope.registry.lineage.cost, artifact_id, part, with_dependencies)


async def license_check(scope: RequestScope, artifact_id: str, github_url: str) -> CompatibilityVerdict:
    return await as_caller(scope, scope.registry.lineage.license_check, artifact_id, github_url)
