"""Fixtures for the storage contract: each test gets a fresh store of each backend.

"local" is SQLite + a blob directory under tmp_path; "aws" is DynamoDB on moto's server and S3 on SeaweedFS, both
real HTTP servers on 127.0.0.1 started once per session, with a new table and a new bucket for every test.

The embedded store answers reads by id from memory until its records' counter moves (store/generation.py), so every
write that changes an artifact row must move it. Every contract test here checks that of each call it makes:
`Watched` compares SQLite's own change log of artifact rows (the `artifact_changes` triggers, which see every
write whatever path it took) with the counter around each call.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from store.files import FileBlobStore
from registry.ports import BlobStore, MetadataStore
from store.sqlite import SqliteMetadataStore, _last_change


class Watched:
    """The embedded store, failing any call that changed an artifact row without moving the records' counter to a
    new settled value. Calls that overlap another (the concurrency tests) are not judged: another thread's change
    may be half-way."""

    def __init__(self, inner: SqliteMetadataStore) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._running = 0
        self._started = 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name.startswith("_") or not callable(found):
            return found
        return self._judged(name, found)

    def _judged(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def judged(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self._running += 1
                self._started += 1
                alone, started = self._running == 1, self._started
            changes, counter = self._state()
            try:
                return call(*args, **kwargs)
            finally:
                with self._lock:
                    self._running -= 1
                    alone = alone and self._started == started
                after_changes, after_counter = self._state()
                if alone and after_changes != changes:
                    assert after_counter not in (None, counter), f"{name} changed a record unseen by readers"

        return judged

    def _state(self) -> tuple[int, int | None]:
        return _last_change(self.inner._db()), self.inner._records_generation.stable()


BACKENDS = ["local", pytest.param("aws", marks=pytest.mark.aws)]


@pytest.fixture(params=BACKENDS)
def metadata(request: pytest.FixtureRequest, tmp_path) -> Iterator[MetadataStore]:
    if request.param == "aws":
        yield request.getfixturevalue("dynamo_store")
        return
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield Watched(store)  # type: ignore[misc]
    store.close()


@pytest.fixture
def sqlite_metadata(tmp_path) -> Iterator[MetadataStore]:
    """Only the embedded store, for isolation under concurrency: moto's server applies a transaction's items and
    concurrent writes one by one, without the isolation DynamoDB documents, so it cannot check the AWS adapter's."""
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield Watched(store)  # type: ignore[misc]
    store.close()


@pytest.fixture(params=BACKENDS)
def blobs(request: pytest.FixtureRequest, tmp_path) -> BlobStore:
    if request.param == "aws":
        store: BlobStore = request.getfixturevalue("s3_store")
        return store
    return FileBlobStore(tmp_path / "blobs")
