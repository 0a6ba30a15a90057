"""The SQLite adapter's search-text cache: current with other processes' writes (another connection on the same
file stands in for another process), and streaming from the file instead once over its memory budget."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from registry.model import Artifact, ArtifactStatus, ArtifactType
from store.sqlite import SqliteMetadataStore

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def ready(artifact_id: str, readme: str = "") -> Artifact:
    return Artifact(id=artifact_id, type=ArtifactType.MODEL, name=f"name-{artifact_id}", readme=readme,
                    status=ArtifactStatus.READY, created_at=T0)


@pytest.fixture
def pair(tmp_path):
    """Two stores on one file, as two processes would open it."""
    first, second = (SqliteMetadataStore(tmp_path / "registry.sqlite3") for _ in range(2))
    yield first, second
    first.close()
    second.close()


def texts(store: SqliteMetadataStore) -> dict[str, bytes]:
    return {row.id: row.readme for row in store.iter_search_text()}


def test_a_search_sees_what_another_process_wrote(pair):
    first, second = pair
    first.create_artifact(ready("a", "alpha"))
    assert texts(second) == {"a": b"alpha"}  # loads the cache

    first.replace_artifact(ready("a", "alpha, revised"))
    first.create_artifact(ready("b", "beta"))
    assert texts(second) == {"a": b"alpha, revised", "b": b"beta"}

    first.delete_artifact("a")
    assert texts(second) == {"b": b"beta"}
    first.reset()
    assert texts(second) == {}


def test_over_its_memory_budget_the_cache_gives_way_to_streaming(tmp_path):
    store = SqliteMetadataStore(tmp_path / "registry.sqlite3", search_cache_bytes=100)
    store.create_artifact(ready("a", "x" * 60))
    assert texts(store) == {"a": b"x" * 60}  # within budget: cached

    store.create_artifact(ready("b", "y" * 60))
    assert texts(store) == {"a": b"x" * 60, "b": b"y" * 60}  # over it: read from the file, same answer
    assert store._search.entries([ArtifactType.MODEL]) is None
    store.close()
