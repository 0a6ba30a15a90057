"""SPDX normalization and the license score table."""
from __future__ import annotations

import pytest

from scoring.license import FAMILY_REASONS, FAMILY_SCORES, LicenseFamily, normalize_license


@pytest.mark.parametrize(("raw", "expression", "family"), [
    ("apache-2.0", "Apache-2.0", LicenseFamily.PERMISSIVE),
    ("MIT", "MIT", LicenseFamily.PERMISSIVE),
    ("Apache License, Version 2.0", "Apache-2.0", LicenseFamily.PERMISSIVE),
    ("bsd-3-clause", "BSD-3-Clause", LicenseFamily.PERMISSIVE),
    ("cc-by-4.0", "CC-BY-4.0", LicenseFamily.PERMISSIVE),
    ("lgpl-2.1", "LGPL-2.1-only", LicenseFamily.WEAK_COPYLEFT),
    ("mpl-2.0", "MPL-2.0", LicenseFamily.WEAK_COPYLEFT),
    ("cc-by-sa-4.0", "CC-BY-SA-4.0", LicenseFamily.SHARE_ALIKE),
    ("openrail", "openrail", LicenseFamily.RESPONSIBLE_AI),
    ("creativeml-openrail-m", "creativeml-openrail-m", LicenseFamily.RESPONSIBLE_AI),
    ("llama3.1", "llama3.1", LicenseFamily.COMMUNITY),
    ("gpl-3.0", "GPL-3.0-only", LicenseFamily.STRONG_COPYLEFT),
    ("agpl-3.0", "AGPL-3.0-only", LicenseFamily.NETWORK_COPYLEFT),
    ("cc-by-nd-4.0", "CC-BY-ND-4.0", LicenseFamily.NO_DERIVATIVES),
    ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0", LicenseFamily.NON_COMMERCIAL),
    ("other", "other", LicenseFamily.CUSTOM_UNLINKED),
    ("unknown", "unknown", LicenseFamily.UNKNOWN),
    ("GPL-2.0 WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0",
     LicenseFamily.STRONG_COPYLEFT),
])
def test_known_licenses_normalize_to_their_family(raw: str, expression: str, family: LicenseFamily) -> None:
    normalized = normalize_license(raw)
    assert normalized.expression == expression
    assert normalized.family is family
    assert normalized.score == FAMILY_SCORES[family]


def test_or_takes_the_best_alternative_and_and_the_worst_part() -> None:
    assert normalize_license("gpl-3.0 OR mit").family is LicenseFamily.PERMISSIVE
    assert normalize_license("mit AND cc-by-nc-4.0").family is LicenseFamily.NON_COMMERCIAL


def test_other_with_a_link_is_a_linked_custom_license() -> None:
    assert normalize_license("other", link="https://example.com/terms").family is LicenseFamily.CUSTOM_LINKED


@pytest.mark.parametrize("raw", [None, "", "   ", "((mit", "a" * 600, "Some bespoke words"])
def test_missing_or_unparseable_licenses_are_unknown_and_score_zero(raw: str | None) -> None:
    normalized = normalize_license(raw)
    assert normalized.family is LicenseFamily.UNKNOWN
    assert normalized.score == 0.0


def test_every_family_has_a_score_in_range_and_a_reason() -> None:
    assert set(FAMILY_SCORES) == set(LicenseFamily) == set(FAMILY_REASONS)
    assert all(0.0 <= score <= 1.0 for score in FAMILY_SCORES.values())
    assert FAMILY_SCORES[LicenseFamily.PERMISSIVE] == 1.0 and FAMILY_SCORES[LicenseFamily.UNKNOWN] == 0.0
