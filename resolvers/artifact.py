"""Artifact reads and writes."""
from __future__ import annotations

from registry.artifacts import ArtifactPage
from registry.model import Artifact, ArtifactType, AuditEntry
from registry.rating import Links
from resolvers.context import RequestScope, call


async def get(scope: RequestScope, artifact_id: str) -> Artifact:
    return await call(scope.registry.artifacts.get, await scope.user(), artifact_id)


async def by_name(scope: RequestScope, name: str, types: list[ArtifactType] | None) -> list[Artifact]:
    return await call(scope.registry.artifacts.by_name, await scope.user(), name, types)


async def enumerate_page(scope: RequestScope, types: list[ArtifactType] | None, first: int,
                         after: str | None) -> ArtifactPage:
    return await call(scope.registry.artifacts.enumerate, await scope.user(), types, first, after)


async def search_regex(scope: RequestScope, pattern: str, types: list[ArtifactType] | None) -> list[Artifact]:
    return await call(scope.registry.artifacts.search_regex, await scope.user(), pattern, types)


async def search_version(scope: RequestScope, query: str, name: str | None,
                         types: list[ArtifactType] | None) -> list[Artifact]:
    return await call(scope.registry.artifacts.search_version, await scope.user(), query, name, types)


async def audit_trail(scope: RequestScope, artifact_id: str) -> list[AuditEntry]:
    return await call(scope.registry.artifacts.audit_trail, await scope.user(), artifact_id)


async def ingest(scope: RequestScope, artifact_type: ArtifactType, url: str, name: str | None,
                 links: Links) -> Artifact:
    return await call(scope.registry.artifacts.ingest, await scope.user(), artifact_type, url, name, links)


async def update(scope: RequestScope, artifact_id: str, url: str, name: str | None, links: Links | None) -> Artifact:
    return await call(scope.registry.artifacts.update, await scope.user(), artifact_id, url, name, links)


async def delete(scope: RequestScope, artifact_id: str) -> Artifact:
    return await call(scope.registry.artifacts.delete, await scope.user(), artifact_id)


async def reset(scope: RequestScope) -> None:
    await call(scope.registry.reset, await scope.user())
