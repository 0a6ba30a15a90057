"""Company packages: upload tickets, finalize, download links."""
from __future__ import annotations

from registry.model import Artifact
from registry.package import Download, UploadTicket
from resolvers.context import RequestScope, as_caller


async def request_upload(scope: RequestScope, name: str, size: int | None) -> UploadTicket:
    return await as_caller(scope, scope.registry.packages.request_upload, name, size, scope.base_url)


async def finalize_upload(scope: RequestScope, upload_id: str, sha256: str) -> Artifact:
    return await as_caller(scope, scope.registry.packages.finalize_upload, upload_id, sha256)


async def request_download(scope: RequestScope, artifact_id: str, part: str) -> Download:
    return await as_caller(scope, scope.registry.packages.download, artifact_id, part)
