"""docs/security.md: every threat in its STRIDE table names the tests that hold its mitigation, and each exists."""
from __future__ import annotations

import ast
from pathlib import Path

import re2

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
_ROW = re2.compile(r"^\| ([STRIDE]): [^|]+\|[^|]+\| (.+) \|$")
_TEST = re2.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def table_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    """(STRIDE letter, [(test file, test name)]) of every threat row."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            rows.append((match.group(1), [(m[0], m[1]) for m in _TEST.findall(match.group(2))]))
    return rows


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def test_every_stride_category_has_threats_and_every_threat_names_tests():
    rows = table_rows()
    assert {letter for letter, _ in rows} == set("STRIDE")
    assert all(tests for _, tests in rows), "a threat without a test"


def test_every_test_the_table_names_exists():
    missing = [f"{file}::{name}" for _, tests in table_rows() for file, name in tests
               if not (ROOT / file).is_file() or name not in defined_tests(ROOT / file)]
    assert missing == []
