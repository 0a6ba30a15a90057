"""Company packages: upload tickets, the upload body, finalize, downloads."""
from __future__ import annotations

from collections.abc import Iterator

from registry.model import Artifact
from registry.package import Download, UploadTicket
from resolvers.scope import RequestScope, as_caller, call
from scoring.parts import PackagePart


async def request_upload(scope: RequestScope, name: str, size: int | None) -> UploadTicket:
    return await as_caller(scope, scope.registry.packages.request_upload, name, size, scope.base_url)


async def receive_upload(scope: RequestScope, upload_id: str, chunks: Iterator[bytes],
                         content_length: int | None) -> int:
    """The upload's body (embedded store): the unguessable upload id is the credential, not a token."""
    return await call(scope.registry.packages.receive_upload, upload_id, chunks, content_length)


async def finalize_upload(scope: RequestScope, upload_id: str, sha256: str,
                          idempotency_key: str | None = None) -> Artifact:
    return await as_caller(scope, scope.registry.packages.finalize_upload, upload_id, sha256, idempotency_key)


async def request_download(scope: RequestScope, artifact_id: str, part: PackagePart) -> Download:
    return await as_caller(scope, scope.registry.packages.download, artifact_id, part)


async def request_group_download(scope: RequestScope, artifact_ids: list[str], part: PackagePart) -> list[Download]:
    return await as_caller(scope, scope.registry.packages.download_group, artifact_ids, part)
