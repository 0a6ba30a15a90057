"""A database made before versions were indexed opens with them: columns added, filled, latest marked."""
from __future__ import annotations

import sqlite3

from registry.model import Artifact, ArtifactStatus, ArtifactType
from store.sqlite import SqliteMetadataStore

_OLD_TABLE = """CREATE TABLE artifacts (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
    sort_key TEXT NOT NULL, source_url TEXT, readme TEXT NOT NULL, body TEXT NOT NULL)"""


def test_an_old_database_gains_versions(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(_OLD_TABLE)
        for n, version in enumerate(["1.0.0", "1.1.0"]):
            record = Artifact(id=f"old-{n}", type=ArtifactType.MODEL, name="legacy", version=version,
                              status=ArtifactStatus.READY)
            db.execute("INSERT INTO artifacts VALUES (?, 'model', 'legacy', 'ready', ?, NULL, '', ?)",
                       (record.id, f"2024#{n}", record.model_dump_json()))
    store = SqliteMetadataStore(path)
    assert [a.id for a in store.list_artifacts(None, None, 10, latest_only=True).items] == ["old-1"]
    assert [a.id for a in store.list_by_version("0000000001", "0000000002", None, None, 10).items] == [
        "old-0", "old-1"]
    store.close()
    assert [a.id for a in SqliteMetadataStore(path).list_artifacts(None, None, 10, latest_only=True).items] == [
        "old-1"]  # opened again: nothing to do
