"""Fixtures of the write-path tests (registry/writes.py and its users): ArtifactService on the embedded adapters
with a short lease, and an upstream the test can hold."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.artifacts import ArtifactService
from registry.settings import Settings
from registry.sourcing import SourceReader
from registry.writes import WriteFence, Writes
from store.files import FileBlobStore
from store.sqlite import SqliteMetadataStore
from tests.registry.test_artifact_service import Upstream


class Gate(Upstream):
    """The upstream, holding each read at `gate` until the test opens it (a slow hub, under the test's control)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def fetch(self, ref):  # type: ignore[no-untyped-def]
        self.entered.set()
        assert self.gate.wait(30)
        return super().fetch(ref)


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[SqliteMetadataStore, FileBlobStore]]:
    """The embedded adapters in the test's directory."""
    metadata = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    yield metadata, FileBlobStore(tmp_path / "blobs")
    metadata.close()


@pytest.fixture
def ha_settings(tmp_path: Path) -> Settings:
    return Settings(environment="test", data_dir=tmp_path, write_lease_seconds=0.5, reset_drain_seconds=5)


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def ha_writes(ha_settings, stores) -> Writes:
    metadata, blobs = stores
    return Writes(ha_settings, WriteFence(metadata, ha_settings, owns_store=True), metadata, metadata, metadata,
                  blobs)


@pytest.fixture
def ha_service(ha_settings, stores, gate, ha_writes) -> ArtifactService:
    metadata, blobs = stores
    return ArtifactService(ha_settings, metadata, metadata, metadata, metadata, blobs,
                           SourceReader(gate, gate), writes=ha_writes)  # type: ignore[arg-type]
