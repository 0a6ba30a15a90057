"""REST routes of the security track, beyond the course spec (whose own routes are in rest/routes.py, word for word).

They follow the spec's conventions: the token in X-Authorization, 400 for bad input, 403 for a missing or invalid
token, 401 for a known caller without the permission, 404, 413; JSON bodies with {"detail", "code"} on errors.

- GET    /artifact/{artifact_type}/{id}/content-scan   the scan of its files (every reader)
- PUT    /artifact/model/{id}/sensitive                {"sensitive": true|false} (upload permission)
- GET    /artifact/model/{id}/monitor                  the monitor program (upload permission; 404: none)
- PUT    /artifact/model/{id}/monitor                  {"program": "..."} attach or replace it
- DELETE /artifact/model/{id}/monitor                  remove it
- GET    /artifact/model/{id}/download-history         ?limit=&offset= (admins and the uploader); the next page's
                                                       offset in the `offset` response header, as POST /artifacts
- GET    /PackageConfusionAudit                        ?threshold= (admins)
- PUT    /user/password                                {"new_password", "current_password"?, "username"?}
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict

from registry.confusion import DEFAULT_THRESHOLD, ConfusionFinding
from registry.errors import NotFound
from registry.model import ArtifactType, ContentScan, DownloadRecord, Monitor
from resolvers import security
from resolvers import user as users
from rest.routes import ArtifactId, Scope

router = APIRouter()
HISTORY_PAGE = 100


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ContentScanAnswer(BaseModel):
    artifact_id: str
    scan: ContentScan | None  # null: its files were never stored (a hub model before its first download)


class SensitiveRequest(_Strict):
    sensitive: bool


class SensitiveAnswer(BaseModel):
    id: str
    name: str
    sensitive: bool


class MonitorRequest(_Strict):
    program: str


class RemovedAnswer(BaseModel):
    id: str
    removed: bool


class PasswordChange(_Strict):
    new_password: str
    current_password: str | None = None
    username: str | None = None  # default: the caller


class UserAnswer(BaseModel):
    name: str
    is_admin: bool
    credentials_changed_at: datetime | None


@router.get("/artifact/{artifact_type}/{id}/content-scan", operation_id="ArtifactContentScan")
async def content_scan(scope: Scope, artifact_type: ArtifactType, id: ArtifactId) -> ContentScanAnswer:
    return ContentScanAnswer(artifact_id=id, scan=await security.content_scan(scope, id, artifact_type))


@router.put("/artifact/model/{id}/sensitive", operation_id="ModelSensitiveSet")
async def set_sensitive(scope: Scope, id: ArtifactId, body: SensitiveRequest) -> SensitiveAnswer:
    model = await security.set_sensitive(scope, id, body.sensitive)
    return SensitiveAnswer(id=model.id, name=model.name, sensitive=model.sensitive)


@router.get("/artifact/model/{id}/monitor", operation_id="ModelMonitorGet")
async def get_monitor(scope: Scope, id: ArtifactId) -> Monitor:
    found = await security.monitor(scope, id)
    if found is None:
        raise NotFound(f"model {id!r} has no monitor")
    return found


@router.put("/artifact/model/{id}/monitor", operation_id="ModelMonitorPut")
async def put_monitor(scope: Scope, id: ArtifactId, body: MonitorRequest) -> Monitor:
    return await security.put_monitor(scope, id, body.program)


@router.delete("/artifact/model/{id}/monitor", operation_id="ModelMonitorDelete")
async def remove_monitor(scope: Scope, id: ArtifactId) -> RemovedAnswer:
    await security.remove_monitor(scope, id)
    return RemovedAnswer(id=id, removed=True)


@router.get("/artifact/model/{id}/download-history", operation_id="ModelDownloadHistory")
async def download_history(scope: Scope, response: Response, id: ArtifactId,
                           limit: Annotated[int, Query(ge=1)] = HISTORY_PAGE,
                           offset: Annotated[str | None, Query()] = None) -> list[DownloadRecord]:
    page = await security.download_history(scope, id, limit, offset)
    if page.has_next_page and page.edges:
        response.headers["offset"] = page.edges[-1].cursor
    return [edge.node for edge in page.edges]


@router.get("/PackageConfusionAudit", operation_id="PackageConfusionAudit")
async def package_confusion_audit(scope: Scope,
                                  threshold: Annotated[float, Query(ge=0, le=1)] = DEFAULT_THRESHOLD
                                  ) -> list[ConfusionFinding]:
    """The findings as the audit makes them (its dataclasses are the wire shape)."""
    return await security.confusion_audit(scope, threshold)


@router.put("/user/password", operation_id="UserPasswordChange")
async def change_password(scope: Scope, body: PasswordChange) -> UserAnswer:
    changed = await users.change_password(scope, body.username, body.new_password, body.current_password)
    return UserAnswer(name=changed.username, is_admin=changed.is_admin,
                      credentials_changed_at=changed.credentials_changed_at)
