"""An app on the embedded SQLite store and the fake hub, ingesting without the rating gate.

The gate is tested with the ratings; these tests need hand-made models admitted as they are.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from registry.artifacts import ArtifactService
from registry.container import Registry
from registry.lineage import LineageService
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings
from registry.sourcing import SourceReader
from app.factory import create_app
from scoring.sources.github import GitHubSource
from scoring.sources.hub import HubSource
from store.files import FileBlobStore
from store.sqlite import SqliteMetadataStore
from tests.conftest import GraphQL


@pytest.fixture
def registry(settings: Settings, tmp_path) -> Iterator[Registry]:
    metadata = SqliteMetadataStore(tmp_path / "lineage.db")
    hub = HubSource(settings.hf_endpoint, None, timeout=5, retries=0)
    github = GitHubSource(settings.github_api_url, None, timeout=5, retries=0)
    built = Registry(settings=settings, metadata=metadata, blobs=FileBlobStore(tmp_path / "blobs"), hub=hub,
                     github=github)
    built.artifacts = ArtifactService(settings, metadata, metadata, metadata, metadata, built.blobs,
                                      SourceReader(hub, github), monitors=metadata)  # no gate
    built.lineage = LineageService(metadata, built.artifacts, github)
    yield built
    github.close()
    metadata.close()


@pytest.fixture
def lgql(settings: Settings, registry: Registry) -> Iterator[GraphQL]:
    with TestClient(create_app(settings, registry)) as client:
        anonymous = GraphQL(client)
        yield anonymous.as_user(anonymous.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
