"""schema.graphql is the web client's contract: it must match the code."""
from schema.export import SCHEMA_FILE, render


def test_exported_schema_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "schema.graphql is stale: run `.venv/bin/python -m schema.export` and commit the result")
