"""GraphQL object types, mapped from the registry's domain records."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Annotated, Any, cast

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from registry import model
from registry.errors import ERROR_MEANINGS, DomainError, NotFound
from registry.errors import ErrorCode as DomainErrorCode
from registry.health import ComponentStatus, HealthReport, TimelineBucket
from registry.health import LogEntry as DomainLogEntry
from registry.lineage import DEFAULT_DEPTH as DEFAULT_LINEAGE_DEPTH
from registry.lineage import LineageDirection as LineageWalk
from registry.paging import Connection
from scoring.parts import PackagePart as DomainPackagePart

if TYPE_CHECKING:
    from schema.lineage import LineageGraph
    from schema.rating import Rating
    from schema.security import Monitor

ArtifactType = strawberry.enum(model.ArtifactType, name="ArtifactType", description="Artifact category.")
Permission = strawberry.enum(model.Permission, name="Permission")
AuditAction = strawberry.enum(model.AuditAction, name="AuditAction")
LineageDirection = strawberry.enum(LineageWalk, name="LineageDirection",
                                   description="Which relatives of the artifact the lineage graph walks.")
PackagePart = strawberry.enum(DomainPackagePart, name="PackagePart",
                              description="FULL: every file; WEIGHTS: weight files; CARD: the card, configs and "
                                          "tokenizer files.")
ContentVerdict = strawberry.enum(model.ContentVerdict, name="ContentVerdict",
                                 description="CLEAN: no finding; SUSPICIOUS: accepted, findings shown; UNSAFE: "
                                             "refused (never stored, shown only on a hub model refused at its first "
                                             "download).")
FindingSeverity = strawberry.enum(model.FindingSeverity, name="FindingSeverity")
ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode",
                            description="Stable codes of expected failures: switch on these, show `message`.")
for _value in ErrorCode.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = ERROR_MEANINGS[DomainErrorCode(_value.value)]


@strawberry.type
class FileEntry:
    path: str
    size: float = strawberry.field(description="Bytes (a Float: files can exceed 2^31 bytes).")
    sha256: str | None


@strawberry.type
class ContentFinding:
    file: str
    global_name: str | None = strawberry.field(description='The "module.name" a pickle in `file` imports on load.')
    severity: FindingSeverity  # type: ignore[valid-type]
    detail: str | None


@strawberry.type(description="The malicious-content scan of the artifact's files (pickles are disassembled, never "
                             "loaded).")
class ContentScan:
    verdict: ContentVerdict  # type: ignore[valid-type]
    scanned_files: list[str]
    findings: list[ContentFinding]
    scanner: str
    scanned_at: datetime

    @classmethod
    def from_domain(cls, scan: model.ContentScan) -> "ContentScan":
        return cls(verdict=scan.verdict, scanned_files=list(scan.scanned_files), scanner=scan.scanner,
                   scanned_at=scan.scanned_at,
                   findings=[ContentFinding(file=f.file, global_name=f.global_name, severity=f.severity,
                                            detail=f.detail) for f in scan.findings])


@strawberry.type(name="Artifact")
class ArtifactNode(relay.Node):
    key: relay.NodeID[str]
    type: ArtifactType  # type: ignore[valid-type]
    name: str
    source_url: str | None
    version: str = strawberry.field(description="Semantic version; each version of a name is its own artifact.")
    revision: str | None = strawberry.field(
        description="The commit (Hugging Face or GitHub) this version was read at: its downloads and re-ratings read "
                    "exactly it. Null for uploaded packages (their sha256 pins them).")
    readme: str
    files: list[FileEntry]
    size_bytes: float
    created_at: datetime
    updated_at: datetime
    created_by: str
    sensitive: bool = strawberry.field(description="A sensitive model's downloads run its monitor program first.")
    content_scan: ContentScan | None = strawberry.field(
        description="What the scan of its files found; null until they are stored (a hub model's first download).")

    @strawberry.field(description="The registry's id, matching ^[a-zA-Z0-9-]+$ (the REST API's artifact id).")
    def artifact_id(self) -> str:
        return self.key

    @strawberry.field(description="Every version of this artifact's name (and type), newest first: its history, "
                                  "this version included.")
    async def versions(self, info: Info, first: int = 20, after: str | None = None) -> "ArtifactConnection":
        from resolvers import artifact as artifacts

        page = await artifacts.versions_page(info.context.scope, self.key, first, after)
        return ArtifactConnection.from_domain(page, after)

    @strawberry.field(description="A model's stored rating (null for datasets and code); reading it is audited.")
    async def rating(self, info: Info) -> Annotated["Rating", strawberry.lazy("schema.rating")] | None:
        from resolvers import rating as ratings
        from schema.rating import Rating

        if self.type is not model.ArtifactType.MODEL:
            return None
        try:
            return Rating.from_domain(await ratings.stored(info.context.scope, self.key))
        except NotFound:  # a model stored without a rating (before packages were rated)
            return None

    @strawberry.field(description="This artifact's lineage graph (as Query.lineage).")
    async def lineage(self, info: Info, depth: int = DEFAULT_LINEAGE_DEPTH,
                      direction: LineageDirection = LineageWalk.BOTH,  # type: ignore[valid-type]
                      ) -> Annotated["LineageGraph", strawberry.lazy("schema.lineage")]:
        from resolvers import lineage as lineages
        from schema.lineage import LineageGraph

        return LineageGraph.from_domain(await lineages.graph(info.context.scope, self.key, depth, direction))

    @strawberry.field(description="A model's monitor program, run before each download while it is sensitive "
                                  "(null: none attached, or not a model). Readable with the upload permission.")
    async def monitor(self, info: Info) -> Annotated["Monitor", strawberry.lazy("schema.security")] | None:
        from resolvers import security
        from schema.security import Monitor

        if self.type is not model.ArtifactType.MODEL:
            return None
        found = await security.monitor(info.context.scope, self.key)
        return None if found is None else Monitor.from_domain(found)

    @classmethod
    def from_domain(cls, a: model.Artifact) -> "ArtifactNode":
        scan = a.content_scan
        return cls(key=a.id, type=a.type, name=a.name, source_url=a.source_url, version=a.version,
                   revision=a.revision, readme=a.readme,
                   files=[FileEntry(path=f.path, size=f.size, sha256=f.sha256) for f in a.files],
                   size_bytes=a.size_bytes, created_at=a.created_at, updated_at=a.updated_at,
                   created_by=a.created_by, sensitive=a.sensitive,
                   content_scan=None if scan is None else ContentScan.from_domain(scan))

    @classmethod
    async def resolve_nodes(cls, *, info: Info, node_ids: Iterable[str],  # type: ignore[override]
                            required: bool = False) -> list["ArtifactNode | None"]:
        loaded = await info.context.artifact_loader.load_many(list(node_ids))
        return [None if a is None else cls.from_domain(a) for a in loaded]


@strawberry.type
class ArtifactEdge:
    node: ArtifactNode
    cursor: str


@strawberry.type
class ArtifactConnection:
    edges: list[ArtifactEdge]
    page_info: relay.PageInfo

    @classmethod
    def from_domain(cls, page: Connection[model.Artifact], after: str | None) -> "ArtifactConnection":
        edges = [ArtifactEdge(node=ArtifactNode.from_domain(e.node), cursor=e.cursor) for e in page.edges]
        return cls(edges=edges, page_info=page_info(page, after))


def page_info(page: Connection[Any], after: str | None) -> relay.PageInfo:
    """Relay's PageInfo of a domain page (`after`: the cursor the page was asked for)."""
    edges = page.edges
    return relay.PageInfo(has_next_page=page.has_next_page, has_previous_page=after is not None,
                          start_cursor=edges[0].cursor if edges else None,
                          end_cursor=edges[-1].cursor if edges else None)


@strawberry.type
class User:
    username: str
    permissions: list[Permission]  # type: ignore[valid-type]
    is_admin: bool
    created_at: datetime

    @classmethod
    def from_domain(cls, u: model.User) -> "User":
        return cls(username=u.username, permissions=sorted(u.permissions, key=attrgetter("value")),
                   is_admin=u.is_admin, created_at=u.created_at)


@strawberry.type
class AuditEntry:
    artifact_id: str
    artifact_type: ArtifactType  # type: ignore[valid-type]
    artifact_name: str
    username: str
    is_admin: bool
    action: AuditAction  # type: ignore[valid-type]
    at: datetime
    detail: str | None = strawberry.field(description="Why: a refusal's reason, the new sensitivity, the monitor's "
                                                      "sha256.")

    @classmethod
    def from_domain(cls, e: model.AuditEntry) -> "AuditEntry":
        return cls(artifact_id=e.artifact_id, artifact_type=e.artifact_type, artifact_name=e.artifact_name,
                   username=e.username, is_admin=e.is_admin, action=e.action, at=e.at, detail=e.detail)


@strawberry.type
class Component:
    id: str
    display_name: str
    status: str
    observed_at: datetime
    detail: str
    latency_ms: float

    @classmethod
    def from_domain(cls, c: ComponentStatus) -> "Component":
        return cls(id=c.id, display_name=c.display_name, status=c.status, observed_at=c.observed_at,
                   detail=c.detail, latency_ms=c.latency_ms)


@strawberry.type
class HealthBucket:
    start: datetime = strawberry.field(description="UTC start of the bucket.")
    minutes: int
    requests: int
    client_errors: int = strawberry.field(description="Requests refused for the client's reasons (4xx, user errors).")
    server_errors: int = strawberry.field(description="Requests that failed on our side (5xx, masked faults).")

    @classmethod
    def from_domain(cls, b: TimelineBucket) -> "HealthBucket":
        return cls(start=b.start, minutes=b.minutes, requests=b.requests, client_errors=b.client_errors,
                   server_errors=b.server_errors)


@strawberry.type
class LogEntry:
    at: datetime
    level: str
    event: str = strawberry.field(description='"request", "error" or a domain event such as "ingest.refused".')
    message: str
    request_id: str | None
    fields: JSON

    @classmethod
    def from_domain(cls, e: DomainLogEntry) -> "LogEntry":
        return cls(at=e.at, level=e.level, event=e.event, message=e.message, request_id=e.request_id,
                   fields=cast(JSON, e.fields))


@strawberry.type
class Health:
    status: str
    checked_at: datetime
    window_minutes: int
    requests: int
    errors: int = strawberry.field(description="clientErrors + serverErrors.")
    client_errors: int
    server_errors: int
    components: list[Component]

    @strawberry.field(description="The window's requests and errors, oldest first, in at most 60 buckets "
                                  "(one per minute for the last hour).")
    async def timeline(self, info: Info) -> list[HealthBucket]:
        from resolvers import health

        return [HealthBucket.from_domain(b) for b in await health.timeline(info.context.scope, self.window_minutes)]

    @strawberry.field(description="The newest structured log entries, newest first (admins only).")
    async def recent_logs(self, info: Info, limit: int = 50) -> list[LogEntry]:
        from resolvers import health

        return [LogEntry.from_domain(e) for e in await health.recent_logs(info.context.scope, limit)]

    @classmethod
    def from_domain(cls, h: HealthReport) -> "Health":
        return cls(status=h.status, checked_at=h.checked_at, window_minutes=h.window_minutes, requests=h.requests,
                   errors=h.errors, client_errors=h.client_errors, server_errors=h.server_errors,
                   components=[Component.from_domain(c) for c in h.components])


@strawberry.type
class UserError:
    """An expected failure, returned as data: `code` is stable, `message` is for people."""

    code: ErrorCode  # type: ignore[valid-type]
    message: str
    details: JSON | None = None

    @classmethod
    def from_domain(cls, exc: DomainError) -> "UserError":
        return cls(code=DomainErrorCode(exc.code), message=exc.message, details=cast(JSON, exc.details or None))
