"""SQLite answers every artifact read with a narrow index seek: no statement the store sends scans a table."""
from __future__ import annotations

from registry.model import Artifact, ArtifactStatus, ArtifactType
from registry.version import parse_version_query
from store.sqlite import _SETTLE_LINE, SqliteMetadataStore


def test_every_artifact_query_seeks_an_index(tmp_path):
    store = SqliteMetadataStore(tmp_path / "plans.sqlite3")
    for n in range(50):
        store.create_artifact(Artifact(id=f"a-{n}", type=list(ArtifactType)[n % 3], name=f"n-{n % 7}",
                                       status=ArtifactStatus.READY, source_url=f"https://huggingface.co/o/{n}",
                                       parent_urls=[f"https://huggingface.co/o/{n // 2}"], version=f"1.{n}.0"))
    db = store._db()
    statements: list[str] = []
    db.set_trace_callback(statements.append)  # the statements as run, parameters filled in

    page = store.list_artifacts(None, None, 10)
    store.list_artifacts([ArtifactType.MODEL], page.next_cursor, 10)
    store.list_artifacts([ArtifactType.MODEL, ArtifactType.CODE], page.next_cursor, 10)
    store.find_by_name("n-3", [ArtifactType.DATASET])
    store.find_by_source(["https://huggingface.co/o/1", "https://huggingface.co/o/2"])
    store.find_children(["https://huggingface.co/o/1"])
    store.get_artifacts(["a-1", "a-2"])
    store.get_artifact("a-3")
    store.list_audit("a-1")
    store.list_artifacts(None, page.next_cursor, 10, latest_only=True)
    store.list_artifacts([ArtifactType.CODE], None, 10, latest_only=True)
    versions = parse_version_query("^1.2.0")
    store.list_by_version(versions.low, versions.high, None, None, 10)
    db.set_trace_callback(None)

    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) >= 10
    for sql in selects:
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]
        # A SCAN reads the table; a seek on status alone walks every ready artifact: both grow with the registry.
        assert not any(step.startswith("SCAN") or step.endswith("(status=?)") for step in plan), (sql, plan)
    store.close()


def test_settling_a_name_seeks_its_versions(tmp_path):
    store = SqliteMetadataStore(tmp_path / "plans.sqlite3")
    plan = [row[3] for row in store._db().execute("EXPLAIN QUERY PLAN " + _SETTLE_LINE,
                                                  {"type": "model", "name": "n", "ready": "ready"})]
    assert plan and not any(step.startswith("SCAN") for step in plan), plan
    store.close()
