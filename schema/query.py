"""The Query root: artifacts, users and health (ratings and lineage add their own roots, merged in graphql.py)."""
from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from registry.errors import NotFound
from resolvers import artifact as artifacts
from resolvers import health as health_resolver
from resolvers import user as users
from schema.types import ArtifactConnection, ArtifactNode, ArtifactType, AuditEntry, Health, User

PAGE = 20  # default page size of every connection (the maximum is the server's max_page_size)


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
            return ArtifactNode.from_domain(await artifacts.get(info.context.scope, id))
        except NotFound:
            return None

    @strawberry.field(description="Every artifact, optionally of some types, oldest first: the newest version of "
                                  "each name, or every version with `allVersions`.")
    async def artifacts(self, info: Info, types: list[ArtifactType] | None = None,  # type: ignore[valid-type]
                        first: int = PAGE, after: str | None = None,
                        all_versions: bool = False) -> ArtifactConnection:
        page = await artifacts.enumerate_page(info.context.scope, types, first, after, all_versions)
        return ArtifactConnection.from_domain(page, after)

    @strawberry.field(description="The artifacts with exactly this name: the newest version of each type, oldest "
                                  "first; with `version` (\"1.2.3\", \"1.2.3-2.1.0\", \"~1.2.0\", \"^1.2.0\"), every "
                                  "version that matches, in version order.")
    async def artifacts_by_name(self, info: Info, name: str,
                                types: list[ArtifactType] | None = None,  # type: ignore[valid-type]
                                first: int = PAGE, after: str | None = None,
                                version: str | None = None) -> ArtifactConnection:
        page = await artifacts.by_name_page(info.context.scope, name, types, first, after, version)
        return ArtifactConnection.from_domain(page, after)

    @strawberry.field(description="The newest versions whose name or README matches an RE2 regular expression, "
                                  "oldest first (case-sensitive; prefix (?i) to ignore case).")
    async def search_artifacts(self, info: Info, regex: str,
                               types: list[ArtifactType] | None = None,  # type: ignore[valid-type]
                               first: int = PAGE, after: str | None = None) -> ArtifactConnection:
        page = await artifacts.search_regex_page(info.context.scope, regex, types, first, after)
        return ArtifactConnection.from_domain(page, after)

    @strawberry.field(description='Every version that matches "1.2.3", "1.2.3-2.1.0" (inclusive), "~1.2.0" or '
                                  '"^1.2.0" (npm semantics), optionally only of the name `name`, in version order.')
    async def artifacts_by_version(self, info: Info, query: str, name: str | None = None,
                                   types: list[ArtifactType] | None = None,  # type: ignore[valid-type]
                                   first: int = PAGE, after: str | None = None) -> ArtifactConnection:
        page = await artifacts.search_version_page(info.context.scope, query, name, types, first, after)
        return ArtifactConnection.from_domain(page, after)

    @strawberry.field(description="Who did what to an artifact, oldest first.")
    async def audit_trail(self, info: Info, artifact_id: str) -> list[AuditEntry]:
        return [AuditEntry.from_domain(e) for e in await artifacts.audit_trail(info.context.scope, artifact_id)]

    @strawberry.field(description="The authenticated caller.")
    async def me(self, info: Info) -> User:
        return User.from_domain(await users.me(info.context.scope))

    @strawberry.field(description="Every user (admins only).")
    async def users(self, info: Info) -> list[User]:
        return [User.from_domain(u) for u in await users.list_users(info.context.scope)]

    @strawberry.field(description="Component status and the trailing window's request and error counts (public).")
    async def health(self, info: Info, window_minutes: int = 60) -> Health:
        return Health.from_domain(await health_resolver.report(info.context.scope, window_minutes))
