"""GraphQL of the security track: sensitive models and their monitors, download history, refused ingests, the
package-confusion audit, and password changes."""
from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from registry import model
from registry.confusion import DEFAULT_THRESHOLD
from registry.confusion import ConfusionFinding as DomainFinding
from registry.paging import Connection
from resolvers import security
from resolvers import user as users
from schema.errors import payload
from schema.mutation import ArtifactPayload, DeletePayload, UserPayload
from schema.query import PAGE
from schema.types import ArtifactNode, AuditEntry, User, UserError, page_info


@strawberry.type
class Monitor:
    program: str = strawberry.field(description="JavaScript, run under Node.js 24 as `node monitor.js MODEL_NAME "
                                                "UPLOADER_USERNAME DOWNLOADER_USERNAME ZIP_FILE_PATH`.")
    sha256: str
    updated_by: str
    updated_at: datetime

    @classmethod
    def from_domain(cls, m: model.Monitor) -> "Monitor":
        return cls(program=m.program, sha256=m.sha256, updated_by=m.updated_by, updated_at=m.updated_at)


@strawberry.type
class DownloadRecord:
    artifact_id: str
    artifact_name: str
    username: str = strawberry.field(description="Who downloaded.")
    part: str
    allowed: bool
    outcome: str = strawberry.field(description='"allowed", "allowed by the monitor", "refused by the monitor: …".')
    exit_code: int | None = strawberry.field(description="The monitor's exit code, when it ran and exited.")
    stdout: str | None = strawberry.field(description="The monitor's output (its first 4000 characters).")
    at: datetime

    @classmethod
    def from_domain(cls, r: model.DownloadRecord) -> "DownloadRecord":
        return cls(artifact_id=r.artifact_id, artifact_name=r.artifact_name, username=r.username, part=r.part,
                   allowed=r.allowed, outcome=r.outcome, exit_code=r.exit_code, stdout=r.stdout, at=r.at)


@strawberry.type
class DownloadRecordEdge:
    node: DownloadRecord
    cursor: str


@strawberry.type
class DownloadRecordConnection:
    edges: list[DownloadRecordEdge]
    page_info: relay.PageInfo

    @classmethod
    def from_domain(cls, page: Connection[model.DownloadRecord], after: str | None) -> "DownloadRecordConnection":
        return cls(edges=[DownloadRecordEdge(node=DownloadRecord.from_domain(e.node), cursor=e.cursor)
                          for e in page.edges], page_info=page_info(page, after))


@strawberry.type
class AuditEntryEdge:
    node: AuditEntry
    cursor: str


@strawberry.type
class AuditEntryConnection:
    edges: list[AuditEntryEdge]
    page_info: relay.PageInfo

    @classmethod
    def from_domain(cls, page: Connection[model.AuditEntry], after: str | None) -> "AuditEntryConnection":
        return cls(edges=[AuditEntryEdge(node=AuditEntry.from_domain(e.node), cursor=e.cursor) for e in page.edges],
                   page_info=page_info(page, after))


@strawberry.type
class ConfusionSignal:
    kind: str = strawberry.field(description='"scope", "homoglyph", "typo", "popularity_gap", "few_accounts", '
                                             '"bot_regularity", ...')
    value: float = strawberry.field(description="Its strength, in [0, 1].")
    detail: str


@strawberry.type
class ConfusionFinding:
    artifact_id: str
    artifact_name: str
    imitates_id: str = strawberry.field(description="The more popular artifact this one may be taken for.")
    imitates_name: str
    score: float = strawberry.field(description="In [0, 1]: name similarity x (popularity gap, traffic anomaly, "
                                                "recency); a lead for a reviewer, not a verdict.")
    signals: list[ConfusionSignal]

    @classmethod
    def from_domain(cls, f: DomainFinding) -> "ConfusionFinding":
        return cls(artifact_id=f.artifact_id, artifact_name=f.artifact_name, imitates_id=f.imitates_id,
                   imitates_name=f.imitates_name, score=f.score,
                   signals=[ConfusionSignal(kind=s.kind, value=s.value, detail=s.detail) for s in f.signals])


@strawberry.type
class MonitorPayload:
    monitor: Monitor | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class SetSensitiveInput:
    artifact_id: str
    sensitive: bool


@strawberry.input
class PutMonitorInput:
    artifact_id: str
    program: str = strawberry.field(description="JavaScript source; exit code 0 allows a download, anything else "
                                                "refuses it with the program's stdout.")


@strawberry.input
class RemoveMonitorInput:
    artifact_id: str


@strawberry.input
class ChangePasswordInput:
    new_password: str
    username: str | None = strawberry.field(default=None, description="Whose password (admins only for another "
                                                                      "user's); default: the caller's own.")
    current_password: str | None = strawberry.field(default=None, description="Required for one's own password.")


@strawberry.type
class SecurityQuery:
    @strawberry.field(description="Who downloaded an artifact, when, which part and whether it was allowed, oldest "
                                  "first (admins and the artifact's uploader; kept after the artifact is deleted).")
    async def download_history(self, info: Info, artifact_id: str, first: int = PAGE,
                               after: str | None = None) -> DownloadRecordConnection:
        page = await security.download_history(info.context.scope, artifact_id, first, after)
        return DownloadRecordConnection.from_domain(page, after)

    @strawberry.field(description="Refused ingests and uploads of new artifacts (the rating gate, unsafe content), "
                                  "oldest first (admins only).")
    async def refusals(self, info: Info, first: int = PAGE, after: str | None = None) -> AuditEntryConnection:
        page = await security.refused_ingests(info.context.scope, first, after)
        return AuditEntryConnection.from_domain(page, after)

    @strawberry.field(description="Artifacts suspected of package confusion: a name close to a more popular "
                                  "artifact's, popularity from searches and downloads, anomalous download traffic; "
                                  "most suspicious first (admins only).")
    async def package_confusion_audit(self, info: Info,
                                      threshold: float = DEFAULT_THRESHOLD) -> list[ConfusionFinding]:
        return [ConfusionFinding.from_domain(f) for f in await security.confusion_audit(info.context.scope, threshold)]


@strawberry.type
class SecurityMutation:
    @strawberry.mutation(description="Mark a model sensitive (its downloads run its monitor first) or not "
                                     "(upload permission).")
    async def set_sensitive(self, info: Info, input: SetSensitiveInput) -> ArtifactPayload:
        async def work() -> dict[str, object]:
            artifact = await security.set_sensitive(info.context.scope, input.artifact_id, input.sensitive)
            return {"artifact": ArtifactNode.from_domain(artifact)}
        return await payload(info, ArtifactPayload, work)

    @strawberry.mutation(description="Attach or replace a model's monitor program (upload permission).")
    async def put_monitor(self, info: Info, input: PutMonitorInput) -> MonitorPayload:
        async def work() -> dict[str, object]:
            monitor = await security.put_monitor(info.context.scope, input.artifact_id, input.program)
            return {"monitor": Monitor.from_domain(monitor)}
        return await payload(info, MonitorPayload, work)

    @strawberry.mutation(description="Remove a model's monitor program (upload permission).")
    async def remove_monitor(self, info: Info, input: RemoveMonitorInput) -> DeletePayload:
        async def work() -> dict[str, object]:
            await security.remove_monitor(info.context.scope, input.artifact_id)
            return {"deleted_id": input.artifact_id}
        return await payload(info, DeletePayload, work)

    @strawberry.mutation(description="Change a password: one's own with the current one, anyone's as an admin. Every "
                                     "token of that user stops working (log in again).")
    async def change_password(self, info: Info, input: ChangePasswordInput) -> UserPayload:
        async def work() -> dict[str, object]:
            changed = await users.change_password(info.context.scope, input.username, input.new_password,
                                                  input.current_password)
            return {"user": User.from_domain(changed)}
        return await payload(info, UserPayload, work)
