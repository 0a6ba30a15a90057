"""BlobStore on S3 (any S3 API: AWS, SeaweedFS in tests).

The boto3 S3 client comes in through the constructor. Writes of content-addressed keys are conditional on the
server (`If-None-Match: *`; a 412 answer means "already there"), so two writers of one package never upload
over each other; big files go up in parts and the condition is checked when the upload is completed. Uploads
and downloads by clients bypass the server through presigned URLs: GET with a download filename, and a POST
policy whose content-length-range caps the size on S3's side. Only a missing key is reported as absence:
every other error (503, throttling after retries, credentials) propagates, never read as "not there".
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any
from urllib.parse import quote

from botocore.exceptions import ClientError

from registry.errors import InvalidInput, NotFound, TooLarge
from registry.ports import BlobInfo

_MISSING = {"404", "NoSuchKey", "NotFound"}
_ALREADY_WRITTEN = {"PreconditionFailed", "ConditionalRequestConflict"}  # 412, and 409 for a racing writer
_CHUNK = 1024 * 1024
_DEFAULT_PART = 64 * 1024 * 1024
_DELETE_BATCH = 1000


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, part_size: int = _DEFAULT_PART) -> None:
        """`part_size`: files larger than this are uploaded in parts of that size (S3's minimum is 5 MiB)."""
        self._s3 = client
        self._bucket = bucket
        self._part_size = part_size

    def ensure_bucket(self) -> None:
        """Create the bucket if it is absent (tests and first start)."""
        try:
            self._s3.head_bucket(Bucket=self._bucket)
            return
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise
        region = self._s3.meta.region_name
        options: dict[str, Any] = {}
        if region and region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._s3.create_bucket(Bucket=self._bucket, **options)
        except ClientError as error:
            if _code(error) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise

    # writes ----------------------------------------------------------------------------------------------------
    def put_file(self, key: str, path: str) -> bool:
        if self.exists(key):  # spares the upload; the conditional write below is what guarantees it
            return False
        try:
            if os.path.getsize(path) <= self._part_size:
                with open(path, "rb") as body:
                    self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, IfNoneMatch="*")
            else:
                self._put_parts(key, path)
        except ClientError as error:
            if _code(error) in _ALREADY_WRITTEN:
                return False
            raise
        return True

    def _put_parts(self, key: str, path: str) -> None:
        upload_id = self._s3.create_multipart_upload(Bucket=self._bucket, Key=key)["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            with open(path, "rb") as source:
                while chunk := source.read(self._part_size):
                    number = len(parts) + 1
                    answer = self._s3.upload_part(Bucket=self._bucket, Key=key, UploadId=upload_id,
                                                  PartNumber=number, Body=chunk)
                    parts.append({"PartNumber": number, "ETag": answer["ETag"]})
            self._s3.complete_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id,
                                               MultipartUpload={"Parts": parts}, IfNoneMatch="*")
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload_id)
            raise

    def put_stream(self, key: str, stream: IO[bytes], max_bytes: int) -> int:
        """Streams through boto3's transfer manager; the cap is enforced while reading, before S3 sees more."""
        capped = _CappedReader(stream, max_bytes)
        self._s3.upload_fileobj(capped, self._bucket, key)
        return capped.count

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=key)

    def list_blobs(self, prefix: str) -> Iterator[BlobInfo]:
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield BlobInfo(item["Key"], int(item["Size"]), item["LastModified"])

    def sweep_temporaries(self, older_than: datetime) -> int:
        """Abort multipart uploads a killed writer never completed or aborted (they are billed, and invisible)."""
        aborted = 0
        for page in self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket):
            for upload in page.get("Uploads", []):
                if upload["Initiated"] < older_than:
                    self._s3.abort_multipart_upload(Bucket=self._bucket, Key=upload["Key"],
                                                    UploadId=upload["UploadId"])
                    aborted += 1
        return aborted

    def reset(self) -> None:
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self._bucket)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start:start + _DELETE_BATCH]]
            answer = self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(answer['Errors'])} objects: {answer['Errors'][0]}")

    # reads -----------------------------------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    def size(self, key: str) -> int | None:
        try:
            return int(self._s3.head_object(Bucket=self._bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Sends the GET now, so a missing key raises NotFound here rather than at the first chunk."""
        if start < 0 or (end is not None and end < start):
            raise InvalidInput(f"invalid byte range {start}-{end}")
        options: dict[str, Any] = {}
        if start or end is not None:
            options["Range"] = f"bytes={start}-{'' if end is None else end}"
        try:
            body = self._s3.get_object(Bucket=self._bucket, Key=key, **options)["Body"]
        except ClientError as error:
            if _code(error) in _MISSING:
                raise NotFound(f"no blob {key!r}") from None
            if _code(error) == "InvalidRange":
                raise InvalidInput(f"byte range {start}-{end} is outside the blob") from None
            raise
        return _stream(body)

    def local_path(self, key: str) -> str | None:
        return None

    def download_to(self, key: str, path: str) -> None:
        try:
            self._s3.download_file(self._bucket, key, path)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise NotFound(f"no blob {key!r}") from None
            raise

    # presigned URLs --------------------------------------------------------------------------------------------
    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str | None:
        url: str = self._s3.generate_presigned_url(
            "get_object", ExpiresIn=ttl_seconds,
            Params={"Bucket": self._bucket, "Key": key, "ResponseContentDisposition": content_disposition(filename)})
        return url

    def presign_upload(self, key: str, max_bytes: int, ttl_seconds: int) -> dict[str, Any] | None:
        post = self._s3.generate_presigned_post(self._bucket, key, ExpiresIn=ttl_seconds,
                                                Conditions=[["content-length-range", 0, max_bytes]])
        return {"url": post["url"], "method": "POST", "fields": dict(post["fields"]), "headers": {}}

    def ping(self) -> None:
        self._s3.head_bucket(Bucket=self._bucket)


def content_disposition(filename: str) -> str:
    """An attachment header safe for any name: an ASCII fallback and the exact name in RFC 5987 form."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(filename, safe='')}"


class _CappedReader:
    """A file-like reader that counts bytes and raises TooLarge past the cap (aborting the upload)."""

    def __init__(self, stream: IO[bytes], max_bytes: int) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.count += len(chunk)
        if self.count > self._max_bytes:
            raise TooLarge(f"more than {self._max_bytes} bytes")
        return chunk


def _stream(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(_CHUNK)
    finally:
        body.close()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
