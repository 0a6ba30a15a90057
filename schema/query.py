"""The Query root."""
from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from registry.errors import NotFound
from resolvers import artifact as artifacts
from resolvers import health as health_resolver
from resolvers import user as users
from schema.types import (ArtifactConnection, ArtifactEdge, ArtifactNode, ArtifactType, AuditEntry, Health, User)


def node_query() -> type:
    """A fresh root holding Relay's `node` field: its field extension can be applied to one schema only."""

    @strawberry.type
    class NodeQuery:
        node: relay.Node | None = relay.node(description="Any object by its global id (permissions apply).")

    return NodeQuery


@strawberry.type
class ArtifactQuery:
    @strawberry.field(description="One artifact by its registry id; null when there is none.")
    async def artifact(self, info: Info, id: str) -> ArtifactNode | None:
        try:
            return ArtifactNode.from_domain(await artifacts.get(info.context, id))
        except NotFound:
            return None

    @strawberry.field(description="Every artifact with exactly this name.")
    async def artifacts_by_name(self, info: Info, name: str,
                                types: list[ArtifactType] | None = None) -> list[ArtifactNode]:  # type: ignore
        return [ArtifactNode.from_domain(a) for a in await artifacts.by_name(info.context, name, types)]

    @strawberry.field(description="All artifacts, optionally of some types, as a Relay connection.")
    async def artifacts(self, info: Info, types: list[ArtifactType] | None = None,  # type: ignore[valid-type]
                        first: int = 20, after: str | None = None) -> ArtifactConnection:
        page = await artifacts.enumerate_page(info.context, types, first, after)
        edges = [ArtifactEdge(node=ArtifactNode.from_domain(e.artifact), cursor=e.cursor) for e in page.edges]
        info_ = relay.PageInfo(has_next_page=page.has_next_page, has_previous_page=after is not None,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None)
        return ArtifactConnection(edges=edges, page_info=info_)

    @strawberry.field(description="Artifacts whose name or README matches an RE2 regular expression.")
    async def search_artifacts(self, info: Info, regex: str,
                               types: list[ArtifactType] | None = None) -> list[ArtifactNode]:  # type: ignore
        return [ArtifactNode.from_domain(a) for a in await artifacts.search_regex(info.context, regex, types)]

    @strawberry.field(description='Artifacts whose version matches "1.2.3", "1.2.3-2.1.0", "~1.2.0" or "^1.2.0".')
    async def artifacts_by_version(self, info: Info, query: str, name: str | None = None,
                                   types: list[ArtifactType] | None = None) -> list[ArtifactNode]:  # type: ignore
        found = await artifacts.search_version(info.context, query, name, types)
        return [ArtifactNode.from_domain(a) for a in found]

    @strawberry.field(description="Who did what to an artifact, oldest first.")
    async def audit_trail(self, info: Info, artifact_id: str) -> list[AuditEntry]:
        return [AuditEntry.from_domain(e) for e in await artifacts.audit_trail(info.context, artifact_id)]

    @strawberry.field(description="The authenticated caller.")
    async def me(self, info: Info) -> User:
        return User.from_domain(await users.me(info.context))

    @strawberry.field(description="Every user (admins only).")
    async def users(self, info: Info) -> list[User]:
        return [User.from_domain(u) for u in await users.list_users(info.context)]

    @strawberry.field(description="Component status and the trailing window's request and error counts.")
    async def health(self, info: Info, window_minutes: int = 60) -> Health:
        return Health.from_domain(await health_resolver.report(info.context, window_minutes))
