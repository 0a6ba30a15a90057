"""Write the GraphQL schema to schema.graphql, the client's contract (`python -m schema.export`).

tests/schema/test_export.py fails when the committed file differs from the code's schema.
"""
from __future__ import annotations

import sys
from pathlib import Path

from registry.settings import Settings
from schema.graphql import build_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def render() -> str:
    return build_schema(Settings()).as_str() + "\n"


def main() -> int:
    SCHEMA_FILE.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
