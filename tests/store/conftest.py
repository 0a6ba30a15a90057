"""Fixtures for the storage contract: each test gets a fresh store of each backend.

"local" is SQLite + a blob directory under tmp_path; "aws" is DynamoDB on moto's server and S3 on SeaweedFS, both
real HTTP servers on 127.0.0.1 started once per session, with a new table and a new bucket for every test.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from store.dynamo import DynamoMetadataStore
from store.files import FileBlobStore
from store.ports import BlobStore, MetadataStore
from store.s3 import S3BlobStore
from store.sqlite import SqliteMetadataStore
from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY, S3Endpoint, moto_server, seaweedfs

BACKENDS = ["local", pytest.param("aws", marks=pytest.mark.aws)]


@pytest.fixture(scope="session")
def seaweed() -> Iterator[S3Endpoint]:
    with seaweedfs() as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def dynamodb_client(moto_url: str) -> Any:
    return boto3.client("dynamodb", endpoint_url=moto_url, region_name=REGION, aws_access_key_id=TEST_ACCESS_KEY,
                        aws_secret_access_key=TEST_SECRET_KEY)


@pytest.fixture
def dynamo_store(dynamodb_client: Any) -> DynamoMetadataStore:
    store = DynamoMetadataStore(dynamodb_client, table_prefix=f"t{uuid.uuid4().hex[:12]}")
    store.ensure_tables()
    return store


@pytest.fixture
def s3_store(seaweed: S3Endpoint) -> Iterator[S3BlobStore]:
    client = seaweed.client()
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    store = S3BlobStore(client, bucket, part_size=5 * 1024 * 1024)
    store.ensure_bucket()
    yield store
    store.reset()
    client.delete_bucket(Bucket=bucket)


@pytest.fixture(params=BACKENDS)
def metadata(request: pytest.FixtureRequest, tmp_path) -> Iterator[MetadataStore]:
    if request.param == "aws":
        yield request.getfixturevalue("dynamo_store")
        return
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def blobs(request: pytest.FixtureRequest, tmp_path) -> BlobStore:
    if request.param == "aws":
        store: BlobStore = request.getfixturevalue("s3_store")
        return store
    return FileBlobStore(tmp_path / "blobs")
