"""docs/disaster-proofing.md is the rendering of the rows the fault tests recorded, and every row names a fault
test that exists."""
from __future__ import annotations

from tests.faults.conftest import table_script
from tests.faults.harness import REPO


def test_the_committed_table_is_the_rendering_of_the_recorded_rows():
    script = table_script()
    rows = script.load()
    assert rows and all(set(row) == set(script.FIELDS) and all(row.values()) for row in rows)
    assert len({row["id"] for row in rows}) == len(rows)
    assert script.TABLE.read_text() == script.render(rows), "run python scripts/disaster_table.py"
    assert script.main(["--check"]) == 0


def test_every_row_comes_from_a_fault_test():
    sources = "".join(path.read_text() for path in (REPO / "tests" / "faults").glob("test_*.py"))
    for row in table_script().load():
        assert f"def {row['test'].split('[')[0]}(" in sources, row
