"""The REST door: the course OpenAPI spec's routes at the root paths, each a few lines over the services.

Every route parses its input (the spec's models), calls the same use cases (resolvers/) as GraphQL with the
request's scope (the pipeline built it: caller from X-Authorization or Authorization, base URL, request id), and
maps the result to the spec's models.  Domain errors propagate to the HTTP shell, which answers them with the
status rest.errors gives them for the operation.

Decisions the spec leaves open:
- `download_url` is always this server's GET /download/{id} (app/transfer.py), for uploaded packages and
  for artifacts ingested by URL alike (mirrored at their pinned commit on the first download; 202 with
  Retry-After while a large mirror runs): what it serves is the download service's business, not the door's. On the
  embedded store it is signed for the caller (short-lived, usable without a header; the download is recorded when
  it is fetched); on AWS it is the plain URL, used with the token header (it redirects to S3).
- The audit list shows the spec's five actions only; the registry's others (DELETE, DOWNLOAD_REFUSED,
  INGEST_REFUSED, SENSITIVE_CHANGED, MONITOR_CHANGED) are in GraphQL's `auditTrail`. A deleted artifact's trail
  stays readable by admins.
- POST /artifacts pages with an opaque offset token (see registry.query); the `offset` response header is the
  next page's token and is absent on the last page.  A plain number is accepted as "skip that many".
- Versions (the spec has none): REST sees one artifact per name, its newest version. An id names one version in
  GraphQL; here every read by id (`GET /artifacts/{type}/{id}`, rate, cost, lineage, license check) answers with the
  newest version of that id's name, so a read after `PUT` sees the new contents ("the artifact source will replace
  the previous contents") whichever of its ids the client kept; `DELETE` removes every version of the name.
  `/artifact/byName/{name}`, `/artifact/byRegEx` and `POST /artifacts` answer with each name's newest version. The
  audit trail stays per id (the id's own CREATE, UPDATE, RATE and DOWNLOAD entries).
- PUT /artifacts/{type}/{id}: `metadata.id`, `metadata.type` and `metadata.name` must match the artifact (else
  400 and nothing changes: the spec says name and id must match, so an update never renames).  It adds a new
  version of the name (registry/artifacts.py `update`) and answers with that version's envelope (its own id; the
  old id reads the same from now on).  An
  update refused by the rating gate answers 424 and keeps the previous version, like a refused create.
- Lineage and license checks are model operations: another type's id answers 400, like the rating.
- An artifact read under another type's path (/artifacts/dataset/{id of a model}) is 404.
- The writes (create, update, delete) accept an `Idempotency-Key` header (the IETF draft's): a retry with the same
  key returns the first answer instead of doing the write twice (registry/idempotency.py).
"""
from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from registry.errors import InvalidInput, NotFound
from registry.health import ComponentStatus, HealthReport, TimelineBucket
from registry.lineage import LineageGraph
from registry.model import Artifact as DomainArtifact
from registry.model import SPEC_AUDIT_ACTIONS, ArtifactType, AuditEntry
from registry.query import NameQuery
from registry.rating import Links
from resolvers import artifact as artifacts
from resolvers import health
from resolvers import lineage as lineages
from resolvers import package as packages
from resolvers import rating as ratings
from resolvers import user as users
from resolvers.scope import RequestScope, scope_from_state
from rest.errors import AUTHENTICATE, CREATE
from rest.rating import model_rating
from rest.models import (ARTIFACT_ID_PATTERN, Artifact, ArtifactAuditEntry, ArtifactCostEntry, ArtifactData,
                         ArtifactDataRequest, ArtifactLineageEdge, ArtifactLineageGraph, ArtifactLineageNode,
                         ArtifactMetadata, ArtifactQuery, ArtifactRegEx, ArtifactUpdate, AuditAction,
                         AuthenticationRequest, HealthComponentCollection, HealthComponentDetail, HealthIssue,
                         HealthStatus, HealthTimelineEntry, ModelRating, SimpleLicenseCheckRequest, Track, Tracks, User)

# The extended tracks this registry delivers (the spec's enum strings).
DELIVERED_TRACKS: list[Track] = ["Access control track"]

ArtifactId = Annotated[str, Path(pattern=ARTIFACT_ID_PATTERN, max_length=128)]
router = APIRouter()


async def request_scope(request: Request) -> RequestScope:
    """async: FastAPI runs a plain `def` dependency in a worker thread, a hop per request for a dict lookup."""
    return scope_from_state(request.state)


Scope = Annotated[RequestScope, Depends(request_scope)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]


# mapping domain records to the spec's models ---------------------------------------------------------------------
def metadata_of(artifact: DomainArtifact) -> ArtifactMetadata:
    return ArtifactMetadata(name=artifact.name, id=artifact.id, type=artifact.type)


def envelope(artifact: DomainArtifact, scope: RequestScope) -> Artifact:
    link = packages.envelope_url(scope, artifact)
    return Artifact(metadata=metadata_of(artifact), data=ArtifactData(url=artifact.source_url or link,
                                                                      download_url=link))


def audit_entries(entries: list[AuditEntry]) -> list[ArtifactAuditEntry]:
    """The entries the spec's ArtifactAuditEntry can express (its five actions)."""
    return [ArtifactAuditEntry(user=User(name=e.username, is_admin=e.is_admin), date=e.at,
                               artifact=ArtifactMetadata(name=e.artifact_name, id=e.artifact_id, type=e.artifact_type),
                               action=cast(AuditAction, e.action.value))
            for e in entries if e.action in SPEC_AUDIT_ACTIONS]


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


def api_detail(report: HealthReport, buckets: list[TimelineBucket] | None) -> HealthComponentDetail:
    """The API itself: the window's request and error counts (the same counter GraphQL's health reads)."""
    issues = [HealthIssue(code="api-server-errors", severity="warning",
                          summary=f"{report.server_errors} of {report.requests} requests ended in a server error")
              ] if report.server_errors else []
    timeline = None
    if buckets is not None:
        timeline = [HealthTimelineEntry(bucket=b.start, value=b.requests, unit=f"requests per {b.minutes} min")
                    for b in buckets]
    return HealthComponentDetail(id="api", display_name="Registry API", status="ok", observed_at=report.checked_at,
                                 description="GraphQL and REST requests served by this instance",
                                 metrics={"requests": float(report.requests),
                                          "client_errors": float(report.client_errors),
                                          "server_errors": float(report.server_errors)},
                                 issues=issues, timeline=timeline)


# health and tracks (no token) -------------------------------------------------------------------------------------
@router.get("/health", operation_id="RegistryHealthHeartbeat")
async def heartbeat() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/components", operation_id="RegistryHealthComponents", response_model_exclude_none=True)
async def health_components(scope: Scope,
                            window_minutes: Annotated[int, Query(alias="windowMinutes", ge=5, le=1440)] = 60,
                            include_timeline: Annotated[bool, Query(alias="includeTimeline")] = False
                            ) -> HealthComponentCollection:
    report = await health.report(scope, window_minutes)
    buckets = await health.timeline(scope, window_minutes) if include_timeline else None
    components = [api_detail(report, buckets), *map(component_detail, report.components)]
    return HealthComponentCollection(components=components, generated_at=report.checked_at,
                                     window_minutes=report.window_minutes)


@router.get("/tracks")
async def tracks() -> Tracks:
    return Tracks(plannedTracks=DELIVERED_TRACKS)


# users ------------------------------------------------------------------------------------------------------------
@router.put("/authenticate", operation_id=AUTHENTICATE)
async def authenticate(scope: Scope, body: AuthenticationRequest) -> JSONResponse:
    """The JSON string "bearer <token>" (the spec's AuthenticationToken)."""
    secret = await users.authenticate(scope, body.user.name, body.secret.password)
    return JSONResponse(f"bearer {secret}")


@router.delete("/reset", operation_id="RegistryReset")
async def reset(scope: Scope) -> dict[str, str]:
    await artifacts.reset(scope)
    return {"status": "reset"}


# artifacts --------------------------------------------------------------------------------------------------------
@router.post("/artifacts", operation_id="ArtifactsList")
async def list_artifacts(scope: Scope, response: Response, body: Annotated[list[ArtifactQuery], Body()],
                         offset: Annotated[str | None, Query()] = None) -> list[ArtifactMetadata]:
    wanted = [NameQuery(q.name, tuple(q.types) if q.types else None) for q in body]
    page = await artifacts.find(scope, wanted, offset)
    if page.next_offset is not None:
        response.headers["offset"] = page.next_offset
    return [metadata_of(a) for a in page.artifacts]


@router.get("/artifact/byName/{name:path}", operation_id="ArtifactByNameGet")
async def by_name(scope: Scope, name: str) -> list[ArtifactMetadata]:
    found = await artifacts.by_name(scope, name)
    if not found:
        raise NotFound(f"no artifact is named {name!r}")
    return [metadata_of(a) for a in found]


@router.post("/artifact/byRegEx", operation_id="ArtifactByRegExGet")
async def by_regex(scope: Scope, body: ArtifactRegEx) -> list[ArtifactMetadata]:
    found = await artifacts.search_regex(scope, body.regex)
    if not found:
        raise NotFound("no artifact name or README matches this regular expression")
    return [metadata_of(a) for a in found]


@router.post("/artifact/{artifact_type}", operation_id=CREATE, status_code=201,
             response_model_exclude_none=True)
async def create(scope: Scope, artifact_type: ArtifactType, body: ArtifactDataRequest,
                 idempotency_key: IdempotencyKey = None) -> Artifact:
    """Ingest by URL. REST has no code/dataset links: the rating gate sees the links the model card gives."""
    artifact = await artifacts.ingest(scope, artifact_type, body.url, body.name, Links(), idempotency_key)
    return envelope(artifact, scope)


@router.get("/artifacts/{artifact_type}/{id}", operation_id="ArtifactRetrieve", response_model_exclude_none=True)
async def retrieve(scope: Scope, artifact_type: ArtifactType, id: ArtifactId) -> Artifact:
    return envelope(await artifacts.get_newest(scope, id, artifact_type), scope)


@router.put("/artifacts/{artifact_type}/{id}", operation_id="ArtifactUpdate", response_model_exclude_none=True)
async def update(scope: Scope, artifact_type: ArtifactType, id: ArtifactId, body: ArtifactUpdate,
                 idempotency_key: IdempotencyKey = None) -> Artifact:
    if body.metadata.id != id or body.metadata.type is not artifact_type:
        raise InvalidInput("metadata.id and metadata.type must match the artifact in the path")
    artifact = await artifacts.update(scope, id, body.data.url, body.metadata.name, None, artifact_type,
                                      idempotency_key)
    return envelope(artifact, scope)


@router.delete("/artifacts/{artifact_type}/{id}", operation_id="ArtifactDelete")
async def delete(scope: Scope, artifact_type: ArtifactType, id: ArtifactId,
                 idempotency_key: IdempotencyKey = None) -> ArtifactMetadata:
    return metadata_of(await artifacts.delete(scope, id, artifact_type, idempotency_key, all_versions=True))


@router.get("/artifact/model/{id}/rate", operation_id="ModelArtifactRate")
async def rate(scope: Scope, id: ArtifactId) -> ModelRating:
    return model_rating(await ratings.stored(scope, await artifacts.newest_id(scope, id)))


@router.get("/artifact/{artifact_type}/{id}/cost", operation_id="ArtifactCost", response_model_exclude_none=True)
async def cost(scope: Scope, artifact_type: ArtifactType, id: ArtifactId,
               dependency: Annotated[bool, Query()] = False) -> dict[str, ArtifactCostEntry]:
    """{id: {total_cost}}; with dependencies {id: {standalone_cost, total_cost}} for it and each dependency."""
    entries = await lineages.cost(scope, await artifacts.newest_id(scope, id, artifact_type), None, dependency,
                                  artifact_type)
    return {key: ArtifactCostEntry(standalone_cost=e.standalone_mb if dependency else None, total_cost=e.total_mb)
            for key, e in entries.items()}


@router.get("/artifact/model/{id}/lineage", operation_id="ArtifactLineageGet")
async def lineage(scope: Scope, id: ArtifactId) -> ArtifactLineageGraph:
    return lineage_graph(await lineages.graph(scope, await artifacts.newest_id(scope, id), model_only=True))


@router.post("/artifact/model/{id}/license-check", operation_id="ArtifactLicenseCheck")
async def license_check(scope: Scope, id: ArtifactId, body: SimpleLicenseCheckRequest) -> JSONResponse:
    """A bare JSON boolean: may this GitHub project's code fine-tune the model and serve its outputs?"""
    verdict = await lineages.license_check(scope, await artifacts.newest_id(scope, id), body.github_url)
    return JSONResponse(verdict.compatible)


@router.get("/artifact/{artifact_type}/{id}/audit", operation_id="ArtifactAuditGet")
async def audit(scope: Scope, artifact_type: ArtifactType, id: ArtifactId) -> list[ArtifactAuditEntry]:
    return audit_entries(await artifacts.audit_trail(scope, id, artifact_type))
