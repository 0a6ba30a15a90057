"""The BlobStore contract (registry/ports.py), run against a local directory and against S3 on SeaweedFS."""
from __future__ import annotations

import io
import os
from pathlib import Path

import httpx
import pytest
from botocore.exceptions import ClientError

from registry.errors import InvalidInput, NotFound, TooLarge
from store.files import FileBlobStore
from registry.ports import blob_key, staging_key
from store.s3 import S3BlobStore, content_disposition
from tests.servers import unavailable_s3

KEY = blob_key("ab" * 32)
DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def source(tmp_path):
    def write(data: bytes, name: str = "source.bin") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


def read_all(blobs, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join(blobs.open_read(key, start, end))


def test_put_file_is_a_conditional_write(blobs, source):
    assert not blobs.exists(KEY) and blobs.size(KEY) is None

    assert blobs.put_file(KEY, source(DATA)) is True
    assert blobs.put_file(KEY, source(b"other bytes", "other.bin")) is False

    assert blobs.exists(KEY) and blobs.size(KEY) == len(DATA)
    assert read_all(blobs, KEY) == DATA


def test_put_stream_overwrites_and_returns_the_size(blobs):
    key = staging_key("upload-1")
    assert blobs.put_stream(key, io.BytesIO(b"first version"), max_bytes=100) == 13
    assert blobs.put_stream(key, io.BytesIO(DATA), max_bytes=len(DATA)) == len(DATA)
    assert read_all(blobs, key) == DATA


def test_put_stream_refuses_more_than_the_cap_and_stores_nothing(blobs):
    key = staging_key("upload-2")
    with pytest.raises(TooLarge):
        blobs.put_stream(key, io.BytesIO(DATA), max_bytes=len(DATA) - 1)
    assert not blobs.exists(key)


@pytest.mark.parametrize(("start", "end"), [(0, None), (0, 0), (5, 9), (100, None), (10_000, 10_239), (10_200, 99_999)])
def test_open_read_returns_inclusive_byte_ranges(blobs, source, start, end):
    blobs.put_file(KEY, source(DATA))
    expected = DATA[start:] if end is None else DATA[start:end + 1]
    assert read_all(blobs, KEY, start, end) == expected


def test_a_range_starting_past_the_end_is_invalid(blobs, source):
    blobs.put_file(KEY, source(DATA))
    with pytest.raises(InvalidInput):
        blobs.open_read(KEY, len(DATA))
    with pytest.raises(InvalidInput):
        blobs.open_read(KEY, 10, 5)


def test_local_path_is_the_blob_on_this_machine_or_none(blobs, source):
    blobs.put_file(KEY, source(DATA))
    path = blobs.local_path(KEY)
    if isinstance(blobs, S3BlobStore):
        assert path is None  # no local files: the server streams, or clients fetch presigned URLs
        return
    assert path is not None and Path(path).read_bytes() == DATA
    with pytest.raises(NotFound):
        blobs.local_path("sha256/00/missing")


def test_missing_blobs_raise_not_found_before_streaming(blobs, tmp_path):
    with pytest.raises(NotFound):
        blobs.open_read("sha256/00/missing")  # no iteration: the error comes from the call itself
    with pytest.raises(NotFound):
        blobs.download_to("sha256/00/missing", str(tmp_path / "out.bin"))


def test_download_to_copies_the_blob(blobs, source, tmp_path):
    blobs.put_file(KEY, source(DATA))
    target = tmp_path / "copy.bin"
    blobs.download_to(KEY, str(target))
    assert target.read_bytes() == DATA


def test_delete_is_idempotent_and_reset_empties_the_store(blobs, source):
    blobs.put_file(KEY, source(DATA))
    blobs.put_stream(staging_key("u"), io.BytesIO(b"x"), 10)

    blobs.delete(KEY)
    blobs.delete(KEY)
    assert not blobs.exists(KEY)

    blobs.reset()
    assert not blobs.exists(staging_key("u"))
    assert blobs.put_file(KEY, source(DATA)) is True  # usable after a reset
    blobs.ping()


# local directory -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["../escape", "/etc/passwd", "a/../b", "a//b", "a/./b", ".tmp-x", "a/.hidden", "",
                                 "sp ace", "back\\slash", "nul\x00", "é"])
def test_files_refuse_keys_that_could_leave_the_root(tmp_path, source, bad):
    files = FileBlobStore(tmp_path / "root")
    with pytest.raises(InvalidInput):
        files.put_file(bad, source(DATA))
    with pytest.raises(InvalidInput):
        files.exists(bad)


def test_files_leave_no_temporary_files_behind(tmp_path, source):
    files = FileBlobStore(tmp_path / "root")
    files.put_file(KEY, source(DATA))
    files.put_file(KEY, source(DATA))
    with pytest.raises(TooLarge):
        files.put_stream(KEY, io.BytesIO(DATA), 10)
    names = [name for _, _, found in os.walk(tmp_path / "root") for name in found]
    assert names == [KEY.rsplit("/", 1)[1]]
    assert read_all(files, KEY) == DATA  # the refused stream did not touch the stored blob


def test_files_have_no_presigned_urls(tmp_path):
    files = FileBlobStore(tmp_path / "root")
    assert files.presign_get(KEY, 60, "x.zip") is None
    assert files.presign_upload(KEY, 100, 60) is None


# S3 on SeaweedFS -----------------------------------------------------------------------------------------------------
@pytest.mark.aws
def test_presigned_get_downloads_with_the_filename(s3_store, source):
    s3_store.put_file(KEY, source(DATA))
    url = s3_store.presign_get(KEY, 60, "bert base.zip")

    answer = httpx.get(url)

    assert answer.status_code == 200 and answer.content == DATA
    assert answer.headers["content-disposition"] == content_disposition("bert base.zip")
    assert httpx.get(url.replace("Signature=", "Signature=00")).status_code == 403  # SeaweedFS checks signatures


@pytest.mark.aws
def test_presigned_post_accepts_an_upload_within_the_cap(s3_store):
    key = staging_key("presigned-1")
    form = s3_store.presign_upload(key, max_bytes=len(DATA), ttl_seconds=60)
    assert form["method"] == "POST" and form["headers"] == {}

    answer = httpx.post(form["url"], data=form["fields"], files={"file": ("package.zip", DATA)})

    assert answer.status_code in (200, 201, 204), answer.text
    assert s3_store.size(key) == len(DATA)


@pytest.mark.aws
def test_presigned_post_rejects_an_upload_over_the_cap(s3_store):
    key = staging_key("presigned-2")
    form = s3_store.presign_upload(key, max_bytes=100, ttl_seconds=60)

    answer = httpx.post(form["url"], data=form["fields"], files={"file": ("package.zip", DATA)})

    assert answer.status_code in (400, 403), answer.text
    assert not s3_store.exists(key)


@pytest.mark.aws
def test_presigned_post_is_bound_to_its_key(s3_store):
    form = s3_store.presign_upload(staging_key("presigned-3"), max_bytes=len(DATA), ttl_seconds=60)
    fields = {**form["fields"], "key": staging_key("somewhere-else")}
    answer = httpx.post(form["url"], data=fields, files={"file": ("package.zip", b"x")})
    assert answer.status_code == 403
    assert not s3_store.exists(staging_key("somewhere-else"))


@pytest.mark.aws
def test_big_files_go_up_in_parts_and_stay_conditional(s3_store, source):
    data = os.urandom(11 * 1024 * 1024)  # the fixture's part size is 5 MiB: three parts
    assert s3_store.put_file(KEY, source(data)) is True
    assert s3_store.size(KEY) == len(data)
    assert read_all(s3_store, KEY, 5 * 1024 * 1024 - 2, 5 * 1024 * 1024 + 1) == data[5 * 1024 * 1024 - 2:][:4]
    assert s3_store.put_file(KEY, source(b"different")) is False


@pytest.mark.aws
def test_a_racing_writer_loses_the_conditional_write(s3_store, source, monkeypatch):
    """Both writers saw no blob; the server's If-None-Match decides, and the loser reports False."""
    s3_store.put_file(KEY, source(DATA))
    monkeypatch.setattr(s3_store, "exists", lambda key: False)
    assert s3_store.put_file(KEY, source(b"late writer", "late.bin")) is False
    assert read_all(s3_store, KEY) == DATA


@pytest.mark.aws
def test_a_racing_multipart_writer_loses_too(s3_store, source, monkeypatch):
    first, second = os.urandom(6 * 1024 * 1024), os.urandom(6 * 1024 * 1024)
    s3_store.put_file(KEY, source(first))
    monkeypatch.setattr(s3_store, "exists", lambda key: False)
    assert s3_store.put_file(KEY, source(second, "second.bin")) is False
    assert read_all(s3_store, KEY, 0, 1023) == first[:1024]


def test_an_unavailable_s3_raises_instead_of_answering(tmp_path, source, monkeypatch):
    """503 on every request: reads and writes must fail loudly, never look like "absent" or "already stored"."""
    with unavailable_s3() as endpoint:
        s3 = S3BlobStore(endpoint.client(max_attempts=1), "bucket")
        for attempt in (lambda: s3.exists(KEY), lambda: s3.size(KEY), lambda: s3.put_file(KEY, source(DATA)),
                        lambda: s3.open_read(KEY), lambda: s3.put_stream(KEY, io.BytesIO(DATA), len(DATA)),
                        s3.ping):
            with pytest.raises(ClientError) as raised:
                attempt()
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
        monkeypatch.setattr(s3, "exists", lambda key: False)  # the conditional PUT itself answered 503
        with pytest.raises(ClientError):
            s3.put_file(KEY, source(DATA))
