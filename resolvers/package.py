"""Company packages: upload tickets, the upload body, finalize, and a download's two steps (registry/download.py)."""
from __future__ import annotations

from collections.abc import Iterator

from registry.download import Delivery, DownloadLink
from registry.model import Artifact, ArtifactType, User
from registry.package import UploadTicket
from resolvers.scope import RequestScope, as_caller, as_caller_upstream, call
from scoring.parts import PackagePart


async def request_upload(scope: RequestScope, name: str, size: int | None, version: str | None = None) -> UploadTicket:
    return await as_caller(scope, scope.registry.packages.request_upload, name, size, scope.base_url, version)


async def receive_upload(scope: RequestScope, upload_id: str, chunks: Iterator[bytes],
                         content_length: int | None) -> int:
    """The upload's body (embedded store): the unguessable upload id is the credential, not a token."""
    return await call(scope.registry.packages.receive_upload, upload_id, chunks, content_length)


async def finalize_upload(scope: RequestScope, upload_id: str, sha256: str,
                          idempotency_key: str | None = None) -> Artifact:
    """Register the uploaded package (on the upstream bulkhead: its rating reads the datasets and code its card
    links); a refusal (unsafe content, the rating gate) is audited as a refused ingest."""
    registry = scope.registry

    def run(actor: User) -> Artifact:
        name = registry.packages.upload_name(upload_id) or f"upload {upload_id}"
        with registry.audit.refusals_audited(actor, ArtifactType.MODEL, name):
            return registry.packages.finalize_upload(actor, upload_id, sha256, idempotency_key)

    return await as_caller_upstream(scope, run)


async def request_download(scope: RequestScope, artifact_id: str, part: PackagePart) -> DownloadLink:
    """The link step: a signed link to this server, or (on AWS) the admitted download's presigned URL."""
    return await as_caller(scope, scope.registry.downloads.link, artifact_id, part, scope.base_url)


async def request_group_download(scope: RequestScope, artifact_ids: list[str],
                                 part: PackagePart) -> list[DownloadLink]:
    """Links to several related models read as one snapshot (of a group transaction: all of its versions or none)."""
    return await as_caller(scope, scope.registry.downloads.link_group, artifact_ids, part, scope.base_url)


async def deliver(scope: RequestScope, artifact_id: str, part: PackagePart) -> Delivery:
    """The delivery step for a caller with the token header."""
    return await as_caller(scope, scope.registry.downloads.deliver, artifact_id, part)


async def deliver_signed(scope: RequestScope, artifact_id: str, part: PackagePart, username: str | None,
                         expires: str | None, signature: str | None) -> Delivery:
    """The delivery step for a signed link: the link, not a token, says who downloads."""
    return await call(scope.registry.downloads.deliver_signed, artifact_id, part, username, expires, signature)


def envelope_url(scope: RequestScope, artifact: Artifact) -> str:
    """The REST envelope's `download_url` for an artifact a use case just read for this caller: no thread hop, since
    the caller is already resolved and signing is one HMAC."""
    return scope.registry.downloads.url_for(scope.caller.get(), artifact, scope.base_url)
