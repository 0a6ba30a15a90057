"""Artifact reads and writes."""
from __future__ import annotations

from registry.artifacts import ArtifactPage
from registry.model import Artifact, ArtifactType, AuditEntry
from registry.rating import Links
from resolvers.context import RequestScope, as_caller


async def get(scope: RequestScope, artifact_id: str) -> Artifact:
    return await as_caller(scope, scope.registry.artifacts.get, artifact_id)


async def by_name(scope: RequestScope, name: str, types: list[ArtifactType] | None) -> list[Artifact]:
    return await as_caller(scope, scope.registry.artifacts.by_name, name, types)


async def enumerate_page(scope: RequestScope, types: list[ArtifactType] | None, first: int,
                         after: str | None) -> ArtifactPage:
    return await as_caller(scope, scope.registry.artifacts.enumerate, types, first, after)


async def search_regex(scope: RequestScope, pattern: str, types: list[ArtifactType] | None) -> list[Artifact]:
    return await as_caller(scope, scope.registry.artifacts.search_regex, pattern, types)


async def search_version(scope: RequestScope, query: str, name: str | None,
                         types: list[ArtifactType] | None) -> list[Artifact]:
    return await as_caller(scope, scope.registry.artifacts.search_version, query, name, types)


async def audit_trail(scope: RequestScope, artifact_id: str) -> list[AuditEntry]:
    return await as_caller(scope, scope.registry.artifacts.audit_trail, artifact_id)


async def ingest(scope: RequestScope, artifact_type: ArtifactType, url: str, name: str | None,
                 links: Links) -> Artifact:
    return await as_caller(scope, scope.registry.artifacts.ingest, artifact_type, url, name, links)


async def update(scope: RequestScope, artifact_id: str, url: str, name: str | None, links: Links | None) -> Artifact:
    return await as_caller(scope, scope.registry.artifacts.update, artifact_id, url, name, links)


async def delete(scope: RequestScope, artifact_id: str) -> Artifact:
    return await as_caller(scope, scope.registry.artifacts.delete, artifact_id)


async def reset(scope: RequestScope) -> None:
    await as_caller(scope, scope.registry.reset)
