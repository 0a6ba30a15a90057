"""Lineage graph, size cost and license check."""
from __future__ import annotations

from registry.lineage import DEFAULT_DEPTH, CostEntry, LineageDirection, LineageGraph
from registry.model import ArtifactType, User
from resolvers.artifact import checked_model, on_typed
from resolvers.scope import RequestScope, as_caller, as_caller_upstream
from scoring.compat import CompatibilityVerdict
from scoring.parts import PackagePart


async def graph(scope: RequestScope, artifact_id: str, depth: int = DEFAULT_DEPTH,
                direction: LineageDirection = LineageDirection.BOTH, model_only: bool = False) -> LineageGraph:
    """The lineage graph; `model_only` for a door whose operation is defined on models (REST)."""
    def run(actor: User) -> LineageGraph:
        if model_only:
            checked_model(scope, actor, artifact_id)
        return scope.registry.lineage.graph(actor, artifact_id, depth, direction)

    return await as_caller(scope, run)


async def cost(scope: RequestScope, artifact_id: str, part: PackagePart | None, with_dependencies: bool,
               artifact_type: ArtifactType | None = None) -> dict[str, CostEntry]:
    return await on_typed(scope, artifact_type, artifact_id,
                          lambda actor: scope.registry.lineage.cost(actor, artifact_id, part, with_dependencies))


async def license_check(scope: RequestScope, artifact_id: str, github_url: str) -> CompatibilityVerdict:
    return await as_caller_upstream(scope, scope.registry.lineage.license_check, artifact_id, github_url)
