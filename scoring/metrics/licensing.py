"""license: how freely the customer (who ships LGPL-2.1 software) may use the model, from its declared license."""
from __future__ import annotations

from scoring.evidence import Evidence
from scoring.license import FAMILY_REASONS, NormalizedLicense, declared_license
from scoring.metrics.result import MetricResult


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
        found = declared_license(repo)
        if found is not None:
            return _scored(prefix + found[0], found[1])
    note = f"; card metadata unreadable ({model.card_error})" if model.card_error else ""
    return MetricResult(0.0, f"no recognisable license in card YAML, tags, card text or LICENSE file{note} = 0.00")


def _scored(source: str, normalized: NormalizedLicense) -> MetricResult:
    score = normalized.score
    return MetricResult(
        score,
        f"{source}: {normalized.raw!r} -> {normalized.expression} ({FAMILY_REASONS[normalized.family]}) "
        f"= {score:.2f}",
    )
