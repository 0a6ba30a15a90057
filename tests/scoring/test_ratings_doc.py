"""docs/ratings.md states each number once: its tables must be the ones the code uses."""
from __future__ import annotations

from pathlib import Path

import pytest

from scoring.library import LIBRARY_REPOSITORIES, STANDARD_LOADERS
from scoring.license import FAMILY_SCORES
from scoring.metrics import maintenance
from scoring.metrics.size import DEVICE_BUDGETS, MB
from scoring.rating import DEFAULT_POLICY, DEFAULT_WEIGHTS, GATED_METRICS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "ratings.md").read_text(encoding="utf-8")


def table_after(heading: str) -> list[list[str]]:
    """The rows (header and separator left out) of the first table after the line `heading`."""
    lines = DOC.splitlines()
    start = lines.index(heading)
    rows: list[list[str]] = []
    for line in lines[start + 1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
        elif rows:
            break
    assert len(rows) > 2, f"no table after {heading!r}"
    return rows[2:]


def test_the_documented_weights_are_the_defaults() -> None:
    documented = {name: float(weight) for name, weight in table_after("## Net score weights")}
    assert documented == DEFAULT_WEIGHTS.model_dump()


def test_the_documented_gate_is_the_default_policy() -> None:
    rows = dict(table_after("## Ingest gate"))
    assert float(rows.pop("net_score (gated)")) == DEFAULT_POLICY.net_score_threshold and DEFAULT_POLICY.net_score_gated
    assert {name: float(value) for name, value in rows.items()} == DEFAULT_POLICY.thresholds
    assert set(rows) == set(GATED_METRICS)


def test_the_documented_libraries_are_the_table_the_code_uses() -> None:
    rows = table_after("### Libraries")
    assert {name: repository for name, repository, _ in rows} == LIBRARY_REPOSITORIES
    assert {name: loads for name, _, loads in rows if loads} == {name: file for name, (file, _) in
                                                                 STANDARD_LOADERS.items()}


def test_the_documented_device_budgets_are_the_code_s() -> None:
    documented = {device: (int(full) * MB, int(zero) * MB) for device, full, zero in
                  table_after("### Device budgets (size_score)")}
    assert documented == DEVICE_BUDGETS


def test_the_documented_license_scores_are_the_code_s() -> None:
    documented = {family.replace(" ", "_").lower(): float(score) for family, score, _, _ in
                  table_after("### The license table")}
    assert documented == {family.value: score for family, score in FAMILY_SCORES.items()}


@pytest.mark.parametrize(("parameter", "value"), [
    ("organization members counted", maintenance.ORGANIZATION_MEMBERS_COUNTED),
    ("library people counted", maintenance.LIBRARY_PEOPLE_COUNTED),
    ("recency within 365 days", dict(maintenance.RECENCY_STEPS)[365]),
    ("recency within 730 days", dict(maintenance.RECENCY_STEPS)[730]),
    ("recency older or unknown", maintenance.RECENCY_STALE),
])
def test_the_documented_bus_factor_parameters_are_the_code_s(parameter: str, value: float) -> None:
    assert float(dict(table_after("### bus_factor"))[parameter]) == value
