"""Company packages: upload tickets, finalize, download links."""
from __future__ import annotations

from registry.model import Artifact
from registry.package import Download, UploadTicket
from resolvers.context import RequestScope, call


async def request_upload(scope: RequestScope, name: str, size: int | None) -> UploadTicket:
    return await call(scope.registry.packages.request_upload, await scope.user(), name, size, scope.base_url)


async def finalize_upload(scope: RequestScope, upload_id: str, sha256: str) -> Artifact:
    return await call(scope.registry.packages.finalize_upload, await scope.user(), upload_id, sha256)


async def request_download(scope: RequestScope, artifact_id: str, part: str) -> Download:
    return await call(scope.registry.packages.download, await scope.user(), artifact_id, part)
