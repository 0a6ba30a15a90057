"""The REST door: the course OpenAPI spec's routes at the root paths, each a few lines over the services.

Every route parses its input (the spec's models), resolves the caller from X-Authorization (or Authorization),
calls the same service methods the GraphQL resolvers call, off the event loop, and maps the result to the
spec's models.  Domain errors become status codes in rest.errors.

Decisions the spec leaves open:
- `download_url` is always this server's GET /download/{id} (schema/transfer.py), for uploaded packages and
  for artifacts ingested by URL alike: what it serves is PackageService.download's business, not the door's.
- POST /artifacts pages with an opaque offset token (see registry.query); the `offset` response header is the
  next page's token and is absent on the last page.  A plain number is accepted as "skip that many".
- PUT /artifacts/{type}/{id}: `metadata.id` and `metadata.type` must match the path (else 400); `metadata.name`
  is applied (a rename when it differs).  An update refused by the rating gate answers 424 and keeps the
  previous version, like a refused create.
- Lineage and license checks are model operations: another type's id answers 400, like the rating.
- An artifact read under another type's path (/artifacts/dataset/{id of a model}) is 404.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from registry.container import Registry
from registry.errors import InvalidInput, NotFound
from registry.health import ComponentStatus, HealthReport
from registry.lineage import LineageGraph
from registry.model import Artifact as DomainArtifact
from registry.model import ArtifactType, AuditEntry, User as DomainUser
from registry.package import download_url
from registry.query import ArtifactQueries, NameQuery
from registry.rating import Links
from resolvers.context import call
from rest.errors import AUTHENTICATE, CREATE, SpecRoute
from rest.models import (ARTIFACT_ID_PATTERN, Artifact, ArtifactAuditEntry, ArtifactCostEntry, ArtifactData,
                         ArtifactDataRequest, ArtifactLineageEdge, ArtifactLineageGraph, ArtifactLineageNode,
                         ArtifactMetadata, ArtifactQuery, ArtifactRegEx, ArtifactUpdate, AuthenticationRequest,
                         HealthComponentCollection, HealthComponentDetail, HealthIssue, HealthStatus,
                         HealthTimelineEntry, ModelRating, SimpleLicenseCheckRequest, Track, Tracks, User)

# The extended tracks this registry delivers (the spec's enum strings).
DELIVERED_TRACKS: list[Track] = ["Access control track"]

ArtifactId = Annotated[str, Path(pattern=ARTIFACT_ID_PATTERN, max_length=128)]
router = APIRouter(route_class=SpecRoute)


def registry_of(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def queries_of(request: Request) -> ArtifactQueries:
    return registry_of(request).queries


async def caller(request: Request) -> DomainUser:
    """The user behind the request's token (missing or unusable: 403, via AuthenticationFailed)."""
    header = request.headers.get("x-authorization") or request.headers.get("authorization")
    return await call(registry_of(request).users.user_for_token, header)


def base_url(request: Request) -> str:
    return registry_of(request).settings.base_url(str(request.base_url))


# mapping domain records to the spec's models ---------------------------------------------------------------------
def metadata_of(artifact: DomainArtifact) -> ArtifactMetadata:
    return ArtifactMetadata(name=artifact.name, id=artifact.id, type=artifact.type)


def envelope(artifact: DomainArtifact, request: Request) -> Artifact:
    link = download_url(base_url(request), artifact.id)
    return Artifact(metadata=metadata_of(artifact), data=ArtifactData(url=artifact.source_url or link,
                                                                      download_url=link))


def audit_entry(entry: AuditEntry) -> ArtifactAuditEntry:
    return ArtifactAuditEntry(user=User(name=entry.username, is_admin=entry.is_admin), date=entry.at,
                              artifact=ArtifactMetadata(name=entry.artifact_name, id=entry.artifact_id,
                                                        type=entry.artifact_type),
                              action=entry.action.value)


def lineage_graph(graph: LineageGraph) -> ArtifactLineageGraph:
    nodes = [ArtifactLineageNode(artifact_id=n.artifact_id, name=n.name, source=n.source,
                                 metadata={"type": n.type.value, "registered": not n.external,
                                           **({"repository_url": n.source_url} if n.source_url else {})})
             for n in graph.nodes]
    edges = [ArtifactLineageEdge(from_node_artifact_id=e.parent_id, to_node_artifact_id=e.child_id,
                                 relationship=e.relation) for e in graph.edges]
    return ArtifactLineageGraph(nodes=nodes, edges=edges)


def health_status(value: str) -> HealthStatus:
    """The service's status word as the spec's enum (anything else is "unknown")."""
    statuses: dict[str, HealthStatus] = {"ok": "ok", "degraded": "degraded", "critical": "critical"}
    return statuses.get(value, "unknown")


def component_detail(component: ComponentStatus) -> HealthComponentDetail:
    issues = [] if component.status == "ok" else [
        HealthIssue(code=f"{component.id}-unavailable", severity="error",
                    summary=f"{component.display_name} did not answer its probe", details=component.detail or None)]
    return HealthComponentDetail(id=component.id, display_name=component.display_name,
                                 status=health_status(component.status),
                                 observed_at=component.observed_at, metrics={"latency_ms": component.latency_ms},
                                 issues=issues)


def api_detail(report: HealthReport, request: Request, include_timeline: bool) -> HealthComponentDetail:
    """The API itself: the window's request and server-error counts (the same counter GraphQL's health reads)."""
    issues = [HealthIssue(code="api-server-errors", severity="warning",
                          summary=f"{report.errors} of {report.requests} requests ended in a server error")
              ] if report.errors else []
    timeline = None
    if include_timeline:
        timeline = [HealthTimelineEntry(bucket=b.start, value=b.requests, unit=f"requests per {b.minutes} min")
                    for b in registry_of(request).health.timeline(report.window_minutes)]
    return HealthComponentDetail(id="api", display_name="Registry API", status="ok", observed_at=report.checked_at,
                                 description="GraphQL and REST requests served by this instance",
                                 metrics={"requests": float(report.requests), "server_errors": float(report.errors)},
                                 issues=issues, timeline=timeline)


# health and tracks (no token) -------------------------------------------------------------------------------------
@router.get("/health", operation_id="RegistryHealthHeartbeat")
async def heartbeat() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/components", operation_id="RegistryHealthComponents", response_model_exclude_none=True)
async def health_components(request: Request,
                            window_minutes: Annotated[int, Query(alias="windowMinutes", ge=5, le=1440)] = 60,
                            include_timeline: Annotated[bool, Query(alias="includeTimeline")] = False
                            ) -> HealthComponentCollection:
    report = await call(registry_of(request).health.report, window_minutes)
    components = [api_detail(report, request, include_timeline), *map(component_detail, report.components)]
    return HealthComponentCollection(components=components, generated_at=report.checked_at,
                                     window_minutes=report.window_minutes)


@router.get("/tracks")
async def tracks() -> Tracks:
    return Tracks(plannedTracks=DELIVERED_TRACKS)


# users ------------------------------------------------------------------------------------------------------------
@router.put("/authenticate", operation_id=AUTHENTICATE)
async def authenticate(request: Request, body: AuthenticationRequest) -> JSONResponse:
    """The JSON string "bearer <token>" (the spec's AuthenticationToken)."""
    secret = await call(registry_of(request).users.authenticate, body.user.name, body.secret.password)
    return JSONResponse(f"bearer {secret}")


@router.delete("/reset", operation_id="RegistryReset")
async def reset(request: Request) -> dict[str, str]:
    await call(registry_of(request).reset, await caller(request))
    return {"status": "reset"}


# artifacts --------------------------------------------------------------------------------------------------------
@router.post("/artifacts", operation_id="ArtifactsList")
async def list_artifacts(request: Request, response: Response, body: Annotated[list[ArtifactQuery], Body()],
                         offset: Annotated[str | None, Query()] = None) -> list[ArtifactMetadata]:
    wanted = [NameQuery(q.name, tuple(q.types) if q.types else None) for q in body]
    page = await call(queries_of(request).find, await caller(request), wanted, offset)
    if page.next_offset is not None:
        response.headers["offset"] = page.next_offset
    return [metadata_of(a) for a in page.artifacts]


@router.get("/artifact/byName/{name:path}", operation_id="ArtifactByNameGet")
async def by_name(request: Request, name: str) -> list[ArtifactMetadata]:
    found = await call(registry_of(request).artifacts.by_name, await caller(request), name)
    if not found:
        raise NotFound(f"no artifact is named {name!r}")
    return [metadata_of(a) for a in found]


@router.post("/artifact/byRegEx", operation_id="ArtifactByRegExGet")
async def by_regex(request: Request, body: ArtifactRegEx) -> list[ArtifactMetadata]:
    found = await call(registry_of(request).artifacts.search_regex, await caller(request), body.regex)
    if not found:
        raise NotFound("no artifact name or README matches this regular expression")
    return [metadata_of(a) for a in found]


@router.post("/artifact/{artifact_type}", operation_id=CREATE, status_code=201,
             response_model_exclude_none=True)
async def create(request: Request, artifact_type: ArtifactType, body: ArtifactDataRequest) -> Artifact:
    """Ingest by URL. REST has no code/dataset links: the rating gate sees the links the model card gives."""
    artifact = await call(registry_of(request).artifacts.ingest, await caller(request), artifact_type, body.url,
                          body.name, Links())
    return envelope(artifact, request)


@router.get("/artifacts/{artifact_type}/{id}", operation_id="ArtifactRetrieve", response_model_exclude_none=True)
async def retrieve(request: Request, artifact_type: ArtifactType, id: ArtifactId) -> Artifact:
    artifact = await call(queries_of(request).typed, await caller(request), artifact_type, id)
    return envelope(artifact, request)


@router.put("/artifacts/{artifact_type}/{id}", operation_id="ArtifactUpdate", response_model_exclude_none=True)
async def update(request: Request, artifact_type: ArtifactType, id: ArtifactId, body: ArtifactUpdate) -> Artifact:
    if body.metadata.id != id or body.metadata.type is not artifact_type:
        raise InvalidInput("metadata.id and metadata.type must match the artifact in the path")
    user = await caller(request)
    await call(queries_of(request).typed, user, artifact_type, id)
    artifact = await call(registry_of(request).artifacts.update, user, id, body.data.url, body.metadata.name, None)
    return envelope(artifact, request)


@router.delete("/artifacts/{artifact_type}/{id}", operation_id="ArtifactDelete")
async def delete(request: Request, artifact_type: ArtifactType, id: ArtifactId) -> ArtifactMetadata:
    user = await caller(request)
    await call(queries_of(request).typed, user, artifact_type, id)
    return metadata_of(await call(registry_of(request).artifacts.delete, user, id))


@router.get("/artifact/model/{id}/rate", operation_id="ModelArtifactRate")
async def rate(request: Request, id: ArtifactId) -> ModelRating:
    rating = await call(registry_of(request).artifacts.rating, await caller(request), id)
    return ModelRating.model_validate(rating.to_spec_dict())


@router.get("/artifact/{artifact_type}/{id}/cost", operation_id="ArtifactCost", response_model_exclude_none=True)
async def cost(request: Request, artifact_type: ArtifactType, id: ArtifactId,
               dependency: Annotated[bool, Query()] = False) -> dict[str, ArtifactCostEntry]:
    """{id: {total_cost}}; with dependencies {id: {standalone_cost, total_cost}} for it and each dependency."""
    user = await caller(request)
    await call(queries_of(request).typed, user, artifact_type, id)
    entries = await call(registry_of(request).lineage.cost, user, id, None, dependency)
    return {key: ArtifactCostEntry(standalone_cost=e.standalone_mb if dependency else None, total_cost=e.total_mb)
            for key, e in entries.items()}


@router.get("/artifact/model/{id}/lineage", operation_id="ArtifactLineageGet")
async def lineage(request: Request, id: ArtifactId) -> ArtifactLineageGraph:
    user = await caller(request)
    await call(queries_of(request).model, user, id)
    return lineage_graph(await call(registry_of(request).lineage.graph, user, id))


@router.post("/artifact/model/{id}/license-check", operation_id="ArtifactLicenseCheck")
async def license_check(request: Request, id: ArtifactId, body: SimpleLicenseCheckRequest) -> JSONResponse:
    """A bare JSON boolean: may this GitHub project's code fine-tune the model and serve its outputs?"""
    verdict = await call(registry_of(request).lineage.license_check, await caller(request), id, body.github_url)
    return JSONResponse(verdict.compatible)


@router.get("/artifact/{artifact_type}/{id}/audit", operation_id="ArtifactAuditGet")
async def audit(request: Request, artifact_type: ArtifactType, id: ArtifactId) -> list[ArtifactAuditEntry]:
    user = await caller(request)
    await call(queries_of(request).typed, user, artifact_type, id)
    return [audit_entry(e) for e in await call(registry_of(request).artifacts.audit_trail, user, id)]
