"""What a rating says about an artifact's content scan.

A model's files are scanned when they enter the registry (an upload's finalize, a hub model's first download),
often after its rating was stored, and a re-rating must not lose what the scan found. So the note is added when a
rating is read (ArtifactService.rating / rerate), from the scan recorded on the artifact: a reader of the rating
always sees the suspicious findings of the files they would download. Unsafe content never gets this far (it is
refused and nothing is stored).
"""
from __future__ import annotations

from registry.model import ContentScan, ContentVerdict
from scoring.rating import Rating

MAX_LISTED = 5


def with_content_findings(rating: Rating, scan: ContentScan | None) -> Rating:
    """The rating, its net score explanation ending with the scan's suspicious findings (unchanged when clean or
    not scanned)."""
    if scan is None or scan.verdict is not ContentVerdict.SUSPICIOUS:
        return rating
    listed = [f"{f.file} imports {f.global_name}" if f.global_name else f.file for f in scan.findings[:MAX_LISTED]]
    more = len(scan.findings) - len(listed)
    note = (f" Content scan: {len(scan.findings)} suspicious pickle import{'s' if len(scan.findings) != 1 else ''}"
            f" ({'; '.join(listed)}{f'; and {more} more' if more > 0 else ''}): outside the scanner's known-safe "
            "list; the files were accepted, but load them only if you trust their source.")
    return rating.model_copy(update={"net_score_explanation": rating.net_score_explanation + note})
