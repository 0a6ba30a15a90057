"""build_stores picks the adapters from settings; the AWS pair reaches real local servers through the endpoints."""
from __future__ import annotations

import io

import pytest

from registry.model import Artifact, ArtifactType
from registry.settings import Settings
from store.dynamo import DynamoMetadataStore
from store.factory import build_stores
from store.files import FileBlobStore
from store.s3 import S3BlobStore
from store.sqlite import SqliteMetadataStore
from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY


def test_local_backend_keeps_everything_under_the_data_dir(tmp_path):
    metadata, blobs = build_stores(Settings(backend="local", data_dir=tmp_path / "data"))

    assert isinstance(metadata.inner, SqliteMetadataStore) and isinstance(blobs.inner, FileBlobStore)
    metadata.create_artifact(Artifact(id="a", type=ArtifactType.MODEL, name="n"))
    blobs.put_stream("uploads/x", io.BytesIO(b"abc"), 10)
    assert (tmp_path / "data" / "registry.sqlite3").is_file()
    assert (tmp_path / "data" / "blobs" / "uploads" / "x").read_bytes() == b"abc"


@pytest.mark.aws
def test_aws_backend_uses_the_configured_endpoints(monkeypatch, moto_url, seaweed):
    for name, value in {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    settings = Settings(backend="aws", aws_region=REGION, s3_endpoint_url=seaweed.url, dynamodb_endpoint_url=moto_url,
                        s3_bucket="factory-bucket", dynamodb_table_prefix="factory")

    metadata, blobs = build_stores(settings)

    assert isinstance(metadata.inner, DynamoMetadataStore) and metadata.table == "factory-registry"
    assert isinstance(blobs.inner, S3BlobStore)
    assert metadata._db._client is None and blobs._s3._client is None  # no client until first use
    metadata.ensure_tables()
    blobs.ensure_bucket()
    blobs.ensure_bucket()  # idempotent
    metadata.ping()
    blobs.ping()
    blobs.put_stream("uploads/factory", io.BytesIO(b"abc"), 10)
    assert seaweed.client().get_object(Bucket="factory-bucket", Key="uploads/factory")["Body"].read() == b"abc"
    blobs.reset()
