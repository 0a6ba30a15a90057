"""Session-wide real AWS-compatible servers for tests: S3 on SeaweedFS and DynamoDB on moto's server (both on
127.0.0.1, started once), and per-test fresh tables and buckets on them."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from store.dynamo import DynamoMetadataStore
from store.s3 import S3BlobStore
from tests.servers import REGION, TEST_ACCESS_KEY, TEST_SECRET_KEY, S3Endpoint, moto_server, seaweedfs


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
