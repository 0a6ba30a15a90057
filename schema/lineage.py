"""Lineage, cost and license-check fields of the Query root (merged into Query in schema/graphql.py)."""
from __future__ import annotations

import strawberry
from strawberry.types import Info

from registry import lineage
from resolvers import lineage as resolve
from schema.types import ArtifactType, LineageDirection, PackagePart


@strawberry.type
class LineageNode:
    artifact_id: str = strawberry.field(description="A registry id, or ext-<hex> for an unregistered reference.")
    name: str
    type: ArtifactType  # type: ignore[valid-type]
    source_url: str | None
    external: bool = strawberry.field(description="True when the node is declared but not registered.")
    source: str = strawberry.field(description='How the node was found: "registry" (the queried artifact), '
                                               '"card.base_model", "config._name_or_path", "adapter_config" ...')

    @classmethod
    def from_domain(cls, n: lineage.LineageNode) -> "LineageNode":
        return cls(artifact_id=n.artifact_id, name=n.name, type=n.type, source_url=n.source_url,
                   external=n.external, source=n.source)


@strawberry.type
class LineageEdge:
    from_: str = strawberry.field(name="from", description="The upstream (parent or dependency) node's id.")
    to: str = strawberry.field(description="The downstream (child) node's id.")
    relation: str = strawberry.field(description="finetune, adapter, quantized, merge, base_model, "
                                                 "fine_tuning_dataset or code.")
    source: str

    @classmethod
    def from_domain(cls, e: lineage.LineageEdge) -> "LineageEdge":
        return cls(from_=e.parent_id, to=e.child_id, relation=e.relation, source=e.source)


@strawberry.type
class LineageGraph:
    root_id: str
    depth: int = strawberry.field(description="Levels walked (the requested depth, capped).")
    nodes: list[LineageNode]
    edges: list[LineageEdge]

    @classmethod
    def from_domain(cls, g: lineage.LineageGraph) -> "LineageGraph":
        return cls(root_id=g.root_id, depth=g.depth, nodes=[LineageNode.from_domain(n) for n in g.nodes],
                   edges=[LineageEdge.from_domain(e) for e in g.edges])


@strawberry.type
class CostEntry:
    artifact_id: str
    name: str
    standalone_mb: float = strawberry.field(description="Download size of the artifact alone, MB (bytes / 1e6).")
    total_mb: float = strawberry.field(description="Itself plus every dependency, each counted once, MB.")
    external: bool
    note: str | None

    @classmethod
    def from_domain(cls, c: lineage.CostEntry) -> "CostEntry":
        return cls(artifact_id=c.artifact_id, name=c.name, standalone_mb=c.standalone_mb, total_mb=c.total_mb,
                   external=c.external, note=c.note)


@strawberry.type
class LicenseCheck:
    compatible: bool
    reason: str
    model_license: str | None
    repo_license: str | None


@strawberry.type
class LineageQuery:
    @strawberry.field(description="The model's lineage graph from its structured metadata (parents -> children).")
    async def lineage(self, info: Info, artifact_id: str, depth: int = lineage.DEFAULT_DEPTH,
                      direction: LineageDirection = lineage.LineageDirection.BOTH  # type: ignore[valid-type]
                      ) -> LineageGraph:
        return LineageGraph.from_domain(await resolve.graph(info.context.scope, artifact_id, depth, direction))

    @strawberry.field(description="Download size in MB, alone and with its dependencies; of one part if given.")
    async def cost(self, info: Info, artifact_id: str, part: PackagePart | None = None,  # type: ignore[valid-type]
                   with_dependencies: bool = False) -> list[CostEntry]:
        entries = await resolve.cost(info.context.scope, artifact_id, part, with_dependencies)
        return [CostEntry.from_domain(e) for e in entries.values()]

    @strawberry.field(description='May code from this GitHub repository fine-tune the model and serve its outputs?')
    async def license_check(self, info: Info, artifact_id: str, github_url: str) -> LicenseCheck:
        v = await resolve.license_check(info.context.scope, artifact_id, github_url)
        return LicenseCheck(compatible=v.compatible, reason=v.reason, model_license=v.model_license,
                            repo_license=v.repo_license)
