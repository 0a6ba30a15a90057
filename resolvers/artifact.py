"""Artifact reads and writes."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from registry.errors import InvalidInput, NotFound
from registry.model import Artifact, ArtifactType, ArtifactView, AuditEntry, User
from registry.paging import Connection
from registry.query import WILDCARD, NameQuery, QueryPage
from registry.rating import Links
from registry.sweeper import SweepReport
from resolvers.scope import RequestScope, as_caller, as_caller_upstream, read_as_caller

T = TypeVar("T")
A = TypeVar("A", bound=Artifact)
S = TypeVar("S", list[Artifact], Connection[Artifact], QueryPage)
Types = Sequence[ArtifactType] | None


def checked_type(scope: RequestScope, actor: User, artifact_id: str, artifact_type: ArtifactType | None) -> Artifact:
    """The artifact, read for `actor`; under another type's name it does not exist (a REST path names the type)."""
    return of_type(scope.registry.artifacts.get(actor, artifact_id), artifact_type)


def viewed_type(scope: RequestScope, actor: User, artifact_id: str, artifact_type: ArtifactType | None) -> ArtifactView:
    """As `checked_type`, read to answer with (ArtifactService.view): the reads by id that change nothing."""
    return of_type(scope.registry.artifacts.view(actor, artifact_id), artifact_type)


def of_type(artifact: A, artifact_type: ArtifactType | None) -> A:
    if artifact_type is not None and artifact.type is not artifact_type:
        raise NotFound(f"no {artifact_type.value} {artifact.id!r} (that id is a {artifact.type.value})")
    return artifact


def checked_model(scope: RequestScope, actor: User, artifact_id: str) -> Artifact:
    """The artifact if it is a model: model-only operations refuse other types as invalid input."""
    artifact = scope.registry.artifacts.get(actor, artifact_id)
    if artifact.type is not ArtifactType.MODEL:
        raise InvalidInput(f"artifact {artifact_id!r} is a {artifact.type.value}; this operation is for models")
    return artifact


async def on_typed(scope: RequestScope, artifact_type: ArtifactType | None, artifact_id: str,
                   action: Callable[[User], T], upstream: bool = False) -> T:
    """`action(caller)` after checking the artifact exists under `artifact_type`, in the same thread hop (on the
    upstream bulkhead when the action waits on Hugging Face or GitHub)."""
    def run(actor: User) -> T:
        checked_type(scope, actor, artifact_id, artifact_type)
        return action(actor)

    return await (as_caller_upstream if upstream else as_caller)(scope, run)


async def get(scope: RequestScope, artifact_id: str, artifact_type: ArtifactType | None = None) -> ArtifactView:
    return await read_as_caller(scope, lambda actor: viewed_type(scope, actor, artifact_id, artifact_type))


def newest_viewed(scope: RequestScope, actor: User, artifact_id: str,
                  artifact_type: ArtifactType | None) -> ArtifactView:
    """The newest version of the name `artifact_id` is a version of, checked as `checked_type` (the REST view)."""
    return scope.registry.artifacts.newest_of(viewed_type(scope, actor, artifact_id, artifact_type))


async def get_newest(scope: RequestScope, artifact_id: str, artifact_type: ArtifactType | None = None) -> ArtifactView:
    """The REST door's read by id: the newest version of that id's name (the spec knows no versions)."""
    return await read_as_caller(scope, lambda actor: newest_viewed(scope, actor, artifact_id, artifact_type))


async def newest_id(scope: RequestScope, artifact_id: str, artifact_type: ArtifactType | None = None) -> str:
    return (await get_newest(scope, artifact_id, artifact_type)).id


def searched(scope: RequestScope, search: Callable[..., S]) -> Callable[..., S]:
    """`search`, counting each artifact it answers with as one appearance in search results (the popularity
    signal of the package-confusion audit), in the same thread hop."""
    def run(actor: User, *args: Any) -> S:
        found = search(actor, *args)
        if isinstance(found, Connection):
            scope.registry.popularity.seen(edge.node for edge in found.edges)
        elif isinstance(found, QueryPage):
            scope.registry.popularity.seen(found.artifacts)
        else:
            scope.registry.popularity.seen(found)
        return found

    return run


async def by_name(scope: RequestScope, name: str, types: Types = None) -> list[Artifact]:
    """The newest version of each type called `name` (the REST door's answer: it knows no versions)."""
    return await as_caller(scope, searched(scope, scope.registry.artifacts.by_name), name, types)


async def by_name_page(scope: RequestScope, name: str, types: Types, first: int, after: str | None,
                       version: str | None = None) -> Connection[Artifact]:
    return await as_caller(scope, searched(scope, scope.registry.artifacts.by_name_page), name, types, first, after,
                           version)


async def versions_page(scope: RequestScope, artifact_id: str, first: int, after: str | None) -> Connection[Artifact]:
    return await as_caller(scope, scope.registry.artifacts.versions, artifact_id, first, after)


async def enumerate_page(scope: RequestScope, types: Types, first: int, after: str | None,
                         all_versions: bool = False) -> Connection[Artifact]:
    return await as_caller(scope, scope.registry.artifacts.enumerate, types, first, after, all_versions)


async def search_regex(scope: RequestScope, pattern: str, types: Types = None) -> list[Artifact]:
    return await as_caller(scope, searched(scope, scope.registry.artifacts.search_regex), pattern, types)


async def search_regex_page(scope: RequestScope, pattern: str, types: Types, first: int,
                            after: str | None) -> Connection[Artifact]:
    return await as_caller(scope, searched(scope, scope.registry.artifacts.search_regex_page), pattern, types, first,
                           after)


async def search_version_page(scope: RequestScope, query: str, name: str | None, types: Types, first: int,
                              after: str | None) -> Connection[Artifact]:
    return await as_caller(scope, searched(scope, scope.registry.artifacts.search_version), query, name, types,
                           first, after)


async def find(scope: RequestScope, queries: list[NameQuery], offset: str | None) -> QueryPage:
    """The union of name queries ("*": every artifact), one offset-token page (the REST door's list). A request
    with a "*" query is a listing and counts no search appearances; one of names only is a search."""
    lookup = scope.registry.queries.find
    listing = any(query.name == WILDCARD for query in queries)
    return await as_caller(scope, lookup if listing else searched(scope, lookup), queries, offset)


async def audit_trail(scope: RequestScope, artifact_id: str,
                      artifact_type: ArtifactType | None = None) -> list[AuditEntry]:
    """The trail, also of a deleted artifact for admins (registry/audit.py)."""
    return await as_caller(scope, scope.registry.audit.trail, artifact_id, artifact_type)


async def ingest(scope: RequestScope, artifact_type: ArtifactType, url: str, name: str | None,
                 links: Links, idempotency_key: str | None = None) -> Artifact:
    """Ingest by URL (on the upstream bulkhead); a refusal by the rating gate is audited as a refused ingest."""
    registry = scope.registry

    def run(actor: User) -> Artifact:
        with registry.audit.refusals_audited(actor, artifact_type, name or url):
            return registry.artifacts.ingest(actor, artifact_type, url, name, links, idempotency_key)

    return await as_caller_upstream(scope, run)


async def update(scope: RequestScope, artifact_id: str, url: str, name: str | None, links: Links | None,
                 artifact_type: ArtifactType | None = None, version: str | None = None,
                 idempotency_key: str | None = None) -> Artifact:
    """A new version of the artifact's name, read from its source (or a new one), on the upstream bulkhead; a
    refusal by the rating gate is audited on the artifact's trail."""
    registry = scope.registry

    def run(actor: User) -> Artifact:
        current = checked_type(scope, actor, artifact_id, artifact_type)
        with registry.audit.refusals_audited(actor, current.type, current.name, current):
            return registry.artifacts.update(actor, artifact_id, url, name, links, version, idempotency_key)

    return await as_caller_upstream(scope, run)


async def delete(scope: RequestScope, artifact_id: str, artifact_type: ArtifactType | None = None,
                 idempotency_key: str | None = None, all_versions: bool = False) -> Artifact:
    """Delete the version the id names, or every version of its name (the REST door's DELETE)."""
    def run(actor: User) -> Artifact:
        # The retry of a delete that committed finds no artifact to check the type of: its key answers.
        if idempotency_key is None or scope.registry.artifacts.get_many(actor, [artifact_id]):
            checked_type(scope, actor, artifact_id, artifact_type)
        return scope.registry.artifacts.delete(actor, artifact_id, idempotency_key, all_versions)

    return await as_caller(scope, run)


async def reset(scope: RequestScope) -> None:
    await as_caller(scope, scope.registry.reset)


async def sweep(scope: RequestScope) -> SweepReport:
    return await as_caller(scope, scope.registry.sweep)
