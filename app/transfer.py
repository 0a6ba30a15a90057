"""The two HTTP routes package transfers need besides GraphQL and REST: the embedded store's upload target and the
download endpoint, where a download is delivered (registry/download.py: the monitor, history and audit run here)
and then redirected to a presigned URL or streamed with HTTP range support.

Both stream: an upload body is pulled chunk by chunk by the worker thread that writes it to the blob store, and a
download is read from the blob store chunk by chunk, so memory stays flat whatever the package size.
"""
from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import anyio.from_thread
import re2
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.errors import error_response
from app.streaming import package_response
from registry.errors import InvalidInput, RangeNotSatisfiable
from resolvers import package as packages
from resolvers.scope import call, scope_from_state
from scoring.parts import PackagePart

router = APIRouter()

_RANGE = re2.compile(r"^bytes=(\d*)-(\d*)$")


@router.put("/uploads/{upload_id}", include_in_schema=False)
async def put_upload(upload_id: str, request: Request) -> Response:
    """Body of a package upload for the embedded store; the upload id is the credential (see PackageService)."""
    body = request.stream()

    async def next_chunk() -> bytes | None:
        try:
            return await body.__anext__()
        except StopAsyncIteration:
            return None

    def chunks() -> Iterator[bytes]:
        """Runs in the worker thread: fetches each chunk from the event loop only when the store wants it."""
        while (chunk := anyio.from_thread.run(next_chunk)) is not None:
            if chunk:
                yield chunk

    size = await packages.receive_upload(scope_from_state(request.state), upload_id, chunks(), _content_length(request))
    return JSONResponse({"upload_id": upload_id, "size": size})


@router.get("/download/{artifact_id}", include_in_schema=False)
async def download(artifact_id: str, request: Request, part: PackagePart = PackagePart.FULL, user: str | None = None,
                   expires: str | None = None, signature: str | None = None) -> Response:
    """The package (or one part) of an artifact: 307 to a presigned URL, else streamed (206 for a range); 202 with
    Retry-After while an ingested artifact's files are mirrored in the background. Authorised by the token header
    when there is one (a signature is then ignored), else by the link's signature."""
    scope = scope_from_state(request.state)
    if scope.caller.presented or (user is None and expires is None and signature is None):
        delivery = await packages.deliver(scope, artifact_id, part)
    else:
        delivery = await packages.deliver_signed(scope, artifact_id, part, user, expires, signature)
    if delivery.url:
        return RedirectResponse(delivery.url, status_code=307)
    item = delivery.stored
    try:
        span = parse_range(request.headers.get("range"), item.size)
    except RangeNotSatisfiable as exc:
        return error_response(exc, headers={"Content-Range": f"bytes */{exc.details['size']}"})
    stored = scope.registry.packages
    path = await call(stored.local_path, item.key)
    headers = {"Accept-Ranges": "bytes", "ETag": f'"{item.sha256}"', "X-Checksum-Sha256": item.sha256,
               "Content-Disposition": f'attachment; filename="{item.filename}"'}
    if span is None:
        headers["Content-Length"] = str(item.size)
        return package_response(path, partial(stored.open_range, item.key), (0, item.size - 1), 200, headers)
    start, end = span
    headers["Content-Length"] = str(end - start + 1)
    headers["Content-Range"] = f"bytes {start}-{end}/{item.size}"
    return package_response(path, partial(stored.open_range, item.key), span, 206, headers)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte span a single-range `Range` header asks for, or None to send everything.

    `bytes=a-b`, `bytes=a-` and `bytes=-n` are honoured; a header we don't understand (another unit, several
    ranges, a-b with b < a) is ignored, as RFC 9110 allows; a range that starts past the end is 416."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix: the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable("the requested range is empty", size=size)
        return max(size - suffix, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(f"the range starts past the end of the {size}-byte file", size=size)
    return start, min(end, size - 1)


def _content_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidInput("Content-Length must be a number of bytes")
    return int(value)
