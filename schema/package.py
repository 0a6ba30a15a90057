"""GraphQL mutations for company packages: an upload ticket, finalize, and a download link."""
from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from registry import download
from resolvers import package as packages
from schema.errors import payload
from schema.mutation import IDEMPOTENCY_KEY
from schema.types import ArtifactNode, PackagePart, UserError
from scoring.parts import PackagePart as Part


@strawberry.type
class UploadTicket:
    upload_id: str
    url: str = strawberry.field(description="Send the zip here: a presigned S3 POST, or this server's PUT URL.")
    method: str
    fields: JSON = strawberry.field(description="Form fields to send before the file (presigned POST).")
    headers: JSON
    expires_at: datetime
    max_bytes: float


@strawberry.type
class UploadTicketPayload:
    ticket: UploadTicket | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FinalizeUploadPayload:
    artifact: ArtifactNode | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DownloadLink:
    url: str = strawberry.field(description="A short-lived URL that needs no token: this server's signed link (the "
                                            "download happens when it is fetched), or S3's presigned URL.")
    filename: str
    sha256: str = strawberry.field(description="Check the downloaded bytes against it.")
    size: float
    expires_at: datetime

    @classmethod
    def from_domain(cls, link: download.DownloadLink) -> "DownloadLink":
        return cls(url=link.url, filename=link.filename, sha256=link.sha256, size=link.size,
                   expires_at=link.expires_at)


@strawberry.type
class DownloadPayload:
    download: DownloadLink | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class GroupDownloadPayload:
    downloads: list[DownloadLink] = strawberry.field(default_factory=list, description="In the order asked.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestGroupDownloadInput:
    artifact_ids: list[str] = strawberry.field(description="Related models, read as one snapshot: of any group "
                                                           "transaction, all of its versions or none (at most 25).")
    part: PackagePart = Part.FULL  # type: ignore[valid-type]


@strawberry.input
class RequestUploadInput:
    name: str
    size: float | None = strawberry.field(
        default=None, description="Bytes the zip will have (a Float: packages can exceed 2^31 bytes); default: the "
                                  "maximum.")
    version: str | None = strawberry.field(
        default=None, description="The model's version (semver); default: its card's or config.json's `version`, "
                                  "else the next patch after the name's newest version, else 1.0.0. A version the "
                                  "name already has is refused (CONFLICT).")


@strawberry.input
class RequestDownloadInput:
    artifact_id: str
    part: PackagePart = Part.FULL  # type: ignore[valid-type]


@strawberry.input
class FinalizeUploadInput:
    upload_id: str
    sha256: str = strawberry.field(description="Hex sha256 of the uploaded zip, verified before registering.")
    idempotency_key: str | None = strawberry.field(default=None, description=IDEMPOTENCY_KEY + " A retried "
                                                   "finalize of the same upload returns its model anyway.")


@strawberry.type
class PackageMutation:
    @strawberry.mutation(description="Start uploading a company model packaged as a zip laid out like a hub repo.")
    async def request_upload(self, info: Info, input: RequestUploadInput) -> UploadTicketPayload:
        async def work() -> dict[str, object]:
            size = None if input.size is None else int(input.size)
            t = await packages.request_upload(info.context.scope, input.name, size, input.version)
            return {"ticket": UploadTicket(upload_id=t.upload_id, url=t.url, method=t.method,
                                           fields=cast(JSON, t.fields), headers=cast(JSON, t.headers),
                                           expires_at=t.expires_at, max_bytes=t.max_bytes)}
        return await payload(info, UploadTicketPayload, work)

    @strawberry.mutation(description="Verify the uploaded zip's hash, read it safely and register the model.")
    async def finalize_upload(self, info: Info, input: FinalizeUploadInput) -> FinalizeUploadPayload:
        async def work() -> dict[str, object]:
            artifact = await packages.finalize_upload(info.context.scope, input.upload_id, input.sha256,
                                                      input.idempotency_key)
            return {"artifact": ArtifactNode.from_domain(artifact)}
        return await payload(info, FinalizeUploadPayload, work)

    @strawberry.mutation(description="A download link for an artifact's package, whole or one part (an ingested "
                                     "artifact's files are mirrored first: MIRROR_PENDING while a large one is copied "
                                     "in the background). A sensitive model's monitor runs when the download is "
                                     "delivered (on AWS: now).")
    async def request_download(self, info: Info, input: RequestDownloadInput) -> DownloadPayload:
        async def work() -> dict[str, object]:
            link = await packages.request_download(info.context.scope, input.artifact_id, input.part)
            return {"download": DownloadLink.from_domain(link)}
        return await payload(info, DownloadPayload, work)

    @strawberry.mutation(description="Download links for a group of related packages, read atomically: all from "
                                     "before a group transaction, or all from after it.")
    async def request_group_download(self, info: Info, input: RequestGroupDownloadInput) -> GroupDownloadPayload:
        async def work() -> dict[str, object]:
            links = await packages.request_group_download(info.context.scope, input.artifact_ids, input.part)
            return {"downloads": [DownloadLink.from_domain(link) for link in links]}
        return await payload(info, GroupDownloadPayload, work)
