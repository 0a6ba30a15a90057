"""The security track's use cases: content scans, sensitive models and their monitors, download history, the
refusals trail and the package-confusion audit."""
from __future__ import annotations

from registry.confusion import DEFAULT_THRESHOLD, ConfusionFinding
from registry.model import Artifact, ArtifactType, AuditEntry, ContentScan, DownloadRecord, Monitor
from registry.paging import Connection
from resolvers.artifact import checked_type
from resolvers.scope import RequestScope, as_caller


async def content_scan(scope: RequestScope, artifact_id: str,
                       artifact_type: ArtifactType | None = None) -> ContentScan | None:
    """The artifact's recorded scan (None when its files were never scanned), for every reader."""
    artifact = await as_caller(scope, lambda actor: checked_type(scope, actor, artifact_id, artifact_type))
    return artifact.content_scan


async def set_sensitive(scope: RequestScope, artifact_id: str, sensitive: bool) -> Artifact:
    return await as_caller(scope, scope.registry.sensitive.set_sensitive, artifact_id, sensitive)


async def monitor(scope: RequestScope, artifact_id: str) -> Monitor | None:
    return await as_caller(scope, scope.registry.sensitive.monitor, artifact_id)


async def put_monitor(scope: RequestScope, artifact_id: str, program: str) -> Monitor:
    return await as_caller(scope, scope.registry.sensitive.put_monitor, artifact_id, program)


async def remove_monitor(scope: RequestScope, artifact_id: str) -> None:
    await as_caller(scope, scope.registry.sensitive.remove_monitor, artifact_id)


async def download_history(scope: RequestScope, artifact_id: str, first: int,
                           after: str | None) -> Connection[DownloadRecord]:
    return await as_caller(scope, scope.registry.downloads.history, artifact_id, first, after)


async def refused_ingests(scope: RequestScope, first: int, after: str | None) -> Connection[AuditEntry]:
    return await as_caller(scope, scope.registry.audit.refused_ingests, first, after)


async def confusion_audit(scope: RequestScope, threshold: float = DEFAULT_THRESHOLD) -> list[ConfusionFinding]:
    return await as_caller(scope, scope.registry.popularity.confusion_audit, threshold)
