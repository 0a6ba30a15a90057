"""app.transfer over HTTP: the embedded store's upload target and the download route with ranges."""
from __future__ import annotations

import hashlib
import json
import tracemalloc
from pathlib import Path
from typing import Any

import anyio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.errors import install_error_handlers
from app.pipeline import RequestPipeline
from app.transfer import parse_range, router
from registry.errors import RangeNotSatisfiable
from registry.ports import staging_key
from store.factory import build_stores
from tests.package.conftest import READER, UPLOADER, Services, build_services, small_settings
from tests.package.zips import build_zip, hf_files


def client_for(services: Services) -> TestClient:
    """The transfer routes alone, behind the request pipeline and the error rendering they rely on."""
    app = FastAPI()
    app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(RequestPipeline, registry=services, max_body_bytes=services.settings.max_request_body_bytes)
    return TestClient(app)


@pytest.fixture
def package(tmp_path: Path) -> bytes:
    return build_zip(tmp_path / "p.zip", hf_files()).read_bytes()


def put_and_finalize(services: Services, client: TestClient, data: bytes) -> str:
    ticket = services.packages.request_upload(UPLOADER, "tiny-model", None, "http://testserver")
    response = client.put(ticket.url, content=data)
    assert response.status_code == 200, response.text
    assert response.json() == {"upload_id": ticket.upload_id, "size": len(data)}
    return services.packages.finalize_upload(UPLOADER, ticket.upload_id, hashlib.sha256(data).hexdigest()).id


def test_upload_then_download_whole(services, package):
    client = client_for(services)
    artifact_id = put_and_finalize(services, client, package)
    token = services.token_for(UPLOADER)
    response = client.get(f"/download/{artifact_id}", headers={"X-Authorization": f"bearer {token}"})
    assert response.status_code == 200 and response.content == package
    digest = hashlib.sha256(package).hexdigest()
    assert response.headers["content-length"] == str(len(package))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"] == f'"{digest}"' and response.headers["x-checksum-sha256"] == digest
    assert response.headers["content-disposition"] == 'attachment; filename="tiny-model.zip"'
    assert response.headers["content-type"] == "application/zip"


def test_streamed_upload_body(services):
    """A chunked body (no Content-Length) reaches the store chunk by chunk."""
    client = client_for(services)
    ticket = services.packages.request_upload(UPLOADER, "m", None, "http://testserver")
    pieces = [bytes([i]) * 100_000 for i in range(20)]
    response = client.put(f"/uploads/{ticket.upload_id}", content=iter(pieces))
    assert response.status_code == 200, response.text
    assert b"".join(services.blobs.open_read(staging_key(ticket.upload_id))) == b"".join(pieces)


@pytest.mark.parametrize("header, span", [("bytes=0-9", (0, 9)), ("bytes=100-", (100, None)),
                                          ("bytes=-25", (-25, None)), ("bytes=5-999999999", (5, None))])
def test_ranges(services, package, header, span):
    client = client_for(services)
    artifact_id = put_and_finalize(services, client, package)
    token = services.token_for(UPLOADER)
    response = client.get(f"/download/{artifact_id}", headers={"Authorization": token, "Range": header})
    start, end = span
    expected = package[start:] if end is None else package[start:end + 1]
    first = start % len(package)
    assert response.status_code == 206 and response.content == expected
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(package)}"
    assert response.headers["content-length"] == str(len(expected))


def test_unsatisfiable_range(services, package):
    client = client_for(services)
    artifact_id = put_and_finalize(services, client, package)
    token = services.token_for(UPLOADER)
    response = client.get(f"/download/{artifact_id}", headers={"X-Authorization": token,
                                                               "Range": f"bytes={len(package)}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(package)}"


def test_part_download_and_errors(services, package):
    client = client_for(services)
    artifact_id = put_and_finalize(services, client, package)
    token = services.token_for(UPLOADER)
    auth = {"X-Authorization": f"bearer {token}"}
    card = client.get(f"/download/{artifact_id}?part=card", headers=auth)
    assert card.status_code == 200 and card.headers["content-disposition"].endswith('tiny-model-card.zip"')
    assert client.get(f"/download/{artifact_id}?part=bogus", headers=auth).status_code == 400
    assert client.get("/download/missing-id", headers=auth).status_code == 404
    missing_token = client.get(f"/download/{artifact_id}")
    assert missing_token.status_code == 403 and "X-Authorization" in missing_token.json()["detail"]
    reader = client.get(f"/download/{artifact_id}", headers={"X-Authorization": services.token_for(READER)})
    assert reader.status_code == 401 and reader.json()["code"] == "PERMISSION_DENIED"


def test_presigned_download_redirects(s3_like, package):
    client = client_for(s3_like)
    data = package
    ticket = s3_like.packages.request_upload(UPLOADER, "tiny-model", None, "http://testserver")
    s3_like.packages.receive_upload(ticket.upload_id, [data], len(data))  # as if the client POSTed to S3
    artifact = s3_like.packages.finalize_upload(UPLOADER, ticket.upload_id, hashlib.sha256(data).hexdigest())
    response = client.get(f"/download/{artifact.id}", headers={"X-Authorization": s3_like.token_for(UPLOADER)},
                          follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"].startswith("https://bucket.example/sha256/")


def test_upload_refusals(services):
    client = client_for(services)
    unknown = client.put("/uploads/unknown-upload-id-0123456789", content=b"x")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "no such upload, or it has expired"
    ticket = services.packages.request_upload(UPLOADER, "m", 100, "http://testserver")
    assert client.put(ticket.url, content=b"x" * 101).status_code == 413
    assert client.put(ticket.url, content=iter([b"x" * 60, b"x" * 60])).status_code == 413
    assert client.put(ticket.url, content=b"x" * 10, headers={"Content-Length": "ten"}).status_code == 400


def test_parse_range_rules():
    assert parse_range(None, 10) is None
    assert parse_range("items=0-5", 10) is None
    assert parse_range("bytes=0-1,4-5", 10) is None
    assert parse_range("bytes=5-2", 10) is None
    assert parse_range("bytes=-", 10) is None
    assert parse_range("bytes=-100", 10) == (0, 9)
    assert parse_range("bytes=9-", 10) == (9, 9)
    for header in ("bytes=10-", "bytes=-0", "bytes=0-0"):
        with pytest.raises(RangeNotSatisfiable):
            parse_range(header, 0 if header == "bytes=0-0" else 10)


def test_upload_route_memory_stays_flat(tmp_path):
    """48 MiB go through PUT /uploads/{id} into the embedded file store while Python's allocations peak far below
    that: the body is never gathered. (Driven as raw ASGI because TestClient reads a request body whole first.)"""
    settings = small_settings(tmp_path, max_upload_bytes=64 << 20)
    services = build_services(settings, *build_stores(settings))
    app = client_for(services).app
    upload_id = services.packages.request_upload(UPLOADER, "m", None, "http://testserver").upload_id
    total_chunks = 48
    sent = 0
    replies: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        return {"type": "http.request", "body": bytes(1 << 20), "more_body": sent < total_chunks}

    async def send(message: dict[str, Any]) -> None:
        replies.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PUT", "scheme": "http",
             "path": f"/uploads/{upload_id}", "raw_path": f"/uploads/{upload_id}".encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver")], "server": ("testserver", 80),
             "client": ("127.0.0.1", 50000)}
    tracemalloc.start()
    try:
        anyio.run(app, scope, receive, send)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert replies[0]["status"] == 200
    assert json.loads(replies[1]["body"]) == {"upload_id": upload_id, "size": total_chunks << 20}
    assert peak < 12 << 20, peak
    assert services.blobs.size(staging_key(upload_id)) == total_chunks << 20
