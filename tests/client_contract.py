"""The JS client's GraphQL documents (client/site/ui/api/operations.js), read through Node, and which of those
marked as pending the target schema still fail against schema.graphql.

Tests that drive the client against a real server (browser tests, the README examples) skip while any pending
document is invalid: the server has not landed the schema change the client was written for (issue 10).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

from graphql import build_schema, parse, validate

from schema.export import SCHEMA_FILE

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS_MODULE = ROOT / "client" / "site" / "ui" / "api" / "operations.js"

_DUMP = ("const m = await import(process.argv[1]); "
         "console.log(JSON.stringify({operations: m.OPERATIONS, pending: [...m.PENDING_SCHEMA]}));")


@cache
def client_operations() -> tuple[dict[str, str], frozenset[str]]:
    """({operation name: document}, names marked pending) as the client module exports them."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node (20+) is needed to read the client's operations")
    out = subprocess.run([node, "--input-type=module", "-e", _DUMP, OPERATIONS_MODULE.as_uri()], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    data = json.loads(out)
    return data["operations"], frozenset(data["pending"])


def unlanded_operations() -> list[str]:
    """Pending operations that schema.graphql does not validate yet (empty once the server has landed them)."""
    operations, pending = client_operations()
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))
    return sorted(name for name in pending if validate(schema, parse(operations[name])))
