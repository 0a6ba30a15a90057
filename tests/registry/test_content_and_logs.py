"""registry.content (the rating's note on suspicious content) and registry.paging.page_log (history pages)."""
from __future__ import annotations

import pytest

from registry.content import MAX_LISTED, with_content_findings
from registry.errors import InvalidInput
from registry.model import ContentFinding, ContentScan, FindingSeverity
from registry.paging import encode_cursor, page_log
from scoring.rating import rate
from tests.scoring.builders import evidence


def evidence_rating():
    return rate(evidence())


def scan(*globals_: str) -> ContentScan:
    return ContentScan(scanner="picklescan", scanned_files=["pytorch_model.bin"],
                       findings=[ContentFinding(file="pytorch_model.bin", global_name=g,
                                                severity=FindingSeverity.SUSPICIOUS) for g in globals_])


def test_a_clean_or_unscanned_model_keeps_its_explanation():
    rating = evidence_rating()
    assert with_content_findings(rating, None) == rating
    assert with_content_findings(rating, scan()) == rating


def test_suspicious_findings_are_named_in_the_net_score_explanation():
    rating = evidence_rating()
    noted = with_content_findings(rating, scan("custom.Head"))
    assert noted.net_score == rating.net_score
    assert noted.net_score_explanation.startswith(rating.net_score_explanation)
    assert "1 suspicious pickle import (pytorch_model.bin imports custom.Head)" in noted.net_score_explanation
    many = with_content_findings(rating, scan(*(f"pkg.G{n}" for n in range(MAX_LISTED + 2))))
    assert f"{MAX_LISTED + 2} suspicious pickle imports" in many.net_score_explanation
    assert "and 2 more" in many.net_score_explanation and "pkg.G6" not in many.net_score_explanation


def test_log_pages_resume_after_their_cursor():
    log = [f"entry-{n}" for n in range(7)]
    reads: list[int] = []

    def read(limit: int) -> list[str]:
        reads.append(limit)
        return log[:limit]

    first = page_log(read, 3, None, 10)
    assert [e.node for e in first.edges] == log[:3] and first.has_next_page
    last = page_log(read, 10, first.edges[-1].cursor, 10)
    assert [e.node for e in last.edges] == log[3:] and not last.has_next_page
    assert reads == [4, 14]


@pytest.mark.parametrize("after", ["not-a-cursor", encode_cursor("abc"), encode_cursor("1" * 10)])
def test_foreign_cursors_and_page_sizes_are_invalid_input(after):
    with pytest.raises(InvalidInput):
        page_log(lambda limit: [], 3, after, 10)
    with pytest.raises(InvalidInput):
        page_log(lambda limit: [], 11, None, 10)
