"""Fixtures for the storage contract: each test gets a fresh store of each backend.

"local" is SQLite + a blob directory under tmp_path; "aws" is DynamoDB on moto's server and S3 on SeaweedFS, both
real HTTP servers on 127.0.0.1 started once per session, with a new table and a new bucket for every test.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from store.files import FileBlobStore
from registry.ports import BlobStore, MetadataStore
from store.sqlite import SqliteMetadataStore

BACKENDS = ["local", pytest.param("aws", marks=pytest.mark.aws)]


@pytest.fixture(params=BACKENDS)
def metadata(request: pytest.FixtureRequest, tmp_path) -> Iterator[MetadataStore]:
    if request.param == "aws":
        yield request.getfixturevalue("dynamo_store")
        return
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield store
    store.close()


@pytest.fixture
def sqlite_metadata(tmp_path) -> Iterator[MetadataStore]:
    """Only the embedded store, for isolation under concurrency: moto's server applies a transaction's items and
    concurrent writes one by one, without the isolation DynamoDB documents, so it cannot check the AWS adapter's."""
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def blobs(request: pytest.FixtureRequest, tmp_path) -> BlobStore:
    if request.param == "aws":
        store: BlobStore = request.getfixturevalue("s3_store")
        return store
    return FileBlobStore(tmp_path / "blobs")
