"""license: how freely the customer (who ships LGPL-2.1 software) may use the model, from its declared license."""
from __future__ import annotations

from typing import Any

import re2

from scoring.evidence import Evidence
from scoring.license import FAMILY_REASONS, LicenseFamily, NormalizedLicense, normalize_license
from scoring.metrics.result import MetricResult
from scoring.sources.types import HubRepo

_LICENSE_SECTION = re2.compile(r"(?im)^[ \t]{0,3}#{1,6}[ \t]+licen[sc]e\b[^\n]*\n((?:[^#\n][^\n]*\n?|\n){0,6})")
_LICENSE_TOKEN = re2.compile(
    r"(?i)\b(apache[- ](?:license[, ]*(?:version )?)?2\.0|mit|bsd-[23]-clause|[al]?gpl-[23]\.[01](?:-only|-or-later)?"
    r"|cc-by(?:-(?:nc|nd|sa))*-\d\.\d|cc0-1\.0|mpl-2\.0|openrail\S*|[a-z]+-openrail-m|llama ?[234](?:\.\d)?|gemma)\b"
)
_LICENSE_FILES = frozenset({"license", "license.md", "license.txt", "copying", "licence", "licence.md"})


def license_metric(evidence: Evidence) -> MetricResult:
    """Score = FAMILY_SCORES[family of the declared license] (scoring/license.py, docs/ratings.md), in [0, 1].

    The license is read, first found wins, from: the card YAML `license` (a list means all apply: AND;
    "other" with `license_link`/`license_name` is a linked custom license), the hub's `license:` tags,
    a "License" section of the card, and finally a LICENSE/COPYING file in the repository (a custom license
    whose terms are linked). Normalized to SPDX with license-expression: OR takes the best alternative,
    AND the worst part. A conversion (an ONNX/GGUF/... export of one base model) that declares none carries
    the weights, and so the license, of the model it converts: that model's declaration is read the same way.
    Unknown or none: 0.
    """
    model = evidence.model
    repos = [("", model)]
    if evidence.base_model is not None:
        repos.append((f"no license of its own; it converts {evidence.base_model.ref.repo_id}, whose ",
                      evidence.base_model))
    for prefix, repo in repos:
        for source, raw, link in _declarations(repo):
            normalized = normalize_license(raw, link=link)
            if normalized.family is not LicenseFamily.UNKNOWN:
                return _scored(prefix + source, normalized)
    note = f"; card metadata unreadable ({model.card_error})" if model.card_error else ""
    return MetricResult(0.0, f"no recognisable license in card YAML, tags, card text or LICENSE file{note} = 0.00")


def _declarations(model: HubRepo) -> list[tuple[str, str | None, str | None]]:
    """(where, raw license, link to its terms) candidates, in priority order."""
    data = model.card_data
    license_file = next((f.path for f in model.files if f.path.lower() in _LICENSE_FILES), None)
    link = _text(data.get("license_link")) or _text(data.get("license_name")) or license_file
    candidates: list[tuple[str, str | None, str | None]] = [("card YAML", _yaml_license(data.get("license")), link)]
    tags = [tag.split(":", 1)[1] for tag in model.tags if tag.startswith("license:")]
    if tags:
        candidates.append(("hub tags", " AND ".join(tags), link))
    section = _LICENSE_SECTION.search(model.card_text[:200_000])
    token = _LICENSE_TOKEN.search(section.group(1)) if section else None
    if token:
        candidates.append(("card License section", token.group(0), None))
    if license_file:
        candidates.append((f"{license_file} file", "other", license_file))
    return candidates


def _yaml_license(value: Any) -> str | None:
    if isinstance(value, list):
        parts = [_text(item) for item in value]
        return " AND ".join(part for part in parts if part) or None
    return _text(value)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _scored(source: str, normalized: NormalizedLicense) -> MetricResult:
    score = normalized.score
    return MetricResult(
        score,
        f"{source}: {normalized.raw!r} -> {normalized.expression} ({FAMILY_REASONS[normalized.family]}) "
        f"= {score:.2f}",
    )
